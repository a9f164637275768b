"""The project's own PostgreSQL cluster, reachable on a unix socket only.

Its data normally lives in ``.local/pgdata`` of the checkout. As root the cluster runs as
the unprivileged ``postgres`` OS user (``initdb`` refuses root); when that user cannot
reach the checkout (a private clone, e.g. in ``/root`` or a ``mktemp -d`` folder of mode
700), data, socket and log go to a folder of its own home instead, keyed by the
checkout's path (``~postgres/sales_pm_collab/<key>``); ``make reset`` removes it.
"""

import contextlib
import hashlib
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from .common import PG_PORT, PG_ROLE, ROOT, STATE, Abort, is_root, run, say
from .ospkg import pg_bindir

PG_OS_USER = "postgres"


def _reachable_by(user, path):
    """Whether the OS user can reach (traverse) `path`, or its nearest existing parent: the
    folders inside it are created by root and handed over to that user."""
    path = Path(path)
    while not path.exists():
        path = path.parent
    probe = ["runuser", "-u", user, "--", "env", "-C", "/", "test", "-x", str(path)]
    return run(probe, check=False, stderr=subprocess.DEVNULL).returncode == 0


class Cluster:
    """A PostgreSQL cluster for this checkout (see the module's docstring for where)."""

    def __init__(self):
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise Abort("PostgreSQL server binaries not found (Debian package postgresql)")
        self.os_user = PG_OS_USER if is_root() else None
        self.private_home = None
        base = STATE
        if self.os_user:
            STATE.mkdir(exist_ok=True)
            if not _reachable_by(self.os_user, STATE) or self._private_home().exists():
                self.private_home = self._private_home()
                base = self.private_home
        self.data = base / "pgdata"
        self.log = base / "postgresql.log"
        sock = base / "pgrun"
        if len(str(sock)) > 80:  # unix socket paths are limited to 107 bytes
            tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
            sock = Path(tempfile.gettempdir(), f"sales_pm_collab-{tag}")
        self.socket_dir = sock

    @staticmethod
    def _private_home():
        key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
        home = Path(pwd.getpwnam(PG_OS_USER).pw_dir)
        return home / "sales_pm_collab" / f"{ROOT.name}-{key}"

    def _as_owner(self, cmd):
        if self.os_user:
            # from "/": the OS user may not be allowed into the current folder
            return ["runuser", "-u", self.os_user, "--", "env", "-C", "/", *cmd]
        return cmd

    def _prepare_dirs(self):
        STATE.mkdir(exist_ok=True)
        paths = (self.data, self.socket_dir)
        if self.private_home:
            say(
                f"the checkout is private to its owner: the cluster lives in "
                f"{self.private_home} (removed by make reset)"
            )
            # created by the OS user that runs PostgreSQL, in its own home
            run(self._as_owner(["mkdir", "-p", "-m", "700", *map(str, paths)]))
            run(self._as_owner(["touch", str(self.log)]))
            return
        for path in paths:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.log.touch()
        if self.os_user:
            for path in (*paths, self.log):
                shutil.chown(path, self.os_user, self.os_user)
            if run(self._as_owner(["test", "-w", str(self.data)]), check=False).returncode:
                raise Abort(
                    f"the OS user {self.os_user!r} that runs PostgreSQL cannot reach {self.data}"
                )

    def _pg_ctl(self, *args, **kw):
        return run(self._as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]), **kw)

    def running(self):
        if not (self.data / "PG_VERSION").exists():
            return False
        return self._pg_ctl("status", check=False, capture_output=True).returncode == 0

    def _initdb(self):
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
            "max_connections = 200\nshared_buffers = 256MB\n"
        )
        run(
            self._as_owner(["tee", "-a", str(self.data / "postgresql.conf")]),
            input=conf.encode(),
            stdout=subprocess.DEVNULL,
        )

    def start(self):
        """Start the cluster if needed; return True when this call started it."""
        self._prepare_dirs()
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        if self.running():
            return False
        say(f"starting PostgreSQL (unix socket in {self.socket_dir})")
        self._pg_ctl(
            "-l",
            str(self.log),
            "-o",
            f"-k {self.socket_dir} -p {PG_PORT}",
            "-w",
            "-t",
            "60",
            "start",
            stdout=subprocess.DEVNULL,
        )
        return True

    def stop(self):
        if self.running():
            say("stopping PostgreSQL")
            self._pg_ctl("-m", "fast", "-w", "stop", stdout=subprocess.DEVNULL)

    def remove_private_home(self):
        """make reset: a private checkout's cluster folder goes away with its data."""
        if self.private_home and self.private_home.exists():
            self.stop()
            shutil.rmtree(self.private_home)
            say(f"removed the cluster folder {self.private_home}")

    def _client_args(self):
        """The connection options of the PostgreSQL client tools for this cluster."""
        return ["-h", str(self.socket_dir), "-p", str(PG_PORT), "-U", PG_ROLE]

    def psql(self, sql, db="postgres"):
        out = run(
            [
                str(self.bindir / "psql"),
                *self._client_args(),
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
                *self._client_args(),
                "--if-exists",
                "--force",
                name,
            ],
            stderr=subprocess.DEVNULL,
        )

    def create_db_from(self, name, template):
        """A copy of `template` (fresh copies of one data set for side-by-side runs)."""
        self.drop_db(name)
        run(
            [
                str(self.bindir / "createdb"),
                *self._client_args(),
                "-T",
                template,
                name,
            ]
        )


@contextlib.contextmanager
def running_cluster(keep_running=False):
    """The cluster, started if needed; stopped at the end if this block started it
    (unless `keep_running`: the development loop keeps it up between runs)."""
    cluster = Cluster()
    started = cluster.start()
    try:
        yield cluster
    finally:
        if started and not keep_running:
            cluster.stop()
