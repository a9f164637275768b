"""The OS packages the commands need, installed with apt-get when run as root."""

import os
import shlex
import shutil
from pathlib import Path

from .common import Abort, is_root, run, say


def pg_bindir():
    """The newest PostgreSQL server binaries folder, or None."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("pg_ctl")
    if found and Path(Path(found).resolve().parent, "initdb").exists():
        return Path(found).resolve().parent
    return None


CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

APT_PACKAGES = {
    # package: test telling it is present
    "postgresql": lambda: pg_bindir() is not None,
    "libpq-dev": lambda: (
        shutil.which("pg_config") is not None or Path("/usr/include/postgresql/libpq-fe.h").exists()
    ),
    "libldap2-dev": lambda: Path("/usr/include/ldap.h").exists(),
    "libsasl2-dev": lambda: Path("/usr/include/sasl/sasl.h").exists(),
    # Odoo renders PDF reports (rebate statements) with it
    "wkhtmltopdf": lambda: shutil.which("wkhtmltopdf") is not None,
    # Chinese names and texts in those PDFs (and in the browser tours' screenshots)
    "fonts-noto-cjk": lambda: Path(CJK_FONT).exists(),
    "chromium": lambda: any(
        shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
    ),
}


def ensure_os_packages():
    missing = [pkg for pkg, present in APT_PACKAGES.items() if not present()]
    if not missing:
        return
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if not is_root():
        raise Abort(
            "missing OS packages; run this once, then again the same make command: "
            f"sudo {shlex.join(cmd)}"
        )
    say(f"installing OS packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if run(cmd, check=False, env=env).returncode != 0:
        run(["apt-get", "update", "-q"], env=env)
        run(cmd, env=env)
