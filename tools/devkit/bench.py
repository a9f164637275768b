"""make bench: the scale benchmarks of bench/ on their own database.

Peer benchmarks (``bench/bench_peer_*.py``) compare the addon with another product on the
same data; they run only when named (``make bench ARGS=peer``): they fetch the peer's
code from PyPI into ``.local/bench-peer/`` (git-ignored, never a dependency of the addon)
and install it beside the addon in a database of their own (``prepare_peer``).
"""

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from .cluster import Cluster, running_cluster
from .common import (
    ADDON,
    BENCH_DB,
    PG_PORT,
    PG_ROLE,
    ROOT,
    STATE,
    Abort,
    problem_lines,
    run,
    run_logged,
    say,
    venv_python,
)
from .odoo import addon_hash, bootstrap, free_port, install_addon, odoo_cmd, write_config

# bench/bench_<PEER_PREFIX>*.py: opt-in, run on the peer database
PEER_PREFIX = "peer_"
PEER_DIR = STATE / "bench-peer"
# what is fetched from PyPI: the OCA module and, resolved from the wheels' Requires-Dist,
# the OCA modules it depends on (odoo itself is not on PyPI: the project's Odoo is used).
# Pinned for reproducible figures; change the pin to measure another release.
PEER_REQUIREMENT = "odoo-addon-agreement_rebate==19.0.1.0.0.7"
PEER_MODULES = (ADDON, "agreement_rebate")
PEER_BASE_DB = f"{BENCH_DB}_peer_base"


def cmd_bench():
    """Run bench/bench_*.py (or those whose name contains one of the words of ARGS).

    Without words, every script but the peer benchmarks (bench_peer_*.py), which run only
    when a word names them (they need PyPI and take minutes)."""
    odoo_root = bootstrap()
    words = sys.argv[2:]
    scripts = [
        path
        for path in sorted((ROOT / "bench").glob("bench_*.py"))
        if (any(word in path.stem for word in words) if words else not _is_peer(path))
    ]
    if not scripts:
        raise Abort(f"no bench/bench_*.py matches {words}")
    with running_cluster() as cluster:
        config = write_config("odoo-bench.conf", odoo_root, cluster, free_port())
        if any(not _is_peer(path) for path in scripts):
            stamp = STATE / "bench-addon.hash"
            current = addon_hash()
            if (
                not cluster.db_exists(BENCH_DB)
                or not stamp.exists()
                or stamp.read_text() != current
            ):
                cluster.drop_db(BENCH_DB)
                install_addon(config, BENCH_DB, demo=False, log_name="bench-install.log", langs="")
                stamp.write_text(current)
        env = dict(
            os.environ,
            ODOO_RC=str(config),
            BENCH_DB=BENCH_DB,
            PYTHONPATH=str(ROOT / "bench"),
            PGHOST=str(cluster.socket_dir),
            PGPORT=str(PG_PORT),
            PGUSER=PG_ROLE,
        )
        peer_env = None
        failed = []
        for script in scripts:
            script_env = env
            if _is_peer(script):
                if peer_env is None:
                    peer_env = prepare_peer(odoo_root, cluster)
                script_env = {**env, **peer_env}
            say(f"benchmark {script.name}")
            cmd = [str(venv_python()), str(script)]
            if run(cmd, check=False, env=script_env, cwd=ROOT).returncode:
                failed.append(script.name)
        if failed:
            say(f"targets missed or errors in: {', '.join(failed)}")
            return 1
        return 0


def _is_peer(path):
    return path.stem.startswith(f"bench_{PEER_PREFIX}")


# === peer benchmark: the OCA modules from PyPI, a database with them and the addon === #
def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement):
    return _canonical(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1))


def _wheel_requires(wheel):
    """Requires-Dist of a wheel (extras left out)."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(name).decode()
    requires = []
    for line in text.splitlines():
        if line.startswith("Requires-Dist:"):
            requirement = line.split(":", 1)[1].strip()
            if "extra ==" not in requirement:
                requires.append(requirement.split(";")[0].strip())
    return requires


def _pip(*args, cwd=None):
    cmd = [str(venv_python()), "-m", "pip", *map(str, args), "--disable-pip-version-check"]
    proc = run(cmd, check=False, capture_output=True, text=True, cwd=cwd)
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise Abort(f"pip failed: {' '.join(args[:2])} (PyPI unreachable?)")
    return proc


def _resolve_peer_wheels(download_dir):
    """Download PEER_REQUIREMENT and, recursively, the odoo-addon-* wheels it requires
    (``--no-deps``: their ``odoo==19.0.*`` is not on PyPI). Returns (addon wheels, plain
    Python requirements)."""
    todo, seen, wheels, plain = [PEER_REQUIREMENT], set(), [], []
    while todo:
        requirement = todo.pop(0)
        name = _requirement_name(requirement)
        if name in seen or name == "odoo":
            continue
        seen.add(name)
        if not name.startswith("odoo-addon-"):
            plain.append(requirement)
            continue
        before = set(download_dir.iterdir())
        _pip("download", "-q", "--no-deps", "--only-binary=:all:", "-d", download_dir, requirement)
        new = [p for p in set(download_dir.iterdir()) - before if p.suffix == ".whl"]
        if len(new) != 1:
            raise Abort(f"pip download {requirement}: expected one wheel, got {new}")
        wheels.append(new[0])
        todo.extend(_wheel_requires(new[0]))
    return wheels, plain


def _install_peer_code():
    """The OCA modules in PEER_DIR/site/odoo/addons (plain Python dependencies, if any,
    in PEER_DIR/pylib); skipped when PEER_REQUIREMENT is already there. Returns the
    manifest: {"requirement", "wheels", "python": [...]}."""
    manifest_path = PEER_DIR / "installed.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("requirement") == PEER_REQUIREMENT and (PEER_DIR / "site").exists():
            return manifest
    say(f"fetching {PEER_REQUIREMENT} and the OCA modules it depends on from PyPI")
    shutil.rmtree(PEER_DIR, ignore_errors=True)
    PEER_DIR.mkdir(parents=True)
    with tempfile.TemporaryDirectory(dir=PEER_DIR) as tmp:
        wheels, plain = _resolve_peer_wheels(Path(tmp))
        _pip("install", "-q", "--no-deps", "--target", str(PEER_DIR / "site"), *map(str, wheels))
        if plain:
            _pip("install", "-q", "--target", str(PEER_DIR / "pylib"), *plain)
        manifest = {
            "requirement": PEER_REQUIREMENT,
            "wheels": sorted(w.name for w in wheels),
            "python": plain,
        }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    for wheel in manifest["wheels"]:
        say(f"  {wheel}")
    return manifest


def prepare_peer(odoo_root, cluster):
    """The OCA code, an Odoo configuration whose addons path has it (the peer benchmark's
    only), and PEER_BASE_DB with the addon and the OCA modules installed, no data (rebuilt
    when the addon or the OCA code changed). Returns the environment of the scripts."""
    manifest = _install_peer_code()
    addons = PEER_DIR / "site" / "odoo" / "addons"
    config = write_config(
        "odoo-bench-peer.conf",
        odoo_root,
        cluster,
        free_port(),
        extra={"addons_path": f"{odoo_root / 'addons'},{ROOT},{addons}"},
    )
    pythonpath = [str(ROOT / "bench")]
    if (PEER_DIR / "pylib").exists():
        pythonpath.append(str(PEER_DIR / "pylib"))
    digest = hashlib.sha256()
    for part in (addon_hash(), json.dumps(manifest, sort_keys=True), ",".join(PEER_MODULES)):
        digest.update(part.encode())
    stamp = STATE / "bench-peer-base.hash"
    current = digest.hexdigest()
    if not cluster.db_exists(PEER_BASE_DB) or not stamp.exists() or stamp.read_text() != current:
        cluster.drop_db(PEER_BASE_DB)
        say(
            f"installing {', '.join(PEER_MODULES)} in database {PEER_BASE_DB} "
            "(log: .local/bench-peer-install.log)"
        )
        modules = ",".join(PEER_MODULES)
        rc, output = run_logged(
            odoo_cmd(config, "-d", PEER_BASE_DB, "-i", modules, "--stop-after-init", "--no-http"),
            STATE / "bench-peer-install.log",
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(pythonpath[1:])),
        )
        problems = problem_lines(output)
        # the OCA modules' own warnings are theirs: shown, not fatal; errors are
        for line in problems[:20]:
            print(line)
        if rc or any(" ERROR " in line or " CRITICAL " in line for line in problems):
            raise Abort(f"installing {modules} in {PEER_BASE_DB} failed (see the lines above)")
        stamp.write_text(current)
    return {
        "ODOO_RC": str(config),
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "PEER_BASE_DB": PEER_BASE_DB,
        "PEER_BASE_STAMP": current,
        "PEER_MANIFEST": json.dumps(manifest),
    }


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
