"""Users without a Collaboration role keep working: core's forms open for them as before."""

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.base.tests.common import BaseCommon

# core roles that never received a Collaboration group
CORE_ROLES = {
    "t_core_salesman": "sales_team.group_sale_salesman",
    "t_core_salesman_all": "sales_team.group_sale_salesman_all_leads",
    "t_core_invoicing": "account.group_account_invoice",
}


@tagged("post_install", "-at_install")
class TestUsersWithoutRole(BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            login: new_test_user(cls.env, login=login, groups=f"base.group_user,{group}")
            for login, group in CORE_ROLES.items()
        }
        cls.customer = cls.env["res.partner"].create(
            {"name": "Core customer", "is_company": True, "email": "core@example.com"}
        )
        cls.product = cls.env["product.product"].create({"name": "Core product", "list_price": 10})

    def test_sales_order_form_opens_and_saves(self):
        """The quotation form (with the addon's territory fields and buttons) opens and
        saves for a salesperson of core Sales ("Own Documents Only") without any role."""
        for login in ("t_core_salesman", "t_core_salesman_all"):
            user = self.users[login]
            with self.subTest(login=login):
                order = (
                    self.env["sale.order"]
                    .with_user(user)
                    .create(
                        {
                            "partner_id": self.customer.id,
                            "user_id": user.id,
                            "order_line": [Command.create({"product_id": self.product.id})],
                        }
                    )
                )
                with Form(order) as form:
                    form.client_order_ref = "PO-42"
                self.assertEqual(order.client_order_ref, "PO-42")
                order.action_confirm()
                self.assertEqual(order.state, "sale")

    def test_opportunity_and_partner_forms_open(self):
        for login in ("t_core_salesman", "t_core_salesman_all"):
            user = self.users[login]
            with self.subTest(login=login):
                lead = (
                    self.env["crm.lead"]
                    .with_user(user)
                    .create(
                        {
                            "name": "Core deal",
                            "type": "opportunity",
                            "partner_id": self.customer.id,
                            "user_id": user.id,
                        }
                    )
                )
                with Form(lead) as form:
                    form.expected_revenue = 1000
                self.assertEqual(lead.expected_revenue, 1000)
                with Form(self.customer.with_user(user)) as form:
                    form.phone = "+86 21 5555 0000"
                self.assertEqual(self.customer.phone, "+86 21 5555 0000")

    def test_invoice_form_opens(self):
        user = self.users["t_core_invoicing"]
        move = (
            self.env["account.move"]
            .with_user(user)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": self.product.id, "price_unit": 10})
                    ],
                }
            )
        )
        with Form(move) as form:
            form.ref = "core ref"
        self.assertEqual(move.ref, "core ref")
