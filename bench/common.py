"""Shared helpers of the benchmarks in bench/: an Odoo environment on the bench database,
and a measurement context that records wall time, SQL queries and peak Python memory.

Run through `make bench` (all bench_*.py) or `make bench ARGS=requirements` (the scripts
whose name contains the word). tools/dev.py prepares the database `sales_pm_collab_bench`
(the addon installed, no demo data) and sets ODOO_RC and BENCH_DB.
"""

import contextlib
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

SUPERUSER_ID = 1
RESULTS = Path(__file__).resolve().parent / "results"


def _init():
    config.parse_config(
        ["-c", os.environ["ODOO_RC"], "--no-http", "--log-level=warn"], setup_logging=True
    )
    return Registry(os.environ["BENCH_DB"])


@contextlib.contextmanager
def bench_env(commit=True):
    """An environment (superuser) on the bench database; commits on success."""
    registry = _init()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        yield env
        if commit:
            cr.commit()
        else:
            cr.rollback()


def vacuum(tables):
    """VACUUM ANALYZE ``tables`` of the bench database (outside any transaction). The
    benches that roll their data back leave the rows as dead tuples: without it, each run
    of the same database scans the garbage of the runs before (account_move_line grew
    to ten times its live size, and the rebate compute read it all)."""
    registry = _init()
    with registry.cursor() as cr:
        cr.rollback()
        cr._cnx.autocommit = True
        try:
            for table in tables:
                cr.execute(f'VACUUM ANALYZE "{table}"')
        finally:
            cr._cnx.autocommit = False


class Bench:
    """Collects measurements of one benchmark script and writes them to bench/results/."""

    def __init__(self, name):
        self.name = name
        self.rows = []

    @contextlib.contextmanager
    def measure(self, label, cr, target=None, memory=True):
        """Measure the block: seconds, SQL queries on `cr`, peak Python memory (MB).

        `target` is a dict of limits, e.g. {"seconds": 3, "queries": 20}; the row says
        whether each was met. `memory=False` skips the memory tracing, which slows Python
        code down two to three times: use it when the target is a response time.
        """
        if memory:
            tracemalloc.start()
        queries0 = cr.sql_log_count
        t0 = time.perf_counter()
        row = {"label": label}
        yield row
        row["seconds"] = round(time.perf_counter() - t0, 3)
        row["queries"] = cr.sql_log_count - queries0
        if memory:
            row["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        else:
            row["peak_mb"] = None
        if target:
            row["target"] = target
            row["ok"] = all(row.get(k, 0) <= v for k, v in target.items())
        self.rows.append(row)
        extra = {
            k: v
            for k, v in row.items()
            if k not in ("label", "seconds", "queries", "peak_mb", "target", "ok")
        }
        verdict = "" if not target else ("  OK" if row["ok"] else f"  MISSED {target}")
        peak = f"peak {row['peak_mb']} MB " if row["peak_mb"] is not None else ""
        print(
            f"  {label}: {row['seconds']:.3f} s, {row['queries']} queries, "
            f"{peak}{extra or ''}{verdict}",
            flush=True,
        )
        return row

    def save(self):
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{self.name}.json").write_text(json.dumps(self.rows, indent=2))
        return 0 if all(r.get("ok", True) for r in self.rows) else 1


def main_guard(func):
    """Run func() and exit with its code (scripts end with `main_guard(main)`)."""
    sys.exit(func() or 0)
