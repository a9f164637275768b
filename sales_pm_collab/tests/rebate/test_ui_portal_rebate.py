import io
import zipfile
from datetime import timedelta

from odoo import fields
from odoo.http import Request
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_portal_rebate import RebatePortalCommon


@tagged("post_install", "-at_install", "collab_ui")
class TestUiPortalRebate(HttpCase, RebatePortalCommon):
    """The channel partner's portal through HTTP: every route as partner A, with B's
    ids (404, never data), as a customer and as an internal user; the tour of the
    passport, the what-if and a dispute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.portal_a, cls.portal_b):
            user.password = user.login
        # a ladder of two levels: A holds the lower one, the passport shows the next
        cls.env["res.partner.grade"].search([]).action_archive()
        Grade = cls.env["res.partner.grade"]
        Grade.create({"name": "T-Registered", "sequence": 40})
        cls.grade_silver = Grade.create({"name": "T-Silver", "sequence": 30, "min_revenue": 1000})
        cls.grade_gold = Grade.create({"name": "T-Gold", "sequence": 20, "min_revenue": 5_000_000})
        cls.partner_a.grade_id = cls.grade_silver
        today = fields.Date.context_today(cls.settlement)
        month_start = today.replace(day=1)
        cls._invoice(cls.partner_a, 300_000, invoice_date=month_start - timedelta(days=10))
        Evaluation = cls.env["res.partner.grade.evaluation"].with_user(cls.user_channel)
        evaluation = Evaluation.create_for_partners(cls.partner_a, *Evaluation._default_window(12))
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        # a program of the current quarter: A at 50% of its target to date
        quarter_start = month_start.replace(month=(month_start.month - 1) // 3 * 3 + 1)
        cls.current = cls._program(
            name="Tour current program",
            date_start=quarter_start,
            date_end=quarter_start.replace(year=quarter_start.year + 1) - timedelta(days=1),
        )
        cls._target(cls.current, cls.partner_a, 2_000_000, date_from=quarter_start)
        cls._invoice(cls.partner_a, 1_000_000, invoice_date=today)
        cls.settlement.sudo().note = "INTERNAL-NOTE margin squeeze"

    def _get(self, url):
        with mute_logger("odoo.http"):
            return self.url_open(url, allow_redirects=False)

    def _post(self, url, data):
        with mute_logger("odoo.http"):
            return self.url_open(
                url, data={**data, "csrf_token": Request.csrf_token(self)}, allow_redirects=False
            )

    def _routes(self, line):
        base = f"/my/rebates/statement/{line.id}"
        return (base, f"{base}/pdf", f"{base}/xlsx")

    def test_idor_another_partners_statement_is_not_found(self):
        self.authenticate("t_portal_a", "t_portal_a")
        before = self._signoff(self.line_b)
        missing = self.line_b.browse(self.line_b.id + 10_000)
        for line in (self.line_b, missing):
            for url in self._routes(line):
                with self.subTest(url=url):
                    response = self._get(url)
                    self.assertEqual(response.status_code, 404)
                    self.assertNotIn(self.partner_b.name, response.text)
            for decision in ("accept", "dispute"):
                with self.subTest(decision=decision):
                    response = self._post(
                        f"/my/rebates/statement/{line.id}/signoff",
                        {"decision": decision, "comment": "not mine"},
                    )
                    self.assertEqual(response.status_code, 404)
        self.assertEqual(self._signoff(self.line_b), before)
        # an adjustment line or a non-numeric id is no statement either
        self.assertEqual(self._get("/my/rebates/statement/abc").status_code, 404)

    def test_own_statement_pages_and_downloads(self):
        self.authenticate("t_portal_a", "t_portal_a")
        base, pdf, xlsx = self._routes(self.line_a)
        response = self._get(base)
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.settlement.name, response.text)
        self.assertIn("o_rebate_accept", response.text)
        response = self._get(xlsx)
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
            strings = workbook.read("xl/sharedStrings.xml").decode()
        self.assertIn(self.partner_a.name, strings)
        self.assertNotIn(self.partner_b.name, strings, "the partner's own lines only")
        response = self._get(pdf)
        self.assertEqual(response.status_code, 200)
        self.assertIn("pdf", response.headers["Content-Type"])
        # accept: the sign-off names the user
        response = self._post(f"{base}/signoff", {"decision": "accept"})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.line_a.signoff_state, "accepted")
        self.assertEqual(self.line_a.signoff_uid, self.portal_a)
        # a dispute without a reason is refused, nothing changes
        response = self._post(f"{base}/signoff", {"decision": "dispute", "comment": "late"})
        self.assertIn("error=state", response.headers["Location"])
        self.assertEqual(self.line_a.signoff_state, "accepted")

    def test_dispute_needs_a_comment(self):
        self.authenticate("t_portal_a", "t_portal_a")
        base = self._routes(self.line_a)[0]
        response = self._post(f"{base}/signoff", {"decision": "dispute", "comment": "  "})
        self.assertIn("error=comment", response.headers["Location"])
        self.assertEqual(self.line_a.signoff_state, "pending")

    def test_pages_show_no_internal_or_other_partner_value(self):
        self.authenticate("t_portal_a", "t_portal_a")
        forbidden = [
            self.partner_b.name,
            "INTERNAL-NOTE",
            self.user_finance.name,
            self.user_channel.name,
            "sources",
        ]
        amount_b = f"{self.line_b.total:,.2f}"
        for url in ("/my/rebates", "/my/channel", self._routes(self.line_a)[0], "/my"):
            with self.subTest(url=url):
                response = self._get(url)
                self.assertEqual(response.status_code, 200)
                for value in forbidden:
                    self.assertNotIn(value, response.text)
                self.assertNotIn(amount_b, response.text)
        page = self._get("/my/rebates").text
        self.assertIn("Tour current program", page)
        self.assertIn("o_rebate_what_if", page)

    def test_other_users_get_no_channel_page(self):
        # a customer's portal user (no channel partner) and an internal user
        self.user_portal.password = "t_portal"
        self.user_rep.password = "t_rep"
        for login in ("t_portal", "t_rep"):
            self.authenticate(login, login)
            for url in ("/my/channel", "/my/rebates", *self._routes(self.line_a)):
                with self.subTest(login=login, url=url):
                    self.assertEqual(self._get(url).status_code, 404)

    def test_tour_passport_what_if_dispute(self):
        self.start_tour("/my/channel", "sales_pm_collab_channel_portal", login="t_portal_a")
        self.assertEqual(self.line_a.signoff_state, "disputed")
        self.assertEqual(self.line_a.signoff_comment, "Invoice TOUR/42 is missing")
        self.assertEqual(self.settlement.activity_ids.user_id, self.user_finance)
