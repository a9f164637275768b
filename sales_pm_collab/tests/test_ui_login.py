import re

from odoo.tests import HttpCase, tagged

from .test_roles import DEMO_USERS


@tagged("post_install", "-at_install", "collab_ui")
class TestDemoLogin(HttpCase):
    """Every demo role logs in through the real login form with the printed password."""

    def _login(self, login, password):
        page = self.url_open("/web/login")
        self.assertEqual(page.status_code, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open(
            "/web/login",
            data={"login": login, "password": password, "csrf_token": token},
        )

    def _session_uid(self):
        info = self.url_open("/web/session/get_session_info", json={"params": {}})
        return info.json().get("result", {}).get("uid")

    def test_each_demo_role_logs_in(self):
        for login in DEMO_USERS:
            with self.subTest(login=login):
                self.opener.cookies.clear()
                response = self._login(login, login)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.url.rstrip("/").endswith("/odoo"), response.url)
                user = self.env["res.users"].search([("login", "=", login)])
                self.assertEqual(self._session_uid(), user.id)

    def test_wrong_password_is_refused(self):
        self.opener.cookies.clear()
        response = self._login("rep", "not-the-password")
        self.assertEqual(response.status_code, 200)
        self.assertIn('class="alert alert-danger"', response.text)
        self.assertFalse(self._session_uid())
