"""Constants and small helpers shared by every verb."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
STATE = ROOT / ".local"
VENV = ROOT / ".venv"
ADDON = "sales_pm_collab"
DEMO_DB = os.environ.get("DEMO_DB", "sales_pm_collab_demo")
TEST_DB = os.environ.get("TEST_DB", "sales_pm_collab_test")
BENCH_DB = os.environ.get("BENCH_DB", "sales_pm_collab_bench")
HTTP_PORT = int(os.environ.get("ODOO_HTTP_PORT", "8069"))
# the first language is the database default; the others get their translations loaded
DEMO_LANGS = os.environ.get("DEMO_LANGS", "en_US,zh_CN,zh_TW")
ODOO_SERIES = "19.0"
ODOO_DEFAULT_URL = "https://github.com/odoo/odoo/archive/refs/heads/19.0.tar.gz"
PG_ROLE = "odoo"
PG_PORT = 5432  # only names the unix socket: the cluster listens on no TCP port
UI_TEST_TAG = "collab_ui"  # HttpCase tests (tours, logins, clickbot) carry this tag
# Log lines Odoo core prints on every run and that say nothing about the addon.
INSTALL_LOG_NOISE = ("Running as user 'root' is a security risk",)
LOG_LEVEL_RE = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")


class Abort(Exception):
    """A problem the user must fix; printed as one line, no traceback."""


def say(msg):
    print(f"[sales_pm_collab] {msg}", flush=True)


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


def is_root():
    return os.geteuid() == 0


def venv_python():
    return VENV / "bin" / "python"


def run_logged(cmd, log_path, env=None, echo=False):
    """Run cmd, writing its output to log_path; return (returncode, output)."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT
        )
        lines = []
        for line in proc.stdout:
            log.write(line)
            lines.append(line)
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
        proc.wait()
    return proc.returncode, "".join(lines)


def problem_lines(output):
    """WARNING/ERROR/CRITICAL log records of an Odoo run, without known core noise."""
    return [
        line
        for line in output.splitlines()
        if LOG_LEVEL_RE.match(line) and not any(n in line for n in INSTALL_LOG_NOISE)
    ]


def report(results):
    """Print one PASS/FAIL line per (ok, text) and return the exit code."""
    print()
    for ok, text in results:
        print(("PASS  " if ok else "FAIL  ") + text)
    return 0 if all(ok for ok, _ in results) else 1
