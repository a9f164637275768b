"""make demo, make stop, make reset: the demo database served on ODOO_HTTP_PORT."""

import os
import shutil

from .cluster import Cluster, running_cluster
from .common import ADDON, DEMO_DB, HTTP_PORT, STATE, Abort, say
from .odoo import (
    Server,
    addon_hash,
    bootstrap,
    install_addon,
    odoo_cmd,
    port_busy,
    wait_http,
    write_config,
)


def _workers():
    value = os.environ.get("ODOO_WORKERS", "0").strip() or "0"
    if not value.isdigit():
        raise Abort(f"ODOO_WORKERS={value} is not a number of worker processes")
    return int(value)


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
    workers = _workers()
    server = Server()
    with running_cluster(keep_running=True) as cluster:
        extra = {"dbfilter": f"^{DEMO_DB}$"}
        if workers:
            extra.update(workers=workers, gevent_port=HTTP_PORT + 3, max_cron_threads=1)
        config = write_config("odoo-demo.conf", odoo_root, cluster, HTTP_PORT, extra)
        stamp = STATE / "demo-addon.hash"
        current = addon_hash()
        changed = False
        if not cluster.db_exists(DEMO_DB):
            server.stop()
            install_addon(config, DEMO_DB, demo=True, log_name="demo-install.log")
            changed = True
        elif not stamp.exists() or stamp.read_text() != current:
            server.stop()
            install_addon(config, DEMO_DB, demo=True, update=True, log_name="demo-install.log")
            changed = True
        stamp.write_text(current)
        mode_file = STATE / "demo-workers"
        if mode_file.exists() and mode_file.read_text() != str(workers):
            changed = True
        url = f"http://127.0.0.1:{HTTP_PORT}"
        if server.pid() and not changed:
            say(f"Odoo is already running on {url}")
        else:
            server.stop()
            if port_busy(HTTP_PORT):
                raise Abort(
                    f"port {HTTP_PORT} is taken by another program; stop it or set ODOO_HTTP_PORT"
                )
            server.start(odoo_cmd(config, "-d", DEMO_DB), STATE / "odoo.log")
            mode_file.write_text(str(workers))
            if not wait_http(f"{url}/web/login"):
                raise Abort("the Odoo server did not answer in time (see .local/odoo.log)")
        print()
        print(f"  Odoo 19.0 with {ADDON} and its demo data: {url}   (database {DEMO_DB})")
        if workers:
            print(
                f"  prefork mode: {workers} HTTP workers, 1 cron worker, websocket (live "
                f"notifications) on port {HTTP_PORT + 3}: route /websocket there from a "
                "reverse proxy, as in production"
            )
        print("  Log in as (password = login):")
        print(f"    {'admin':14} Administrator (Odoo superuser)")
        for login, role in demo_logins(cluster):
            print(f"    {login:14} {role}")
        print("  Stop with: make stop     Drop the demo database with: make reset")
        print()


def cmd_stop():
    Server().stop()
    cluster = Cluster()
    if (cluster.data / "PG_VERSION").exists():
        cluster.stop()


def cmd_reset():
    Server().stop()
    cluster = Cluster()
    if cluster.private_home:
        cluster.remove_private_home()
    else:
        with running_cluster() as running:
            running.drop_db(DEMO_DB)
    (STATE / "demo-addon.hash").unlink(missing_ok=True)
    shutil.rmtree(STATE / "data" / "filestore" / DEMO_DB, ignore_errors=True)
    say(f"dropped database {DEMO_DB}")
