from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestPortalChannelPassport(ChannelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dist_a.write({"grade_id": cls.grade_silver.id})
        contact = cls.env["res.partner"].create({"name": "T-A buyer", "parent_id": cls.dist_a.id})
        cls.portal_a = cls._create_new_portal_user(login="t_portal_dist_a", partner_id=contact.id)

    def _apply(self, partner):
        evaluations = self._evaluate(partner)
        as_manager = evaluations.with_user(self.user_channel)
        as_manager.action_submit()
        as_manager.action_approve()
        as_manager.action_apply()
        return evaluations

    def test_passport_of_the_last_applied_evaluation(self):
        self._silver_figures(self.dist_a)
        evaluation = self._apply(self.dist_a)
        self.assertEqual(evaluation.grade_next_id, self.grade_gold)
        passport = self.portal_a.partner_id.with_user(self.portal_a)._get_channel_passport(
            today=date(2024, 12, 31)
        )
        self.assertEqual(passport["level"], "T-Silver")
        self.assertEqual(passport["next_level"], "T-Gold")
        criteria = {row["key"]: row for row in passport["criteria"]}
        self.assertEqual(
            set(criteria),
            {"min_revenue", "min_collection_rate", "min_new_customers", "min_training_rate"},
        )
        revenue = criteria["min_revenue"]
        self.assertEqual((revenue["value"], revenue["threshold"]), (1500, 5000))
        self.assertEqual(revenue["gap"], 3500)
        self.assertAlmostEqual(revenue["percent"], 30.0)
        self.assertFalse(revenue["met"])
        self.assertTrue(criteria["min_collection_rate"]["met"])
        self.assertEqual(
            {course["name"]: course["done"] for course in passport["courses"]},
            {"T-Install": False, "T-Sales": False},
        )
        self.assertEqual(passport["last_evaluation"]["date_to"], evaluation.date_to)
        self.assertIsNone(passport["grace"])

    def test_no_passport_for_others(self):
        self.assertIsNone(self.customer_x._get_channel_passport())
        # a portal user reads no evaluation, no training, no territory itself
        for model in ("res.partner.grade.evaluation", "res.partner.training", "sale.territory"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.portal_a).search([])
