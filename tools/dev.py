#!/usr/bin/env python3
"""Bootstrap, serve and test the sales_pm_collab addon on a local Odoo 19.0.

Verbs (called by the Makefile): demo, test, stop, reset, lint, pot, shell-env.

Everything this script creates lives in the git-ignored folders ``.venv/`` and
``.local/`` of the project (PostgreSQL cluster, Odoo configuration, filestore,
logs), except a downloaded Odoo source, which goes to the user's cache folder.
Only the Python standard library is used: it runs before the virtualenv exists.
"""

import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
UI_TEST_TAG = "collab_ui"  # HttpCase tests (tours, logins) carry this tag
# Log lines Odoo core prints on every run and that say nothing about the addon.
INSTALL_LOG_NOISE = ("Running as user 'root' is a security risk",)

APT_PACKAGES = {
    # package: test telling it is present
    "postgresql": lambda: _pg_bindir() is not None,
    "libpq-dev": lambda: (
        shutil.which("pg_config") is not None or Path("/usr/include/postgresql/libpq-fe.h").exists()
    ),
    "libldap2-dev": lambda: Path("/usr/include/ldap.h").exists(),
    "libsasl2-dev": lambda: Path("/usr/include/sasl/sasl.h").exists(),
    # Odoo renders PDF reports (rebate statements) with it
    "wkhtmltopdf": lambda: shutil.which("wkhtmltopdf") is not None,
    # Chinese names and texts in those PDFs (and in the browser tours' screenshots)
    "fonts-noto-cjk": lambda: Path(
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    ).exists(),
    "chromium": lambda: any(
        shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
    ),
}


class Abort(Exception):
    """A problem the user must fix; printed as one line, no traceback."""


def say(msg):
    print(f"[sales_pm_collab] {msg}", flush=True)


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


def is_root():
    return os.geteuid() == 0


# ---------------------------------------------------------------------------
# OS packages
# ---------------------------------------------------------------------------


def _pg_bindir():
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


# ---------------------------------------------------------------------------
# Odoo source: ODOO_SOURCE, an importable odoo, or the official archive
# ---------------------------------------------------------------------------


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
    probe = run(
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


# ---------------------------------------------------------------------------
# Virtualenv
# ---------------------------------------------------------------------------


def venv_python():
    return VENV / "bin" / "python"


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
    pip = [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    proc = subprocess.Popen(
        [
            *pip,
            "-r",
            str(req_file),
            "-r",
            str(ROOT / "requirements.txt"),
            "-r",
            str(ROOT / "requirements-dev.txt"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in proc.stdout:
        # a pip configuration may name local index folders that do not exist: noise
        if not re.match(r"WARNING: Location '.*' is ignored", line):
            sys.stdout.write(line)
    if proc.wait() != 0:
        raise Abort("pip could not install the requirements (see the lines above)")
    site = run(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "odoo-source.pth").write_text(f"{odoo_root}\n")
    stamp.write_text(digest.hexdigest())


# ---------------------------------------------------------------------------
# Project-local PostgreSQL cluster
# ---------------------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster in .local/pgdata, reachable on a unix socket only."""

    def __init__(self):
        self.bindir = _pg_bindir()
        if self.bindir is None:
            raise Abort("PostgreSQL server binaries not found (Debian package postgresql)")
        self.os_user = "postgres" if is_root() else None
        self.data = STATE / "pgdata"
        sock = STATE / "pgrun"
        if len(str(sock)) > 80:  # unix socket paths are limited to 107 bytes
            tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
            sock = Path(tempfile.gettempdir(), f"sales_pm_collab-{tag}")
        self.socket_dir = sock
        self.log = STATE / "postgresql.log"

    def _as_owner(self, cmd):
        if self.os_user:
            return ["runuser", "-u", self.os_user, "--", *cmd]
        return cmd

    def _prepare_dirs(self):
        STATE.mkdir(exist_ok=True)
        for path in (self.data, self.socket_dir):
            path.mkdir(exist_ok=True, mode=0o700)
        if not self.log.exists():
            self.log.touch()
        if self.os_user:
            for path in (self.data, self.socket_dir, self.log):
                shutil.chown(path, self.os_user, self.os_user)
            reach = run(self._as_owner(["test", "-w", str(self.data)]), check=False)
            if reach.returncode != 0:
                raise Abort(
                    f"the OS user {self.os_user!r} that runs PostgreSQL cannot reach {self.data}; "
                    "clone the project under a folder other users can traverse (e.g. /srv or /work)"
                )

    def running(self):
        if not (self.data / "PG_VERSION").exists():
            return False
        status = run(
            self._as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]),
            check=False,
            capture_output=True,
        )
        return status.returncode == 0

    def start(self):
        """Start the cluster if needed; return True when this call started it."""
        self._prepare_dirs()
        if not (self.data / "PG_VERSION").exists():
            say(f"creating the project's PostgreSQL cluster in {self.data}")
            run(
                self._as_owner(
                    [
                        str(self.bindir / "initdb"),
                        "-D",
                        str(self.data),
                        "-U",
                        PG_ROLE,
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C",
                    ]
                ),
                stdout=subprocess.DEVNULL,
            )
            # A throwaway development cluster: durability traded for speed.
            conf = (
                "\n# sales_pm_collab development cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 100\nshared_buffers = 256MB\n"
            )
            with open(self.data / "postgresql.conf", "a") as fh:
                fh.write(conf)
        if self.running():
            return False
        say(f"starting PostgreSQL (unix socket in {self.socket_dir})")
        run(
            self._as_owner(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    f"-k {self.socket_dir} -p {PG_PORT}",
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            stdout=subprocess.DEVNULL,
        )
        return True

    def stop(self):
        if self.running():
            say("stopping PostgreSQL")
            run(
                self._as_owner(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
                ),
                stdout=subprocess.DEVNULL,
            )

    def psql(self, sql, db="postgres"):
        out = run(
            [
                str(self.bindir / "psql"),
                "-h",
                str(self.socket_dir),
                "-p",
                str(PG_PORT),
                "-U",
                PG_ROLE,
                "-d",
                db,
                "-XAtqc",
                sql,
            ],
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()

    def db_exists(self, name):
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"

    def drop_db(self, name):
        run(
            [
                str(self.bindir / "dropdb"),
                "-h",
                str(self.socket_dir),
                "-p",
                str(PG_PORT),
                "-U",
                PG_ROLE,
                "--if-exists",
                "--force",
                name,
            ],
            stderr=subprocess.DEVNULL,
        )


# ---------------------------------------------------------------------------
# Odoo
# ---------------------------------------------------------------------------


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
    return [str(venv_python()), "-m", "odoo", "server", "-c", str(config), *args]


def addon_hash():
    digest = hashlib.sha256()
    for path in sorted((ROOT / ADDON).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and "tests" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


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


LOG_LEVEL_RE = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ")


def problem_lines(output):
    """WARNING/ERROR/CRITICAL log records of an Odoo run, without known core noise."""
    found = []
    for line in output.splitlines():
        if LOG_LEVEL_RE.match(line) and not any(n in line for n in INSTALL_LOG_NOISE):
            found.append(line)
    return found


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


# ---------------------------------------------------------------------------
# Verbs
# ---------------------------------------------------------------------------


def bootstrap():
    ensure_os_packages()
    odoo_root, origin = find_odoo()
    say(f"Odoo {ODOO_SERIES} source: {odoo_root} ({origin})")
    ensure_venv(odoo_root)
    return odoo_root


def _server_pid():
    pidfile = STATE / "odoo.pid"
    if not pidfile.exists():
        return None
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        pidfile.unlink(missing_ok=True)
        return None
    return pid


def stop_server():
    pid = _server_pid()
    if pid is None:
        return
    say("stopping the Odoo server")
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    (STATE / "odoo.pid").unlink(missing_ok=True)


def _port_busy(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url, seconds=180):
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


def demo_logins(cluster):
    """(login, role) of the demo users, read from the demo database."""
    rows = cluster.psql(
        "SELECT u.login, COALESCE(p.function, '') FROM res_users u "
        "JOIN res_partner p ON p.id = u.partner_id "
        "JOIN ir_model_data d ON d.model = 'res.users' AND d.res_id = u.id "
        f"WHERE d.module = '{ADDON}' AND u.active ORDER BY u.id",
        db=DEMO_DB,
    )
    return [tuple(r.split("|", 1)) for r in rows.splitlines() if r]


def cmd_demo():
    odoo_root = bootstrap()
    cluster = Cluster()
    cluster.start()
    config = write_config(
        "odoo-demo.conf", odoo_root, cluster, HTTP_PORT, {"dbfilter": f"^{DEMO_DB}$"}
    )
    stamp = STATE / "demo-addon.hash"
    current = addon_hash()
    changed = False
    if not cluster.db_exists(DEMO_DB):
        stop_server()
        install_addon(config, DEMO_DB, demo=True, log_name="demo-install.log")
        changed = True
    elif not stamp.exists() or stamp.read_text() != current:
        stop_server()
        install_addon(config, DEMO_DB, demo=True, update=True, log_name="demo-install.log")
        changed = True
    stamp.write_text(current)
    url = f"http://127.0.0.1:{HTTP_PORT}"
    if _server_pid() and not changed:
        say(f"Odoo is already running on {url}")
    else:
        stop_server()
        if _port_busy(HTTP_PORT):
            raise Abort(
                f"port {HTTP_PORT} is taken by another program; stop it or set ODOO_HTTP_PORT"
            )
        log = open(STATE / "odoo.log", "a")
        proc = subprocess.Popen(
            odoo_cmd(config, "-d", DEMO_DB),
            stdout=log,
            stderr=log,
            cwd=ROOT,
            start_new_session=True,
        )
        (STATE / "odoo.pid").write_text(str(proc.pid))
        if not _wait_http(f"{url}/web/login"):
            raise Abort("the Odoo server did not answer in time (see .local/odoo.log)")
    print()
    print(f"  Odoo 19.0 with {ADDON} and its demo data: {url}   (database {DEMO_DB})")
    print("  Log in as (password = login):")
    print(f"    {'admin':14} Administrator (Odoo superuser)")
    for login, role in demo_logins(cluster):
        print(f"    {login:14} {role}")
    print("  Stop with: make stop     Drop the demo database with: make reset")
    print()


def _junit_counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    keys = ("tests", "failures", "errors", "skipped")
    return {k: sum(int(s.get(k, 0)) for s in suites) for k in keys}


def _pytest_targets(extra):
    """The whole suite, unless the extra arguments name test files or node ids themselves."""
    if any(Path(ROOT, arg.split("::")[0]).exists() for arg in extra if not arg.startswith("-")):
        return extra
    return [f"{ADDON}/tests", *extra]


def run_pytest(config):
    junit = STATE / "pytest-junit.xml"
    junit.unlink(missing_ok=True)
    env = dict(os.environ, ODOO_RC=str(config))
    cmd = [
        str(venv_python()),
        "-m",
        "pytest",
        f"--odoo-database={TEST_DB}",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfEs",
        f"--junitxml={junit}",
        "--ignore-glob=*/tests/test_ui_*.py",
        *_pytest_targets(sys.argv[2:]),
    ]
    say("running the test suite with pytest-odoo: " + shlex.join(cmd[2:]))
    rc, output = run_logged(cmd, STATE / "pytest.log", env=env, echo=True)
    summary = next(
        (
            line.strip(" =")
            for line in reversed(output.splitlines())
            if re.search(r"\b(passed|failed|errors?|skipped|no tests ran)\b.* in [\d.]+s", line)
        ),
        "",
    )
    counts = _junit_counts(junit) if junit.exists() else None
    ok = rc == 0 and counts is not None and counts["tests"] > 0 and counts["skipped"] == 0
    if rc == 5 or (counts and counts["tests"] == 0):
        summary += "  -> no tests collected: failure"
    elif counts and counts["skipped"]:
        summary += f"  -> {counts['skipped']} skipped test(s): a skip is not a pass"
    return ok, summary or f"pytest exited with {rc}"


def run_ui_tests(config):
    port = _free_port()
    cmd = odoo_cmd(
        config,
        "-d",
        TEST_DB,
        "--test-tags",
        f"{UI_TEST_TAG}/{ADDON}",
        "--stop-after-init",
        "--http-port",
        str(port),
        "--log-level",
        "info",
    )
    say(f"running the browser tours and HTTP tests with Odoo's runner (tag {UI_TEST_TAG})")
    rc, output = run_logged(cmd, STATE / "ui-tests.log")
    match = re.search(
        r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database", output
    )
    skipped = [line for line in output.splitlines() if re.search(r" skipped \S+ : ", line)]
    for line in output.splitlines():
        if re.search(r" (ERROR|CRITICAL) | FAIL: | ERROR: ", line) or line in skipped:
            print(line)
    if not match:
        return False, f"browser tests: no result found (exit {rc}, see .local/ui-tests.log)"
    failed, errors, total = (int(g) for g in match.groups())
    ok = rc == 0 and failed == 0 and errors == 0 and total > 0 and not skipped
    text = f"browser tests: {failed} failed, {errors} error(s), {len(skipped)} skipped of {total}"
    if total == 0:
        text += "  -> none ran: failure"
    if skipped:
        text += "  -> a skipped tour is a failure (websocket-client and chromium are needed)"
    return ok, text


def cmd_test():
    odoo_root = bootstrap()
    cluster = Cluster()
    started = cluster.start()
    config = write_config("odoo-test.conf", odoo_root, cluster, _free_port())
    results = [run_lint()]
    try:
        cluster.drop_db(TEST_DB)
        install_addon(config, TEST_DB, demo=True, log_name="test-install.log")
        results.append((True, "install: no warning or error logged"))
        results.append(run_pytest(config))
        if os.environ.get("SKIP_UI") != "1":
            results.append(run_ui_tests(config))
        else:
            results.append((False, "browser tests not run (SKIP_UI=1)"))
    except Abort as exc:
        results.append((False, str(exc)))
    finally:
        if os.environ.get("KEEP_DB") != "1":
            cluster.drop_db(TEST_DB)
        if started:
            cluster.stop()
    print()
    for ok, text in results:
        print(("PASS  " if ok else "FAIL  ") + text)
    return 0 if all(ok for ok, _ in results) else 1


def _dev_db():
    """The kept test database, installed (or updated when the addon changed); cluster left up."""
    odoo_root = bootstrap()
    cluster = Cluster()
    cluster.start()
    config = write_config("odoo-test.conf", odoo_root, cluster, _free_port())
    stamp = STATE / "devdb-addon.hash"
    current = addon_hash()
    if not cluster.db_exists(TEST_DB):
        install_addon(config, TEST_DB, demo=True, log_name="devdb-install.log")
    elif not stamp.exists() or stamp.read_text() != current:
        try:
            install_addon(config, TEST_DB, demo=True, update=True, log_name="devdb-install.log")
        except Abort:
            # a kept database from an older state of the addon (e.g. a field changed type):
            # it is only a development copy, so rebuild it rather than migrate it
            say(f"updating {TEST_DB} failed; rebuilding it from scratch")
            cluster.drop_db(TEST_DB)
            install_addon(config, TEST_DB, demo=True, log_name="devdb-install.log")
    stamp.write_text(current)
    return config


def cmd_devdb():
    """Development loop: keep the test database and the cluster running between runs."""
    _dev_db()
    say(f"database {TEST_DB} is up to date; `make stop` stops the cluster")


def cmd_pytest():
    """Development loop: pytest-odoo on the kept test database (extra args passed through)."""
    config = _dev_db()
    ok, summary = run_pytest(config)
    print(("PASS  " if ok else "FAIL  ") + summary)
    return 0 if ok else 1


def cmd_ui():
    """Development loop: the HttpCase tests (tours) on the kept test database."""
    config = _dev_db()
    ok, summary = run_ui_tests(config)
    print(("PASS  " if ok else "FAIL  ") + summary)
    return 0 if ok else 1


def cmd_stop():
    stop_server()
    if (STATE / "pgdata" / "PG_VERSION").exists():
        Cluster().stop()


def cmd_reset():
    stop_server()
    cluster = Cluster()
    started = cluster.start()
    cluster.drop_db(DEMO_DB)
    (STATE / "demo-addon.hash").unlink(missing_ok=True)
    shutil.rmtree(STATE / "data" / "filestore" / DEMO_DB, ignore_errors=True)
    say(f"dropped database {DEMO_DB}")
    if started:
        cluster.stop()


def _lint_commands():
    """The mandatory checks: each must pass (the optional pylint report is separate)."""
    py = str(venv_python())
    commands = [
        [py, "-m", "ruff", "check", "."],
        [py, "-m", "ruff", "format", "--check", "."],
        [py, "-m", "pylint", "--rcfile=.pylintrc-mandatory", ADDON],
        [str(VENV / "bin" / "oca-checks-odoo-module"), ADDON],
    ]
    po_files = sorted(str(p) for p in (ROOT / ADDON / "i18n").glob("*.po*"))
    if po_files:
        commands.append([str(VENV / "bin" / "oca-checks-po"), *po_files])
    return commands


def cmd_lint():
    bootstrap()
    rc = 0
    for command in _lint_commands():
        rc |= run(command, check=False, cwd=ROOT).returncode
    py = str(venv_python())
    run([py, "-m", "pylint", "--rcfile=.pylintrc", "--exit-zero", ADDON], check=False, cwd=ROOT)
    return 1 if rc else 0


def run_lint():
    """make test's lint step: the mandatory checks of make lint, output in .local/lint.log."""
    say("linting (ruff, pylint-odoo, OCA checks; log: .local/lint.log)")
    failed = []
    with open(STATE / "lint.log", "w") as log:
        for command in _lint_commands():
            proc = run(command, check=False, cwd=ROOT, capture_output=True, text=True)
            log.write(f"$ {shlex.join(command)}\n{proc.stdout}{proc.stderr}\n")
            if proc.returncode:
                failed.append(Path(command[2] if command[1] == "-m" else command[0]).name)
                print((proc.stdout + proc.stderr)[-3000:])
    if failed:
        return False, f"lint: {', '.join(failed)} reported problems (make lint)"
    return True, "lint: clean"


def cmd_pot():
    """Regenerate the .pot and the zh_CN / zh_TW .po files of the addon.

    A database with the addon and both languages is exported by Odoo itself: the .po
    files keep their current translations and get the new terms, empty.
    """
    odoo_root = bootstrap()
    cluster = Cluster()
    started = cluster.start()
    config = write_config("odoo-test.conf", odoo_root, cluster, _free_port())
    db = f"{TEST_DB}_pot"
    try:
        cluster.drop_db(db)
        install_addon(config, db, demo=False, log_name="pot-install.log")
        i18n = ROOT / ADDON / "i18n"
        outputs = {"pot": f"{ADDON}.pot", "zh_CN": "zh_CN.po", "zh_TW": "zh_TW.po"}
        with tempfile.TemporaryDirectory(dir=STATE) as tmp:
            # Odoo reads the translations of code terms from the addon's own .po files
            # while it exports: exporting into those files would empty them first and lose
            # every translated error message, so export aside and move the results in.
            for lang, name in outputs.items():
                run(
                    [
                        str(venv_python()),
                        "-m",
                        "odoo",
                        "i18n",
                        "export",
                        "-c",
                        str(config),
                        "-d",
                        db,
                        "-l",
                        lang,
                        "-o",
                        str(Path(tmp) / name),
                        "--",
                        ADDON,
                    ],
                    cwd=ROOT,
                )
            for name in outputs.values():
                shutil.move(Path(tmp) / name, i18n / name)
        run(
            [
                str(venv_python()),
                str(ROOT / "tools" / "i18n_fill_tw.py"),
                str(ROOT / ADDON / "i18n"),
            ],
            cwd=ROOT,
        )
        say(f"wrote {ADDON}/i18n/{ADDON}.pot, zh_CN.po and zh_TW.po")
    finally:
        cluster.drop_db(db)
        if started:
            cluster.stop()


def cmd_bench():
    """Run bench/bench_*.py (or those whose name contains ARGS) on the bench database."""
    odoo_root = bootstrap()
    cluster = Cluster()
    started = cluster.start()
    config = write_config("odoo-bench.conf", odoo_root, cluster, _free_port())
    stamp = STATE / "bench-addon.hash"
    current = addon_hash()
    try:
        if not cluster.db_exists(BENCH_DB) or not stamp.exists() or stamp.read_text() != current:
            cluster.drop_db(BENCH_DB)
            install_addon(config, BENCH_DB, demo=False, log_name="bench-install.log", langs="")
            stamp.write_text(current)
        words = sys.argv[2:]
        scripts = [
            path
            for path in sorted((ROOT / "bench").glob("bench_*.py"))
            if not words or any(word in path.stem for word in words)
        ]
        if not scripts:
            raise Abort(f"no bench/bench_*.py matches {words}")
        env = dict(
            os.environ, ODOO_RC=str(config), BENCH_DB=BENCH_DB, PYTHONPATH=str(ROOT / "bench")
        )
        failed = []
        for script in scripts:
            say(f"benchmark {script.name}")
            if run([str(venv_python()), str(script)], check=False, env=env, cwd=ROOT).returncode:
                failed.append(script.name)
        if failed:
            say(f"targets missed or errors in: {', '.join(failed)}")
            return 1
        return 0
    finally:
        if started:
            cluster.stop()


def cmd_env():
    """Print shell exports to drive the project's cluster by hand (bench, debugging)."""
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
