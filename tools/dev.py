#!/usr/bin/env python3
"""Entry point of the project's verbs (demo, test, stop, reset, lint, pot, bench,
screenshots and the development loop: devdb, pytest, ui, core, prefork, env); they live
in tools/devkit/, one module per verb, Python standard library only."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devkit.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
