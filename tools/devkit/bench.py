"""make bench: the scale benchmarks of bench/ on their own database."""

import json
import os
import sys

from .cluster import Cluster, running_cluster
from .common import BENCH_DB, PG_PORT, PG_ROLE, ROOT, STATE, Abort, run, say, venv_python
from .odoo import addon_hash, bootstrap, free_port, install_addon, write_config


def cmd_bench():
    """Run bench/bench_*.py (or those whose name contains one of the words of ARGS)."""
    odoo_root = bootstrap()
    with running_cluster() as cluster:
        config = write_config("odoo-bench.conf", odoo_root, cluster, free_port())
        stamp = STATE / "bench-addon.hash"
        current = addon_hash()
        if not cluster.db_exists(BENCH_DB) or not stamp.exists() or stamp.read_text() != current:
            cluster.drop_db(BENCH_DB)
            install_addon(config, BENCH_DB, demo=False, log_name="bench-install.log", langs="")
            stamp.write_text(current)
        words = sys.argv[2:]
        scripts = [
            path
            for path in sorted((ROOT / "bench").glob("bench_*.py"))
            if not words or any(word in path.stem for word in words)
        ]
        if not scripts:
            raise Abort(f"no bench/bench_*.py matches {words}")
        env = dict(
            os.environ,
            ODOO_RC=str(config),
            BENCH_DB=BENCH_DB,
            PYTHONPATH=str(ROOT / "bench"),
            PGHOST=str(cluster.socket_dir),
            PGPORT=str(PG_PORT),
            PGUSER=PG_ROLE,
        )
        failed = []
        for script in scripts:
            say(f"benchmark {script.name}")
            if run([str(venv_python()), str(script)], check=False, env=env, cwd=ROOT).returncode:
                failed.append(script.name)
        if failed:
            say(f"targets missed or errors in: {', '.join(failed)}")
            return 1
        return 0


def cmd_env():
    """Print the settings to drive the project's cluster by hand (bench, debugging)."""
    cluster = Cluster()
    print(
        json.dumps(
            {
                "PGHOST": str(cluster.socket_dir),
                "PGPORT": PG_PORT,
                "PGUSER": PG_ROLE,
                "ODOO_RC": str(STATE / "odoo-test.conf"),
            }
        )
    )
