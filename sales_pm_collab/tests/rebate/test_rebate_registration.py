from datetime import date

from odoo import Command, fields
from odoo.tests import tagged

from .common import RebateCommon

Q1 = date(2025, 1, 1)


@tagged("post_install", "-at_install")
class TestRebateRegisteredDeals(RebateCommon):
    """The program option "only registered deals count": the invoice lines of orders
    whose opportunity came from an approved deal registration of the partner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.partner_a | cls.partner_b).write({"channel_type": "agent"})
        registration = (
            cls.env["crm.deal.registration"]
            .with_user(cls.user_channel)
            .create(
                {
                    "partner_id": cls.partner_a.id,
                    "customer_name": "Test 苏州工业园区客户",
                    "country_id": cls.env.ref("base.cn").id,
                    "city": "苏州",
                    "expected_close_date": fields.Date.today(),
                }
            )
        )
        registration.action_submit()
        registration.action_approve()
        cls.registration = registration.with_user(cls.env.user)
        # a registration submitted but never approved: its deal does not count
        pending = (
            cls.env["crm.deal.registration"]
            .with_user(cls.user_channel)
            .create(
                {
                    "partner_id": cls.partner_a.id,
                    "customer_name": "Test 无锡客户",
                    "country_id": cls.env.ref("base.cn").id,
                    "city": "无锡",
                    "expected_close_date": fields.Date.today(),
                }
            )
        )
        pending.action_submit()
        cls.pending_lead = cls.env["crm.lead"].create(
            {"name": "Test unregistered deal", "type": "opportunity"}
        )

    @classmethod
    def _order_invoice(cls, partner, amount, opportunity=None):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "opportunity_id": opportunity.id if opportunity else False,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product_hw.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.invoice_date = date(2025, 2, 15)
        invoice.action_post()
        return invoice

    def _bases(self, program):
        settlement = self._settlement(program, Q1)
        settlement.action_compute()
        return {
            partner: self._line(settlement, partner).base_amount
            for partner in (self.partner_a, self.partner_b)
        }

    def test_only_registered_deals_count(self):
        self._order_invoice(self.partner_a, 800_000, opportunity=self.registration.lead_id)
        self._order_invoice(self.partner_a, 300_000, opportunity=self.pending_lead)
        self._order_invoice(self.partner_a, 200_000)
        self._invoice(self.partner_a, 100_000)  # typed in Accounting, no order
        # another partner's order of A's registered deal is no registered deal of B's
        self._order_invoice(self.partner_b, 50_000, opportunity=self.registration.lead_id)
        program = self._program(registered_deals_only=True)
        bases = self._bases(program)
        self.assertEqual(bases[self.partner_a], 800_000)
        self.assertFalse(bases[self.partner_b])
        everything = self._program(name="Test all deals")
        bases = self._bases(everything)
        self.assertEqual(bases[self.partner_a], 1_400_000)
        self.assertEqual(bases[self.partner_b], 50_000)

    def test_registered_deal_still_counts_once_won(self):
        self._order_invoice(self.partner_a, 400_000, opportunity=self.registration.lead_id)
        self.registration.lead_id.action_set_won()
        self.assertEqual(self.registration.state, "won")
        program = self._program(registered_deals_only=True)
        self.assertEqual(self._bases(program)[self.partner_a], 400_000)
