"""Odoo itself: bootstrap, configuration files, installing the addon, the server."""

import hashlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .common import (
    ADDON,
    DEMO_LANGS,
    ODOO_SERIES,
    PG_PORT,
    PG_ROLE,
    ROOT,
    STATE,
    Abort,
    problem_lines,
    run_logged,
    say,
    venv_python,
)
from .odoo_source import find_odoo
from .ospkg import ensure_os_packages
from .venv import ensure_venv

_odoo_root = None


def bootstrap():
    """OS packages, Odoo's source and the virtualenv; returns Odoo's source folder."""
    global _odoo_root  # noqa: PLW0603 (the one bootstrap of the process)
    ensure_os_packages()
    odoo_root, origin = find_odoo()
    say(f"Odoo {ODOO_SERIES} source: {odoo_root} ({origin})")
    ensure_venv(odoo_root)
    _odoo_root = odoo_root
    return odoo_root


def write_config(name, odoo_root, cluster, http_port, extra=None):
    data_dir = STATE / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    options = {
        "addons_path": f"{odoo_root / 'addons'},{ROOT}",
        "data_dir": data_dir,
        "db_host": cluster.socket_dir,
        "db_port": PG_PORT,
        "db_user": PG_ROLE,
        "http_interface": "127.0.0.1",
        "http_port": http_port,
        "list_db": "False",
        "max_cron_threads": 1,
        **(extra or {}),
    }
    path = STATE / name
    path.write_text("[options]\n" + "".join(f"{k} = {v}\n" for k, v in options.items()))
    return path


def odoo_cmd(config, *args):
    """The Odoo command line. Through `odoo-bin` when the source has it: in prefork mode
    Odoo re-runs its own argv[0] to start the gevent (websocket) worker, which fails
    from `python -m odoo` (a namespace package's __main__)."""
    launcher = Path(_odoo_root or "", "odoo-bin")
    entry = [str(launcher)] if _odoo_root and launcher.exists() else ["-m", "odoo"]
    return [str(venv_python()), *entry, "server", "-c", str(config), *args]


def addon_hash():
    digest = hashlib.sha256()
    for path in sorted((ROOT / ADDON).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and "tests" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def install_addon(config, db, demo, update=False, log_name="install.log", langs=DEMO_LANGS):
    args = ["-d", db, "--stop-after-init", "--no-http"]
    if update:
        args += ["-u", ADDON]
    else:
        args += ["-i", ADDON]
        if demo:
            args += ["--with-demo"]
        if langs:
            args += [f"--load-language={langs}"]
    say(
        ("updating" if update else "installing")
        + f" {ADDON} in database {db}"
        + (" with demo data" if demo and not update else "")
        + f" (log: .local/{log_name})"
    )
    started = time.time()
    rc, output = run_logged(odoo_cmd(config, *args), STATE / log_name)
    problems = problem_lines(output)
    if rc != 0 or problems:
        for line in problems[:40]:
            print(line)
        raise Abort(f"installing {ADDON} in {db} failed or logged warnings (see .local/{log_name})")
    say(f"done in {time.time() - started:.0f} s")


def port_busy(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    return False


class Server:
    """An Odoo server process in the background, remembered by a pid file."""

    def __init__(self, pidfile=STATE / "odoo.pid"):
        self.pidfile = pidfile

    def pid(self):
        if not self.pidfile.exists():
            return None
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError, PermissionError):
            self.pidfile.unlink(missing_ok=True)
            return None
        return pid

    def start(self, cmd, log_path):
        with open(log_path, "a") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=ROOT, start_new_session=True)
        self.pidfile.write_text(str(proc.pid))
        return proc

    def stop(self):
        pid = self.pid()
        if pid is None:
            return
        say("stopping the Odoo server")
        # the whole session: in prefork mode the workers and the gevent process too
        os.killpg(pid, signal.SIGTERM)
        for _ in range(150):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        self.pidfile.unlink(missing_ok=True)
