"""Where the time of a measured block goes: `BENCH_PROFILE=1 make bench ARGS=rebates`
prints, after each profiled block, its slowest SQL statements (wall time in the database
driver, first words of the statement) and the time spent in Python between them.

Only for finding what to speed up: the timing wrapper costs a few microseconds per
query, so the figures of the measurement rows are taken without it.
"""

import contextlib
import os
import re
import time

from odoo.sql_db import Cursor

ENABLED = os.environ.get("BENCH_PROFILE", "") not in ("", "0")


@contextlib.contextmanager
def sql_profile(label, top=12):
    """Time every statement run on any cursor inside the block (when BENCH_PROFILE)."""
    if not ENABLED:
        yield
        return
    timings = []
    original = Cursor.execute

    def timed(self, query, params=None, log_exceptions=True):
        t0 = time.perf_counter()
        try:
            return original(self, query, params, log_exceptions)
        finally:
            text = query.code if hasattr(query, "code") else str(query)
            timings.append((time.perf_counter() - t0, re.sub(r"\s+", " ", text)[:150]))

    Cursor.execute = timed
    t0 = time.perf_counter()
    try:
        yield
    finally:
        Cursor.execute = original
        total = time.perf_counter() - t0
        in_sql = sum(t for t, _q in timings)
        print(
            f"    [profile {label}] {total:.3f} s: {in_sql:.3f} s in {len(timings)} "
            f"statements, {total - in_sql:.3f} s in Python",
            flush=True,
        )
        for seconds, text in sorted(timings, reverse=True)[:top]:
            print(f"      {seconds:8.3f} s  {text}", flush=True)
