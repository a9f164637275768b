import logging
import time

from odoo.tests import HttpCase, tagged

from .common import MODULE

_logger = logging.getLogger(__name__)

# Odoo's own clickbot (web/static/src/webclient/clickbot), started as
# web/tests/test_click_everywhere.py starts it, over the Collaboration app only: the app's
# menu, then every menu of the app; in each, every filter of the search bar, every switch
# of view and every filter again in each view. Any error dialog, console error or failed
# RPC fails the test.
CLICKBOT = (
    "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader').startClickEverywhere('%s');"
)
# the Dashboards app (spreadsheet_dashboard): the addon's dashboards, one per audience
DASHBOARDS_APP = "spreadsheet_dashboard.spreadsheet_dashboard_menu_root"
# The same without the filters: the clickbot clicks them only when it finds the search
# bar's dropdown toggler with this selector (testFilters in clickbot.js). The filters
# are ~90% of a full run (462 filter clicks for 18 menus and 29 switches of view as
# finance) and are the same for every role (a role without a field's groups gets a search
# view without its filters), so the full run clicks them as admin, who sees them all.
SKIP_FILTERS = """
(function () {
    const querySelector = document.querySelector;
    document.querySelector = function (selector) {
        if (selector === ".o_control_panel .dropdown-toggle.o_searchview_dropdown_toggler") {
            return null;
        }
        return querySelector.call(this, selector);
    };
})();
"""


@tagged("post_install", "-at_install", "collab_ui")
class TestClickbot(HttpCase):
    """Odoo's clickbot over the Collaboration app, as the Odoo administrator (every menu,
    view and filter) and as each demo role (every menu and view; the demo data of `make
    test`): no menu, view, filter or switch of view may crash for any role."""

    def _click_everywhere(self, login, filters=False, app=f"{MODULE}.menu_collab_root"):
        user = self.env["res.users"].search([("login", "=", login)])
        self.assertTrue(user, f"demo user {login!r} (the test database has demo data)")
        # no onboarding tour in the way
        user.tour_enabled = False
        started = time.monotonic()
        self.browser_js(
            "/odoo",
            CLICKBOT % app if filters else SKIP_FILTERS + CLICKBOT % app,
            "odoo.isReady === true",
            login=login,
            timeout=600,
            success_signal="clickbot test succeeded",
        )
        _logger.info(
            "clickbot over %s as %s (%s): %.0f s",
            app,
            login,
            "menus, views and filters" if filters else "menus and views",
            time.monotonic() - started,
        )

    def test_clickbot_admin(self):
        """The full run: every menu (Settings included), view and filter."""
        self._click_everywhere("admin", filters=True)

    def test_clickbot_rep(self):
        self._click_everywhere("rep")

    def test_clickbot_cs(self):
        self._click_everywhere("cs")

    def test_clickbot_pm(self):
        self._click_everywhere("pm")

    def test_clickbot_channel(self):
        self._click_everywhere("channel")

    def test_clickbot_finance(self):
        self._click_everywhere("finance")

    def test_clickbot_collab_admin(self):
        self._click_everywhere("collab_admin")

    def test_clickbot_dashboards_app(self):
        """The Dashboards app, now a dependency, for the administrator and each role: it
        opens on the first dashboard the role may see, its menus and views do not crash."""
        for login in ("admin", "rep", "cs", "pm", "channel", "finance", "collab_admin"):
            with self.subTest(login=login):
                self._click_everywhere(login, app=DASHBOARDS_APP)
