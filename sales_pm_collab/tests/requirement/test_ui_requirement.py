from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..common import MODULE


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRequirement(HttpCase):
    """A rep raises a requirement from a deal; a product manager moves it on the kanban."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env, login="tour_rep", groups=f"{MODULE}.group_collab_sales_rep", name="Tour Rep"
        )
        cls.pm = new_test_user(
            cls.env,
            login="tour_pm",
            groups=f"base.group_user,{MODULE}.group_collab_product_manager",
            name="Tour PM",
            tz="Asia/Shanghai",
        )
        customer = cls.env["res.partner"].create({"name": "Tour Retail Co", "is_company": True})
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Tour: 80-store rollout",
                "type": "opportunity",
                "partner_id": customer.id,
                "expected_revenue": 300000,
                "probability": 40,
                "user_id": cls.rep.id,
            }
        )

    def test_rep_raises_and_pm_moves_it_on_the_kanban(self):
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_pipeline",
            "sales_pm_collab_requirement_raise",
            login="tour_rep",
        )
        requirement = self.env["product.requirement"].search(
            [("name", "=", "Tour: offline receipts for 80 stores")]
        )
        self.assertEqual(len(requirement), 1)
        self.assertEqual(requirement.lead_ids, self.lead)
        self.assertEqual(requirement.requested_by_id, self.rep)
        self.assertEqual(requirement.kind, "improvement")
        self.assertEqual(requirement.state, "new")
        self.assertAlmostEqual(requirement.revenue_at_stake, 120000)
        self.assertFalse(requirement.first_response_date)

        self.start_tour(
            "/odoo/action-sales_pm_collab.action_product_requirement",
            "sales_pm_collab_requirement_triage",
            login="tour_pm",
        )
        self.assertEqual(requirement.stage_id, self.env.ref(f"{MODULE}.requirement_stage_review"))
        self.assertTrue(requirement.first_response_date)
        self.assertEqual(requirement.lead_ids.requirement_ids, requirement)

    def test_rep_gets_suggestions_while_typing(self):
        """Issue 17 item 5: suggestions appear while the title is typed (debounced, no
        need to leave the field), plurals match, the one already linked is greyed."""
        Requirement = self.env["product.requirement"]
        labels = Requirement.create({"name": "Tour: barcode labels on trolleys"})
        scanning = Requirement.create(
            {"name": "Tour: trolley barcode scanning", "lead_ids": [(4, self.lead.id)]}
        )
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_pipeline",
            "sales_pm_collab_requirement_suggest",
            login="tour_rep",
        )
        self.assertEqual(self.lead.requirement_ids, labels | scanning)
        self.assertEqual(
            Requirement.search_count([("name", "ilike", "trolley")]), 2, "no duplicate"
        )

    def test_pm_marks_released_without_a_date(self):
        """Issue 17 item 6: Mark Released without a release date asks for it."""
        release = self.env["product.release"].create({"name": "Tour 1.0"})
        self.env["product.requirement"].create(
            {"name": "Tour: shipped one", "release_id": release.id}
        )
        self.start_tour(
            f"/odoo/action-sales_pm_collab.action_product_release/{release.id}",
            "sales_pm_collab_release_date",
            login="tour_pm",
        )
        self.assertEqual(release.state, "released")
        # today as the product manager sees it (the dialog's default, in their time zone)
        self.assertEqual(
            release.date_released, fields.Date.context_today(release.with_user(self.pm))
        )
