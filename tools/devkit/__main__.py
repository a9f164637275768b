"""Dispatch a verb: python3 tools/dev.py <verb> [args] (the Makefile's targets)."""

import shlex
import subprocess
import sys

from .bench import cmd_bench, cmd_env
from .common import Abort, say
from .demo import cmd_demo, cmd_reset, cmd_stop
from .lint import cmd_lint
from .pot import cmd_pot
from .screenshots import cmd_screenshots
from .testing import cmd_core, cmd_devdb, cmd_prefork, cmd_pytest, cmd_test, cmd_ui

VERBS = {
    "demo": cmd_demo,
    "test": cmd_test,
    "stop": cmd_stop,
    "reset": cmd_reset,
    "lint": cmd_lint,
    "pot": cmd_pot,
    "env": cmd_env,
    "bench": cmd_bench,
    "devdb": cmd_devdb,
    "pytest": cmd_pytest,
    "ui": cmd_ui,
    "core": cmd_core,
    "prefork": cmd_prefork,
    "screenshots": cmd_screenshots,
}


def main():
    verb = sys.argv[1] if len(sys.argv) > 1 else ""
    if verb not in VERBS:
        print(f"usage: {sys.argv[0]} {{{'|'.join(VERBS)}}}", file=sys.stderr)
        return 2
    try:
        return VERBS[verb]() or 0
    except Abort as exc:
        say(f"error: {exc}")
        return 1
    except subprocess.CalledProcessError as exc:
        say(f"error: command failed ({exc.returncode}): {shlex.join(map(str, exc.cmd))}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
