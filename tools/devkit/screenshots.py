"""make screenshots: a PNG of each role's main screen, taken from the demo server.

`make demo` first (builds or updates the demo database, starts the server on
ODOO_HTTP_PORT when it does not run), then tools/screenshots.py with the virtualenv's
python against that server; its options come from ARGS, e.g.
`make screenshots ARGS="--lang zh_CN --only rep,pm"`. The server stays up (`make stop`).
"""

import sys

from .common import DEMO_DB, HTTP_PORT, ROOT, run, venv_python
from .demo import cmd_demo

SCRIPT = ROOT / "tools" / "screenshots.py"


def cmd_screenshots():
    args = sys.argv[2:]
    base = [str(venv_python()), str(SCRIPT)]
    if {"-h", "--help", "--list"} & set(args) and venv_python().exists():
        return run([*base, *args], check=False, cwd=ROOT).returncode
    cmd_demo()
    server = ["--base-url", f"http://127.0.0.1:{HTTP_PORT}", "--db", DEMO_DB]
    return run([*base, *server, *args], check=False, cwd=ROOT).returncode
