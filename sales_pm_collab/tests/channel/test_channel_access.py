from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelAccess(ChannelCommon):
    """Channel managers manage; reps read; finance and product managers read; companies
    are kept apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.evaluation = cls.env["res.partner.grade.evaluation"].create_for_partners(
            cls.dist_a, cls.DATE_FROM, cls.DATE_TO
        )
        cls.territory = cls.env["sale.territory"].create(
            {"name": "T-Zone", "exclusive": True, "partner_ids": [Command.set(cls.dist_a.ids)]}
        )

    def test_channel_manager_manages_everything(self):
        env = self.env(user=self.user_channel)
        grade = env["res.partner.grade"].create({"name": "T-Bronze+", "sequence": 50})
        grade.rebate_multiplier = 105
        territory = env["sale.territory"].create({"name": "T-New zone"})
        env["res.partner"].browse(self.dist_b.id).write(
            {"channel_type": "retailer", "territory_ids": [Command.link(territory.id)]}
        )
        env["res.partner.training"].create(
            {"partner_id": self.dist_b.id, "course_id": self.course_install.id}
        )
        env["res.partner.training.course"].create({"name": "T-new course"})
        evaluation = env["res.partner.grade.evaluation"].browse(self.evaluation.id)
        evaluation.action_submit()
        self.assertEqual(evaluation.state, "to_approve")

    def test_rep_reads_but_cannot_edit(self):
        env = self.env(user=self.user_rep)
        partner = env["res.partner"].browse(self.dist_a.id)
        self.assertEqual(partner.channel_type, "distributor_l1")
        self.assertEqual(partner.territory_ids.name, "T-Zone")
        self.assertFalse(partner.channel_can_edit)
        env["res.partner.grade"].browse(self.grade_gold.id).read(["name", "min_revenue"])
        env["res.partner.grade.evaluation"].browse(self.evaluation.id).read(["revenue"])
        with self.assertRaises(AccessError):
            partner.channel_type = "agent"
        with self.assertRaises(AccessError):
            partner.grade_id = self.grade_gold
        with self.assertRaises(AccessError):
            partner.territory_ids = [Command.clear()]
        with self.assertRaises(AccessError):
            env["res.partner.grade"].browse(self.grade_gold.id).min_revenue = 1
        with self.assertRaises(AccessError):
            env["res.partner.grade"].create({"name": "T-rep grade", "sequence": 99})
        with self.assertRaises(AccessError):
            env["res.partner.grade.evaluation"].browse(self.evaluation.id).note = "x"
        with self.assertRaises(AccessError):
            env["res.partner.grade.evaluation"].create_for_partners(
                self.dist_a, self.DATE_FROM, self.DATE_TO
            )
        with self.assertRaises(AccessError):
            env["sale.territory"].create({"name": "T-rep zone"})
        with self.assertRaises(AccessError):
            env["res.partner"].create({"name": "T-rep channel", "channel_type": "agent"})
        # the rep can still edit ordinary partner fields and create customers
        partner.phone = "+86 21 5555 0000"
        env["res.partner"].create({"name": "T-rep customer", "is_company": True})

    def test_finance_and_pm_read_only(self):
        for user in (self.user_finance, self.user_pm):
            with self.subTest(user=user.login):
                env = self.env(user=user)
                evaluation = env["res.partner.grade.evaluation"].browse(self.evaluation.id)
                evaluation.read(["revenue", "state"])
                env["sale.territory"].browse(self.territory.id).read(["name"])
                env["res.partner.training.course"].search([]).read(["name"])
                with self.assertRaises(AccessError):
                    evaluation.write({"notify_partner": False})
                with self.assertRaises(AccessError):
                    env["sale.territory"].browse(self.territory.id).name = "x"

    def test_rep_cannot_bypass_through_the_context(self):
        """The context is the caller's (RPC): it opens no door."""
        env = self.env(user=self.user_rep, context={"channel_grade_from_sale": True})
        with self.assertRaises(AccessError):
            env["res.partner"].browse(self.dist_a.id).grade_id = self.grade_gold

    def test_rep_selling_a_membership_sets_the_level(self):
        """Core partnership: confirming an order of a membership product sets the
        customer's level, also when the salesperson may not change levels by hand."""
        membership = self.env["product.product"].create(
            {
                "name": "T-Gold membership",
                "type": "service",
                "list_price": 1000,
                "service_tracking": "partnership",
                "grade_id": self.grade_gold.id,
            }
        )
        order = (
            self.env["sale.order"]
            .with_user(self.user_rep)
            .create(
                {
                    "partner_id": self.customer_x.id,
                    "order_line": [Command.create({"product_id": membership.id})],
                }
            )
        )
        order.action_confirm()
        self.assertEqual(self.customer_x.grade_id, self.grade_gold)
        self.assertEqual(self.customer_x.specific_property_product_pricelist, self.pricelist_gold)
        self.assertTrue(self.customer_x.grade_date)

    def test_sales_manager_manages_grades(self):
        env = self.env(user=self.user_sales_manager)
        env["res.partner.grade"].browse(self.grade_registered.id).benefit_note = "<p>ok</p>"
        env["res.partner"].browse(self.dist_b.id).channel_type = "ecommerce"
        # but the evaluations are the channel managers' (the sales manager reads them)
        evaluation = env["res.partner.grade.evaluation"].browse(self.evaluation.id)
        evaluation.read(["revenue"])
        with self.assertRaisesRegex(UserError, "Only channel managers"):
            evaluation.action_submit()

    def test_portal_and_employee_denied(self):
        with self.assertRaises(AccessError):
            self.env["res.partner.grade.evaluation"].with_user(self.user_portal).search([])
        with self.assertRaises(AccessError):
            self.env["res.partner.grade.evaluation"].with_user(self.user_employee).search([])
        with self.assertRaises(AccessError):
            self.env["sale.territory.conflict"].with_user(self.user_employee).search([])

    def test_rep_sees_conflicts_of_own_orders_only(self):
        product = self.env["product.product"].create({"name": "T-item"})
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.dist_b.id,
                    "user_id": user.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
                for user in (self.user_rep, self.user_channel)
            ]
        )
        conflicts = self.env["sale.territory.conflict"].create(
            [
                {
                    "sale_order_id": order.id,
                    "seller_id": self.dist_b.id,
                    "territory_id": self.territory.id,
                    "owner_ids": [Command.set(self.dist_a.ids)],
                }
                for order in orders
            ]
        )
        mine = (
            self.env["sale.territory.conflict"]
            .with_user(self.user_rep)
            .search([("id", "in", conflicts.ids)])
        )
        self.assertEqual(mine.sale_order_id, orders[0])
        with self.assertRaises(AccessError):
            mine.state = "accepted"
        every = (
            self.env["sale.territory.conflict"]
            .with_user(self.user_channel)
            .search([("id", "in", conflicts.ids)])
        )
        self.assertEqual(len(every), 2)

    def test_multi_company_evaluations_and_territories(self):
        other_company = self.env["res.company"].create({"name": "T-Other Co"})
        other_territory = self.env["sale.territory"].create(
            {"name": "T-Other zone", "company_id": other_company.id}
        )
        env = self.env(user=self.user_channel)
        self.assertFalse(env["sale.territory"].search([("id", "=", other_territory.id)]))
        evaluation = (
            self.env["res.partner.grade.evaluation"]
            .with_company(other_company)
            .create_for_partners(self.dist_b, self.DATE_FROM, self.DATE_TO)
        )
        self.assertEqual(evaluation.company_id, other_company)
        self.assertFalse(env["res.partner.grade.evaluation"].search([("id", "=", evaluation.id)]))
        # levels and courses of another company are not shown, shared ones are
        Grade = self.env["res.partner.grade"]
        other_grade = Grade.create({"name": "T-Other level", "company_id": other_company.id})
        shared_grade = Grade.create({"name": "T-Shared level", "company_id": False})
        other_course = self.env["res.partner.training.course"].create(
            {"name": "T-Other course", "company_id": other_company.id}
        )
        visible = env["res.partner.grade"].search([("id", "in", (other_grade | shared_grade).ids)])
        self.assertEqual(visible, shared_grade)
        self.assertNotIn(other_grade, env["res.partner.grade"]._get_ladder())
        self.assertFalse(env["res.partner.training.course"].search([("id", "=", other_course.id)]))
