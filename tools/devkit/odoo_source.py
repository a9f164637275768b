"""Where Odoo 19.0 comes from: ODOO_SOURCE, an importable odoo, or the official archive."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from .common import ODOO_DEFAULT_URL, ODOO_SERIES, Abort, say


def _odoo_series(root):
    release = Path(root, "odoo", "release.py")
    if not release.exists():
        return None
    match = re.search(r"version_info\s*=\s*\(\s*(\d+)\s*,\s*(\d+)", release.read_text())
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _check_odoo_root(root, origin):
    series = _odoo_series(root)
    if series is None:
        raise Abort(f"{origin}: {root} holds no Odoo source (no odoo/release.py)")
    if series != ODOO_SERIES:
        raise Abort(f"{origin}: {root} is Odoo {series}; this addon needs {ODOO_SERIES}")
    return Path(root).resolve()


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sales_pm_collab"


def _download(source, archive):
    say(f"downloading Odoo {ODOO_SERIES} from {source}")
    try:
        with urllib.request.urlopen(source, timeout=60) as resp, open(archive, "wb") as out:
            shutil.copyfileobj(resp, out)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Abort(
            f"cannot download Odoo {ODOO_SERIES} from {source} ({reason}); "
            "set ODOO_SOURCE to an Odoo 19.0 source tree or archive, "
            "e.g. ODOO_SOURCE=/opt/odoo-19.0 make test"
        ) from None


def _fetch_archive(source):
    """Download (or take) an Odoo archive and unpack it into the cache once."""
    key = hashlib.sha256(source.encode()).hexdigest()[:12]
    target = _cache_dir() / f"odoo-{key}"
    done = target / ".complete"
    if done.exists():
        return Path(done.read_text().strip())
    target.mkdir(parents=True, exist_ok=True)
    archive = target / "archive"
    if re.match(r"^[a-z]+://", source):
        _download(source, archive)
    else:
        shutil.copyfile(source, archive)
    unpack = target / "src"
    shutil.rmtree(unpack, ignore_errors=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(unpack)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(unpack, filter="data")
    archive.unlink()
    tops = [p for p in unpack.iterdir() if p.is_dir()]
    root = tops[0] if len(tops) == 1 and not (unpack / "odoo").exists() else unpack
    done.write_text(str(root))
    return root


def find_odoo():
    """Return (source root, how it was found)."""
    source = os.environ.get("ODOO_SOURCE", "").strip()
    if source:
        if Path(source).is_dir():
            return _check_odoo_root(source, "ODOO_SOURCE"), "ODOO_SOURCE"
        if not re.match(r"^[a-z]+://", source) and not Path(source).is_file():
            raise Abort(f"ODOO_SOURCE={source} is neither a folder, an archive nor a URL")
        return _check_odoo_root(_fetch_archive(source), "ODOO_SOURCE"), "ODOO_SOURCE"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, odoo.release as r; print(os.path.dirname(os.path.dirname(r.__file__)))",
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0 and probe.stdout.strip():
        return _check_odoo_root(probe.stdout.strip(), "importable odoo"), "importable"
    return _check_odoo_root(_fetch_archive(ODOO_DEFAULT_URL), ODOO_DEFAULT_URL), "download"
