"""The project's virtualenv: Odoo's requirements (with our overrides) and ours."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from .common import ROOT, STATE, VENV, Abort, run, say, venv_python


def _requirement_name(line):
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else None


def _odoo_requirements(odoo_root):
    """Odoo's requirements with the pins of odoo-overrides.txt swapped in."""
    overrides = (ROOT / "odoo-overrides.txt").read_text().splitlines()
    replaced = {_requirement_name(line) for line in overrides if not line.startswith("#")}
    replaced.discard(None)
    reqs = Path(odoo_root, "requirements.txt")
    lines = reqs.read_text().splitlines() if reqs.exists() else []
    kept = [line for line in lines if _requirement_name(line) not in replaced]
    return "\n".join(kept + ["# from odoo-overrides.txt", *overrides]) + "\n"


def _pip_install(args):
    pip = [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    proc = subprocess.Popen(
        [*pip, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    for line in proc.stdout:
        # a pip configuration may name local index folders that do not exist: noise
        if not re.match(r"WARNING: Location '.*' is ignored", line):
            sys.stdout.write(line)
    if proc.wait() != 0:
        raise Abort("pip could not install the requirements (see the lines above)")


def ensure_venv(odoo_root):
    reqs = _odoo_requirements(odoo_root)
    system_site = not Path(odoo_root, "requirements.txt").exists()
    digest = hashlib.sha256()
    for part in (
        sys.version,
        str(odoo_root),
        reqs,
        str(system_site),
        (ROOT / "requirements.txt").read_text(),
        (ROOT / "requirements-dev.txt").read_text(),
    ):
        digest.update(part.encode())
    stamp = VENV / ".sales_pm_collab-stamp"
    if stamp.exists() and stamp.read_text() == digest.hexdigest() and venv_python().exists():
        return
    say("preparing the virtualenv .venv (Odoo's requirements and ours)")
    cmd = [sys.executable, "-m", "venv", str(VENV)]
    if system_site:
        cmd.insert(3, "--system-site-packages")
    run(cmd)
    STATE.mkdir(exist_ok=True)
    req_file = STATE / "odoo-requirements.txt"
    req_file.write_text(reqs)
    _pip_install(
        [
            "-r",
            str(req_file),
            "-r",
            str(ROOT / "requirements.txt"),
            "-r",
            str(ROOT / "requirements-dev.txt"),
        ]
    )
    site = run(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "odoo-source.pth").write_text(f"{odoo_root}\n")
    stamp.write_text(digest.hexdigest())
