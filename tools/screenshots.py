#!/usr/bin/env python3
"""Screenshots of each role's main screen, in headless Chromium: `make screenshots`.

For each role of SCREENS: log in over JSON-RPC (password = login), optionally switch the
user's language for the shot (restored afterwards), open the screen in Debian's Chromium
driven over the DevTools protocol (as Odoo's own ChromeBrowser does, with
`websocket-client`), wait until the web client has finished loading (no loading indicator,
no request in flight, the view's root element present, then a short settle) and write
`<role>[-<lang>][-mobile].png` (no language suffix for en_US), reduced to a 256-colour
palette (a third of the size; --full-color keeps the capture as is).

A page that shows an Odoo error dialog is a failure: the file is not written (the
screenshot of the error goes to a temporary folder), the run goes on with the other
screens and exits 1, so the tool doubles as a smoke check of the roles' screens.

Run it through `make screenshots ARGS="..."` (starts the demo server first) or directly
with the virtualenv's python against a running server:

    .venv/bin/python tools/screenshots.py --lang zh_CN --only rep,pm
    .venv/bin/python tools/screenshots.py --login pm \
        --url /odoo/action-sales_pm_collab.action_product_release --name releases

Needs `websocket-client` (requirements-dev.txt) and Chromium; nothing of Odoo is imported.
"""

import argparse
import base64
import http.cookiejar
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

try:
    import websocket  # websocket-client, from requirements-dev.txt
except ImportError:  # pragma: no cover
    sys.exit("screenshots: websocket-client is missing; run with the project's .venv/bin/python")

ROOT = Path(__file__).resolve().parent.parent
ADDON = "sales_pm_collab"
LANGS = ("en_US", "zh_CN", "zh_TW")
DESKTOP = (1440, 900, 1)
MOBILE = (390, 844, 2)
MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36"
)
# the web client's root once a view has loaded its records; any action (a client action
# like Discuss too) for --url; portal pages have #wrap
VIEW_READY = ".o_action_manager > .o_action.o_view_controller"
BACKEND_READY = ".o_action_manager > *"
PORTAL_READY = "#wrap, main"
# requests that stay open or end in another target (the bus' shared worker)
LONG_LIVED = re.compile(r"/websocket|/longpolling|/bus/websocket_worker_bundle")


@dataclass
class Screen:
    """One role's main screen.

    path: the URL path; `{record}` is replaced by the id of the first record found with
    `record` = (model, domain, order) as the user; without a record, `fallback` is shot.
    action: the XML id of the addon's action behind the path, checked against
    sales_pm_collab/views/<area>/*.xml so that a renamed action fails with a clear line.
    click: a CSS selector clicked once the page is ready (a notebook tab, a settings app).
    """

    role: str
    login: str
    path: str
    what: str
    ready: str = VIEW_READY
    action: str = ""
    record: tuple = ()
    fallback: str = ""
    click: str = ""
    extra: dict = field(default_factory=dict)


def _action(xmlid):
    return f"/odoo/action-{xmlid}"


SCREENS = [
    Screen(
        "rep",
        "rep",
        # `crm` is the path of the My Pipeline action: the CRM app and its menus show
        "/odoo/crm/{record}",
        "an opportunity of the rep with its Requirements tab and smart buttons",
        record=(
            "crm.lead",
            [["requirement_ids", "!=", False], ["type", "=", "opportunity"]],
            "expected_revenue desc, id",
        ),
        fallback="/odoo/crm",
        click='.o_notebook a.nav-link[name="requirements"]',
    ),
    Screen(
        "cs",
        "cs",
        _action(f"{ADDON}.customer_feedback_action"),
        "the customer feedback kanban",
        action=f"{ADDON}.customer_feedback_action",
    ),
    Screen(
        "pm",
        "pm",
        _action(f"{ADDON}.action_product_requirement"),
        "the requirement triage kanban",
        action=f"{ADDON}.action_product_requirement",
    ),
    Screen(
        "channel",
        "channel",
        _action(f"{ADDON}.action_channel_partners"),
        "the channel partners kanban (levels)",
        action=f"{ADDON}.action_channel_partners",
    ),
    Screen(
        "finance",
        "finance",
        _action(f"{ADDON}.rebate_settlement_action") + "/{record}",
        "a settled rebate settlement (form)",
        action=f"{ADDON}.rebate_settlement_action",
        record=("rebate.settlement", [["state", "=", "done"]], "date_from desc, id desc"),
        fallback=_action(f"{ADDON}.rebate_settlement_action"),
    ),
    Screen(
        "collab_admin",
        "collab_admin",
        # app administrators configure the app's records; the company switches are on
        # Odoo's Settings page, for Settings administrators (as for every app)
        _action(f"{ADDON}.action_res_partner_grade_channel"),
        "the partner levels (Configuration), which the app administrator maintains",
        action=f"{ADDON}.action_res_partner_grade_channel",
    ),
    Screen(
        "partner",
        "partner",
        "/my/channel",
        "the channel partner portal: the level passport and the gap to the next level",
        ready=PORTAL_READY,
    ),
    Screen(
        "customer",
        "customer",
        "/my/feedback",
        "the customer portal: the company's feedback and its SLA commitments",
        ready=PORTAL_READY,
    ),
]


class ShotError(Exception):
    """A screen that could not be shot: an error dialog, a login page, a timeout."""


# --------------------------------------------------------------------------- JSON-RPC


class Odoo:
    """A JSON-RPC session of one user on the Odoo server."""

    def __init__(self, base_url, db):
        self.base_url = base_url.rstrip("/")
        self.db = db
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.uid = None

    def rpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        req = urllib.request.Request(
            self.base_url + path, body.encode(), {"Content-Type": "application/json"}
        )
        with self.opener.open(req, timeout=60) as resp:
            answer = json.load(resp)
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise ShotError(f"{path}: {data.get('message') or answer['error'].get('message')}")
        return answer["result"]

    def authenticate(self, login, password):
        self.jar.clear()
        info = self.rpc(
            "/web/session/authenticate", {"db": self.db, "login": login, "password": password}
        )
        if not info or not info.get("uid"):
            raise ShotError(f"login {login!r} refused by {self.base_url} (database {self.db})")
        self.uid = info["uid"]
        return info

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def session_id(self):
        return next((c.value for c in self.jar if c.name == "session_id"), None)


# --------------------------------------------------------------------------- Chromium


def chromium_binary():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    for name in ("chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    raise ShotError("Chromium not found (apt-get install chromium, or set CHROMIUM)")


class Chrome:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, width, height, scale, mobile):
        self.profile = tempfile.mkdtemp(prefix="collab-shots-chrome-")
        cmd = [
            chromium_binary(),
            "--headless=new",
            # Chromium refuses to run as root with its sandbox, and containers often lack
            # the namespaces it needs: Odoo's own test browser always passes it too
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--hide-scrollbars",
            "--force-color-profile=srgb",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        self.log = open(Path(self.profile, "chrome.log"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        self.ids = itertools.count(1)
        self.pending = {}
        self.inflight = {}  # requestId: when it started
        self.last_network = time.time()
        self.console_errors = []
        self.lock = threading.Lock()
        self.ws = websocket.create_connection(
            self._page_ws_url(), enable_multithread=True, suppress_origin=True
        )
        self.reader = threading.Thread(target=self._receive, daemon=True)
        self.reader.start()
        for method in ("Page.enable", "Runtime.enable", "Network.enable"):
            self.send(method)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=scale,
            mobile=mobile,
        )
        if mobile:
            self.send("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
            self.send("Emulation.setUserAgentOverride", userAgent=MOBILE_UA)

    def _page_ws_url(self):
        port_file = Path(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            if port_file.exists() and port_file.stat().st_size > 5:
                port = int(port_file.read_text().splitlines()[0])
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as resp:
                        targets = json.load(resp)
                except OSError:
                    targets = []
                for target in targets:
                    if target.get("type") == "page":
                        return target["webSocketDebuggerUrl"]
            time.sleep(0.2)
        self.log.flush()
        tail = Path(self.profile, "chrome.log").read_text(errors="replace")[-1500:]
        raise ShotError(f"Chromium did not start:\n{tail}")

    def _receive(self):
        while True:
            try:
                message = json.loads(self.ws.recv())
            except Exception:  # closed: the run is over
                return
            if "id" in message:
                future = self.pending.pop(message["id"], None)
                if future:
                    if "error" in message:
                        future.set_exception(ShotError(str(message["error"])))
                    else:
                        future.set_result(message.get("result", {}))
            else:
                self._event(message.get("method"), message.get("params", {}))

    def _event(self, method, params):
        with self.lock:
            if method == "Network.requestWillBeSent":
                if not LONG_LIVED.search(params["request"]["url"]):
                    self.inflight.setdefault(params["requestId"], time.time())
            elif method in ("Network.loadingFinished", "Network.loadingFailed"):
                self.inflight.pop(params["requestId"], None)
            else:
                if method == "Runtime.exceptionThrown":
                    details = params.get("exceptionDetails", {})
                    text = details.get("exception", {}).get("description") or details.get("text")
                    self.console_errors.append(str(text).splitlines()[0])
                elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                    args = params.get("args", [])
                    text = " ".join(str(a.get("value", a.get("description", ""))) for a in args)
                    self.console_errors.append(text.splitlines()[0] if text else "console error")
                return
            self.last_network = time.time()

    def send(self, method, timeout=30, **params):
        request_id = next(self.ids)
        future = self.pending[request_id] = Future()
        self.ws.send(json.dumps({"id": request_id, "method": method, "params": params}))
        try:
            return future.result(timeout)
        except FutureTimeout as exc:
            raise ShotError(f"Chromium did not answer {method} in {timeout} s") from exc

    def evaluate(self, expression, timeout=30):
        result = self.send(
            "Runtime.evaluate",
            timeout=timeout,
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        return result.get("result", {}).get("value")

    def network_idle(self, quiet=0.5, stuck=10):
        """No request in flight (but those pending for `stuck` seconds: a request whose
        end the page never sees, like a shared worker's script) for `quiet` seconds."""
        now = time.time()
        with self.lock:
            pending = [t for t in self.inflight.values() if now - t < stuck]
            return not pending and now - self.last_network >= quiet

    def login_as(self, base_url, session_id):
        self.send("Network.clearBrowserCookies")
        self.send(
            "Network.setCookie", name="session_id", value=session_id, url=base_url, httpOnly=True
        )

    def navigate(self, url):
        with self.lock:
            self.inflight.clear()
            self.console_errors.clear()
            self.last_network = time.time()
        self.send("Page.navigate", url=url)

    def png(self):
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        return base64.b64decode(data["data"])

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# --------------------------------------------------------------------------- the page

# 'error: title | text', 'login', 'wait' or 'ready'
PAGE_STATE_JS = """
(async () => {
    const errorDialog = document.querySelector('.o_error_dialog')
        || [...document.querySelectorAll('.o_dialog .modal-title')]
            .find(t => /error/i.test(t.textContent))?.closest('.modal-content');
    if (errorDialog) {
        const title = errorDialog.querySelector('.modal-title')?.textContent.trim() || '';
        const body = errorDialog.querySelector('.modal-body')?.innerText.trim() || '';
        return 'error: ' + title + ' | ' + body.replace(/\\s+/g, ' ').slice(0, 400);
    }
    if (location.pathname.startsWith('/web/login')) return 'login';
    if (document.readyState !== 'complete') return 'wait';
    if (window.odoo && odoo.isReady === false) return 'wait';
    if (!document.querySelector(READY)) return 'wait';
    if (document.querySelector('.o_loading_indicator, .o_loading, .o_blockUI, .o_spinner'))
        return 'wait';
    await document.fonts.ready;
    return 'ready';
})()
"""


def page_state(chrome, ready):
    return chrome.evaluate(PAGE_STATE_JS.replace("READY", json.dumps(ready))) or "wait"


def wait_ready(chrome, ready, timeout):
    """Wait for the page to be ready and the network idle; raise on an error or login."""
    deadline = time.time() + timeout
    state = "wait"
    while time.time() < deadline:
        state = page_state(chrome, ready)
        if state.startswith("error"):
            raise ShotError(f"Odoo error dialog: {state[7:]}")
        if state == "login":
            raise ShotError("the page is the login page (session refused)")
        if state == "ready" and chrome.network_idle():
            return
        time.sleep(0.25)
    raise ShotError(f"the page was not ready after {timeout} s (waiting for {ready!r})")


def shoot(chrome, url, screen_ready, click, settle, timeout):
    """Open url, wait, click, settle; return (png, warnings) or raise ShotError."""
    chrome.navigate(url)
    time.sleep(0.5)  # let the navigation replace the previous document
    wait_ready(chrome, screen_ready, timeout)
    warnings = []
    if click:
        clicked = chrome.evaluate(
            f"(() => {{ const el = document.querySelector({json.dumps(click)});"
            " if (!el) return false; el.click();"
            # below the fold (a form on a phone): bring what it opened into view
            " if (el.getBoundingClientRect().top > innerHeight * 0.6)"
            " el.scrollIntoView({block: 'start'}); return true; })()"
        )
        if clicked:
            time.sleep(0.3)
            wait_ready(chrome, screen_ready, timeout)
        else:
            warnings.append(f"nothing to click at {click}")
    time.sleep(settle)
    state = page_state(chrome, screen_ready)
    if state.startswith("error"):
        raise ShotError(f"Odoo error dialog: {state[7:]}")
    warnings += [f"browser console: {line}" for line in chrome.console_errors]
    return chrome.png(), warnings


# --------------------------------------------------------------------------- the run


def check_actions(screens):
    """Every addon action a screen names must exist in the addon's views."""
    ids = set()
    for path in (ROOT / ADDON / "views").glob("**/*.xml"):
        ids.update(re.findall(r'<record\s+id="([^"]+)"\s+model="ir\.actions', path.read_text()))
    missing = [s.action for s in screens if s.action and s.action.split(".", 1)[1] not in ids]
    if missing:
        raise ShotError(
            f"action(s) {', '.join(missing)} not found in {ADDON}/views/**/*.xml: "
            "update SCREENS in tools/screenshots.py"
        )


def resolve_path(odoo, screen):
    if not screen.record:
        return screen.path
    model, domain, order = screen.record
    rows = odoo.call(model, "search_read", domain, fields=["id"], limit=1, order=order)
    if not rows:
        print(f"  {screen.role}: no {model} matches {domain}; shooting {screen.fallback}")
        return screen.fallback
    return screen.path.format(record=rows[0]["id"])


def set_lang(odoo, login, lang):
    """Switch the user's language (their own preference); return the previous one."""
    info = odoo.authenticate(login, login)
    previous = info.get("user_context", {}).get("lang") or "en_US"
    if lang and lang != previous:
        odoo.call("res.users", "write", [odoo.uid], {"lang": lang})
        # the session keeps the context of its login: log in again in the new language
        odoo.authenticate(login, login)
    return previous


def small_png(data):
    """The screenshot with a 256-colour palette: a third of the size, the same look for a
    UI's flat colours and text (Pillow comes with Odoo's requirements)."""
    try:
        from PIL import Image  # optional: without it, the capture as is
    except ImportError:
        return data
    image = Image.open(io.BytesIO(data)).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(data) else data


def file_name(name, lang, mobile):
    return name + ("" if lang == "en_US" else f"-{lang}") + ("-mobile" if mobile else "") + ".png"


def run_one(chrome, odoo, screen, lang, args):
    previous = set_lang(odoo, screen.login, lang)
    try:
        chrome.login_as(odoo.base_url, odoo.session_id())
        path = resolve_path(odoo, screen)
        return shoot(
            chrome, odoo.base_url + path, screen.ready, screen.click, args.settle, args.timeout
        )
    finally:
        if previous != lang:
            odoo.authenticate(screen.login, screen.login)
            odoo.call("res.users", "write", [odoo.uid], {"lang": previous})


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Screenshots of each role's main screen (headless Chromium)."
    )
    port = os.environ.get("ODOO_HTTP_PORT", "8069")
    parser.add_argument("--base-url", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--db", default=os.environ.get("DEMO_DB", "sales_pm_collab_demo"))
    parser.add_argument(
        "--lang",
        default="en_US",
        help="en_US, zh_CN, zh_TW, a comma-separated list of them or 'all' (default en_US)",
    )
    parser.add_argument("--width", type=int, default=DESKTOP[0])
    parser.add_argument("--height", type=int, default=DESKTOP[1])
    parser.add_argument("--mobile", action="store_true", help="390x844 at device scale 2")
    parser.add_argument("--only", default="", help="comma-separated roles, e.g. rep,pm")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--url", help="shoot this URL (or path) instead of the roles' screens")
    parser.add_argument("--login", default="admin", help="the user of --url (password = login)")
    parser.add_argument(
        "--name", help="file name of --url's shot, without .png (default: page-LOGIN)"
    )
    parser.add_argument("--ready", default="", help="CSS selector --url waits for")
    parser.add_argument("--click", default="", help="CSS selector clicked before the --url shot")
    parser.add_argument(
        "--full-color", action="store_true", help="keep the true-colour capture (3x larger)"
    )
    parser.add_argument("--settle", type=float, default=1.0, help="seconds after ready (1)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per page (60)")
    parser.add_argument("--list", action="store_true", help="list the roles' screens and exit")
    args = parser.parse_args(argv)
    args.langs = list(LANGS) if args.lang == "all" else args.lang.split(",")
    for lang in args.langs:
        if lang not in LANGS:
            parser.error(f"--lang {lang}: one of {', '.join(LANGS)} or all")
    return args


def selected_screens(args):
    if args.url:
        parts = urllib.parse.urlsplit(args.url)
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
        backend = path.startswith(("/odoo", "/web"))
        ready = args.ready or (BACKEND_READY if backend else PORTAL_READY)
        return [
            Screen(
                args.name or f"page-{args.login}",
                args.login,
                path,
                args.url,
                ready=ready,
                click=args.click,
            )
        ]
    roles = [r for r in args.only.split(",") if r]
    known = {s.role for s in SCREENS}
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ShotError(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(sorted(known))}")
    return [s for s in SCREENS if not roles or s.role in roles]


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for screen in SCREENS:
            print(f"{screen.role:14} {screen.path:62} {screen.what}")
        return 0
    width, height, scale = MOBILE if args.mobile else (args.width, args.height, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed_dir = Path(tempfile.mkdtemp(prefix="collab-shots-failed-"))
    failures = 0
    try:
        screens = selected_screens(args)
        if not args.url:
            check_actions(screens)
        odoo = Odoo(args.base_url, args.db)
        chrome = Chrome(width, height, scale, args.mobile)
    except (ShotError, OSError) as exc:
        print(f"screenshots: {exc}", file=sys.stderr)
        return 1
    try:
        for lang in args.langs:
            for screen in screens:
                name = file_name(screen.role, lang, args.mobile)
                started = time.time()
                try:
                    png, warnings = run_one(chrome, odoo, screen, lang, args)
                except (ShotError, OSError) as exc:
                    failures += 1
                    shot = failed_dir / name
                    try:
                        shot.write_bytes(chrome.png())
                    except ShotError:
                        shot = None
                    print(f"FAILED {name}: {exc}" + (f" (screenshot: {shot})" if shot else ""))
                    continue
                (out / name).write_bytes(png if args.full_color else small_png(png))
                print(f"wrote {out / name}  ({time.time() - started:.1f} s)")
                for warning in warnings:
                    print(f"  warning: {warning}")
    finally:
        chrome.close()
    if failures:
        print(f"screenshots: {failures} screen(s) failed (see the FAILED lines above)")
        return 1
    shutil.rmtree(failed_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
