from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ...models.requirement.product_requirement_portal import PORTAL_KEYS
from .common import RequirementCommon


@tagged("post_install", "-at_install")
class TestPortalRequirement(RequirementCommon):
    """The customer-safe view of requirements (`/my/requests`): which requirements a
    customer company sees, and only whitelisted values of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead_a = cls._lead(cls.contact_a, 120000)
        cls.lead_b = cls._lead(cls.contact_b, 80000)
        cls.release = cls.env["product.release"].create(
            {"name": "CloudPOS 9.9", "product_id": cls.product.id, "user_id": cls.user_pm.id}
        )
        internal = {
            "market_size": 987654,
            "market_note": "INTERNAL market sizing",
            "competitor_note": "INTERNAL competitor pricing",
            "decision_note": "INTERNAL decision note",
            "review_note": "<p>INTERNAL review note</p>",
        }
        cls.by_lead = cls._requirement(
            "Offline mode", lead_ids=[Command.set(cls.lead_a.ids)], **internal
        )
        cls.by_customer = cls._requirement(
            "Member points export",
            partner_ids=[Command.set(cls.customer_a.ids)],
            stage_id=cls.stage_testing.id,
        )
        cls.released = cls._requirement(
            "E-invoices at the POS",
            partner_ids=[Command.set(cls.customer_a.ids)],
            stage_id=cls.stage_released.id,
            release_id=cls.release.id,
        )
        cls.declined = cls._requirement(
            "Blockchain loyalty",
            lead_ids=[Command.set(cls.lead_a.ids)],
            stage_id=cls.stage_declined.id,
            decline_reason="INTERNAL we will never build this",
        )
        cls.other = cls._requirement(
            "Secret plan of customer B", lead_ids=[Command.set(cls.lead_b.ids)]
        )

    def _view(self, partner):
        Requirement = self.env["product.requirement"]
        return {row["title"]: row for row in Requirement._portal_requests(partner)}

    def test_only_the_company_requirements(self):
        rows = self._view(self.contact_a2)  # another person of the same company
        self.assertEqual(
            set(rows),
            {"Offline mode", "Member points export", "E-invoices at the POS", "Blockchain loyalty"},
        )
        self.assertEqual(self.env["product.requirement"]._portal_request_count(self.contact_a2), 4)
        self.assertEqual(set(self._view(self.contact_b)), {"Secret plan of customer B"})
        self.assertFalse(self._view(self.contact_c))

    def test_lost_deals_still_link_archived_requirements_do_not(self):
        self.lead_a.action_set_lost()
        self.assertIn("Offline mode", self._view(self.contact_a))
        self.by_lead.active = False
        self.assertNotIn("Offline mode", self._view(self.contact_a))

    def test_only_whitelisted_values(self):
        for title, row in self._view(self.contact_a).items():
            with self.subTest(title=title):
                self.assertEqual(tuple(row), PORTAL_KEYS)
                text = repr(row)
                for secret in ("INTERNAL", "987654", "120000", "120,000"):
                    self.assertNotIn(secret, text)

    def test_statuses_in_customer_words(self):
        rows = self._view(self.contact_a)
        self.assertEqual(rows["Offline mode"]["status"], "received")
        self.assertEqual(rows["Offline mode"]["status_label"], "Request received")
        self.assertEqual(rows["Member points export"]["status"], "beta")
        self.assertEqual(rows["Blockchain loyalty"]["status"], "declined")
        self.assertFalse(rows["Blockchain loyalty"]["reason"])
        self.by_lead.stage_id = self.stage_development
        self.assertEqual(self._view(self.contact_a)["Offline mode"]["status"], "planned")

    def test_release_only_once_public(self):
        row = self._view(self.contact_a)["E-invoices at the POS"]
        self.assertEqual(row["status_label"], "Released")
        self.assertFalse(row["release"])
        self.assertFalse(row["release_date"])
        self.release.write({"state": "released", "date_released": date(2026, 3, 2)})
        row = self._view(self.contact_a)["E-invoices at the POS"]
        self.assertEqual(row["status_label"], "Released in CloudPOS 9.9")
        self.assertEqual(row["release"], "CloudPOS 9.9")
        self.assertEqual(row["release_date"], date(2026, 3, 2))

    def test_decline_reason_only_when_shared(self):
        self.declined.decline_reason_shared = True
        row = self._view(self.contact_a)["Blockchain loyalty"]
        self.assertEqual(row["reason"], "INTERNAL we will never build this")
        self.assertEqual(row["status_label"], "Not planned")

    def test_only_product_managers_share_a_decline_reason(self):
        self.declined.with_user(self.user_pm).decline_reason_shared = True
        self.assertTrue(self.declined.decline_reason_shared)
        for user in (self.user_rep, self.user_sales_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.declined.with_user(user).decline_reason_shared = False
        self.assertTrue(self.declined.decline_reason_shared)

    def test_in_the_reader_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        rows = {
            row["title"]: row
            for row in self.env["product.requirement"]
            .with_context(lang="zh_CN")
            ._portal_requests(self.contact_a)
        }
        self.assertEqual(rows["Offline mode"]["status_label"], "已收到需求")
        self.assertEqual(rows["Member points export"]["status_label"], "测试版中")
