"""make lint: the hooks of .pre-commit-config.yaml on every file (ruff, pylint-odoo, OCA)."""

import os
import shlex

from .common import ADDON, ROOT, STATE, VENV, run, say, venv_python
from .odoo import bootstrap


def _env():
    # the hooks are `language: system`: the tools of .venv come first on PATH
    path = f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    cache = STATE / "pre-commit"
    # prettier's one-time install: npm takes the packages from its cache (~/.npm) when it
    # has them instead of revalidating each one (slow or failing behind a proxy); a
    # machine without them still downloads them
    return dict(
        os.environ,
        PATH=path,
        PRE_COMMIT_HOME=str(cache),
        VIRTUAL_ENV=str(VENV),
        npm_config_prefer_offline=os.environ.get("npm_config_prefer_offline", "true"),
    )


def _pre_commit():
    return [str(venv_python()), "-m", "pre_commit", "run", "--all-files", "--color", "never"]


def cmd_lint():
    bootstrap()
    rc = run(_pre_commit(), check=False, cwd=ROOT, env=_env()).returncode
    # the optional checks of .pylintrc: a report, never a failure
    run(
        [str(venv_python()), "-m", "pylint", "--rcfile=.pylintrc", "--exit-zero", ADDON],
        check=False,
        cwd=ROOT,
    )
    return 1 if rc else 0


def run_lint():
    """make test's lint step: the same hooks, output in .local/lint.log."""
    say("linting (pre-commit: ruff, pylint-odoo, OCA checks; log: .local/lint.log)")
    STATE.mkdir(exist_ok=True)
    command = _pre_commit()
    proc = run(command, check=False, cwd=ROOT, env=_env(), capture_output=True, text=True)
    (STATE / "lint.log").write_text(f"$ {shlex.join(command)}\n{proc.stdout}{proc.stderr}\n")
    if proc.returncode:
        failed = [
            line.split("...")[0].strip()
            for line in proc.stdout.splitlines()
            if line.rstrip().endswith("Failed")
        ]
        print((proc.stdout + proc.stderr)[-3000:])
        return False, f"lint: {', '.join(failed) or 'pre-commit'} reported problems (make lint)"
    return True, "lint: clean"
