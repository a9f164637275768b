from datetime import date

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..common import MODULE


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRequirementWinback(HttpCase):
    """A requirement a lost deal asked for ships: the rep reopens it from the activity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env,
            login="tour_winback_rep",
            groups=f"{MODULE}.group_collab_sales_rep",
            name="Tour Winback Rep",
        )
        cls.pm = new_test_user(
            cls.env,
            login="tour_winback_pm",
            groups=f"base.group_user,{MODULE}.group_collab_product_manager",
            name="Tour Winback PM",
        )
        customer = cls.env["res.partner"].create({"name": "Tour Bakery Co", "is_company": True})
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Tour: lost for offline mode",
                "type": "opportunity",
                "partner_id": customer.id,
                "expected_revenue": 80000,
                "user_id": cls.rep.id,
            }
        )
        cls.release = cls.env["product.release"].create(
            {"name": "Tour POS 5", "user_id": cls.pm.id, "date_released": date(2026, 3, 2)}
        )
        cls.requirement = cls.env["product.requirement"].create(
            {
                "name": "Tour offline receipts",
                "requested_by_id": cls.rep.id,
                "release_id": cls.release.id,
                "lead_ids": [Command.link(cls.lead.id)],
            }
        )
        cls.lead.action_set_lost()
        cls.release.with_user(cls.pm).action_mark_released()

    def test_rep_reopens_the_lost_deal_from_the_activity(self):
        self.assertEqual(self.lead.winback_requirement_ids, self.requirement)
        self.start_tour("/odoo", "sales_pm_collab_winback", login="tour_winback_rep")
        self.assertTrue(self.lead.active)
        self.assertEqual(self.lead.winback_ids.state, "reopened")
        self.assertEqual(self.lead.winback_ids.answered_uid, self.rep)
