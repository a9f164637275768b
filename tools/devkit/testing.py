"""make test, and the development loop on a kept test database (devdb, pytest, ui, core).

make test: lint, install (no warning logged), pytest-odoo, Odoo's runner for the HttpCase
tests (tours, clickbot), Odoo's own test suites of the core apps we extend, and a server
in prefork mode; one PASS/FAIL line per step, with its time.

Steps that share no database and run no tour of ours overlap (the machine has 2 cores):
lint with both installs (test database with demo, core database without), then pytest
with Odoo's core suites; the browser tests of the addon run alone after them, so that no
other step takes the CPU from their tours. SERIAL_TEST=1 runs every step one after the
other (as before), e.g. to tell whether a failure comes from the overlap.
"""

import base64
import os
import re
import shlex
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from .cluster import running_cluster
from .common import (
    ADDON,
    ROOT,
    STATE,
    TEST_DB,
    UI_TEST_TAG,
    Abort,
    report,
    run_logged,
    say,
    venv_python,
)
from .lint import run_lint
from .odoo import (
    Server,
    addon_hash,
    bootstrap,
    free_port,
    install_addon,
    odoo_cmd,
    wait_http,
    write_config,
)

# Odoo's own suites of the apps the addon extends: they must stay green with it installed
CORE_DB = f"{TEST_DB}_core"
CORE_MODULES = ("crm", "sale", "sale_management", "sale_crm", "partnership", "rating")
RUNNER_RESULT = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")


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


def run_pytest(config, extra=()):
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
        "--ignore-glob=*/tests/*/test_ui_*.py",
        *_pytest_targets(list(extra)),
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


# a skip caused by the machine (no browser, no websocket-client) hides a test: a failure.
# Core suites also skip tests by design (e.g. "requires the installation of the
# account_account module"): those are reported, not failed.
MACHINE_SKIP = re.compile(r"chrom|browser|websocket", re.IGNORECASE)


def _run_odoo_tests(config, tags, log_name, label, skips_fail=True, db=TEST_DB):
    """Odoo's own test runner on a database; (ok, PASS/FAIL text)."""
    port = free_port()
    cmd = odoo_cmd(
        config,
        "-d",
        db,
        "--test-tags",
        tags,
        "--stop-after-init",
        "--http-port",
        str(port),
        "--log-level",
        "info",
    )
    started = time.time()
    rc, output = run_logged(cmd, STATE / log_name)
    match = RUNNER_RESULT.search(output)
    skipped = [line for line in output.splitlines() if re.search(r" skipped \S+ : ", line)]
    failing_skips = [line for line in skipped if skips_fail or MACHINE_SKIP.search(line)]
    for line in output.splitlines():
        if re.search(r" (ERROR|CRITICAL) | FAIL: | ERROR: ", line) or line in failing_skips:
            print(line)
    if not match:
        return False, f"{label}: no result found (exit {rc}, see .local/{log_name})"
    failed, errors, total = (int(g) for g in match.groups())
    ok = rc == 0 and failed == 0 and errors == 0 and total > 0 and not failing_skips
    text = (
        f"{label}: {failed} failed, {errors} error(s), {len(skipped)} skipped of {total} "
        f"in {time.time() - started:.0f} s"
    )
    if total == 0:
        text += "  -> none ran: failure"
    if failing_skips:
        text += "  -> a skipped test is a failure (websocket-client and chromium are needed)"
    return ok, text


def run_ui_tests(config, only=""):
    """The HttpCase tests; `only` narrows them to a class or method (`:TestClass` or
    `:TestClass.test_method`, Odoo's --test-tags syntax)."""
    tags = f"{UI_TEST_TAG}/{ADDON}{only}"
    say(f"running the browser tours, clickbot and HTTP tests with Odoo's runner ({tags})")
    return _run_odoo_tests(config, tags, "ui-tests.log", "browser tests")


def install_core_db(config, cluster):
    """The database of Odoo's own suites: the addon installed without demo data, a
    company's database, as core's suites expect it (their query counts are measured
    without demo data)."""
    cluster.drop_db(CORE_DB)
    install_addon(config, CORE_DB, demo=False, log_name="core-install.log", langs="")


def run_core_suites(config):
    """Odoo's own post-install suites of the apps we extend, on the core database."""
    say(f"running Odoo's own post-install tests of {', '.join(CORE_MODULES)} with the addon")
    tags = ",".join(f"post_install/{module}" for module in CORE_MODULES)
    return _run_odoo_tests(
        config, tags, "core-tests.log", "core suites", skips_fail=False, db=CORE_DB
    )


def run_core_tests(config, cluster):
    """The core database installed from scratch, then Odoo's own suites on it."""
    try:
        install_core_db(config, cluster)
        return run_core_suites(config)
    finally:
        if os.environ.get("KEEP_DB") != "1":
            cluster.drop_db(CORE_DB)


def _websocket_upgrade(port):
    """The status line of a websocket handshake on 127.0.0.1:port."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        return sock.recv(1024).decode(errors="replace").split("\r\n", 1)[0]


def run_prefork_check(odoo_root, cluster):
    """Serve the test database as companies do (--workers=2): HTTP answers, and the
    gevent worker (websocket, live notifications) accepts a websocket."""
    say("starting Odoo in prefork mode (2 workers) and opening a websocket")
    http_port, gevent_port = free_port(), free_port()
    config = write_config(
        "odoo-prefork.conf",
        odoo_root,
        cluster,
        http_port,
        {"workers": 2, "gevent_port": gevent_port, "max_cron_threads": 1},
    )
    server = Server(STATE / "odoo-prefork.pid")
    log = STATE / "prefork.log"
    log.unlink(missing_ok=True)
    server.start(odoo_cmd(config, "-d", TEST_DB), log)
    try:
        if not wait_http(f"http://127.0.0.1:{http_port}/web/login", seconds=120):
            return False, "prefork server: /web/login did not answer (see .local/prefork.log)"
        status = ""
        for _ in range(30):
            try:
                status = _websocket_upgrade(gevent_port)
            except OSError:
                status = ""
            if " 101 " in f"{status} ":
                break
            time.sleep(1)
        if " 101 " not in f"{status} ":
            return False, (
                f"prefork server: /websocket answered {status or 'nothing'} "
                "(see .local/prefork.log)"
            )
        return True, "prefork server (--workers=2): HTTP and /websocket answer"
    finally:
        server.stop()


def _timed(label, step):
    """Run step() -> (ok, text); an Abort becomes a failure; the text gets the time."""
    started = time.time()
    try:
        ok, text = step()
    except Abort as exc:
        ok, text = False, str(exc)
    seconds = time.time() - started
    say(f"{label} finished in {seconds:.0f} s")
    return ok, f"{text}  [{label}: {seconds:.0f} s]"


def _together(steps):
    """Run the (label, step) pairs at the same time (one after the other with
    SERIAL_TEST=1); their results in the given order. Each step runs subprocesses, so
    threads are enough."""
    if os.environ.get("SERIAL_TEST") == "1" or len(steps) == 1:
        return [_timed(label, step) for label, step in steps]
    results = [None] * len(steps)

    def work(index, label, step):
        try:
            results[index] = _timed(label, step)
        except Exception as exc:  # noqa: BLE001 (reported as the step's failure)
            results[index] = (False, f"{label}: {exc!r}")

    threads = [
        threading.Thread(target=work, args=(index, label, step), daemon=True)
        for index, (label, step) in enumerate(steps)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def cmd_test():
    odoo_root = bootstrap()
    started = time.time()
    with running_cluster() as cluster:
        config = write_config("odoo-test.conf", odoo_root, cluster, free_port())

        def install_test_db():
            cluster.drop_db(TEST_DB)
            install_addon(config, TEST_DB, demo=True, log_name="test-install.log")
            return True, "install: no warning or error logged"

        def install_core():
            install_core_db(config, cluster)
            return True, "core database: installed without warning"

        try:
            lint, install, core_install = _together(
                [("lint", run_lint), ("install", install_test_db), ("core install", install_core)]
            )
            results = [lint, install, core_install]
            if install[0]:
                steps = [("pytest", lambda: run_pytest(config, sys.argv[2:]))]
                if core_install[0]:
                    steps.append(("core suites", lambda: run_core_suites(config)))
                results += _together(steps)
                if os.environ.get("SKIP_UI") != "1":
                    results.append(_timed("browser tests", lambda: run_ui_tests(config)))
                else:
                    results.append((False, "browser tests not run (SKIP_UI=1)"))
                results.append(_timed("prefork", lambda: run_prefork_check(odoo_root, cluster)))
        finally:
            if os.environ.get("KEEP_DB") != "1":
                cluster.drop_db(TEST_DB)
                cluster.drop_db(CORE_DB)
    results.append((True, f"make test: {time.time() - started:.0f} s of wall time in all"))
    return report(results)


def _dev_db(cluster, odoo_root):
    """The kept test database, installed or updated when the addon changed."""
    config = write_config("odoo-test.conf", odoo_root, cluster, free_port())
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


def _dev_step(step):
    odoo_root = bootstrap()
    with running_cluster(keep_running=True) as cluster:
        config = _dev_db(cluster, odoo_root)
        if step is None:
            say(f"database {TEST_DB} is up to date; `make stop` stops the cluster")
            return 0
        return report([step(config, odoo_root, cluster)])


def cmd_devdb():
    """Development loop: keep the test database and the cluster running between runs."""
    return _dev_step(None)


def cmd_pytest():
    """Development loop: pytest-odoo on the kept test database (extra args passed through)."""
    return _dev_step(lambda config, _root, _cluster: run_pytest(config, sys.argv[2:]))


def cmd_ui():
    """Development loop: the HttpCase tests (tours, clickbot) on the kept test database;
    `ui :TestClass[.test_method]` runs only those."""
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    return _dev_step(lambda config, _root, _cluster: run_ui_tests(config, only))


def cmd_core():
    """Development loop: Odoo's own suites of the core apps, on the kept test database."""
    return _dev_step(lambda config, _root, cluster: run_core_tests(config, cluster))


def cmd_prefork():
    """Development loop: the prefork server check on the kept test database."""
    return _dev_step(lambda _config, root, cluster: run_prefork_check(root, cluster))
