from datetime import date
from decimal import Decimal

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import RebateCommon

Q1, Q2, Q3 = date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1)
TARGET = 1_000_000


class RebateChannelCommon(RebateCommon):
    """Levels, a territory and the helpers selling through sales orders, with territory
    conflicts and returns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Grade = cls.env["res.partner.grade"]
        cls.grade_gold = Grade.create({"name": "Test rebate Gold", "rebate_multiplier": 150})
        cls.grade_registered = Grade.create(
            {"name": "Test rebate Registered", "rebate_multiplier": 80}
        )
        cls.partner_a.grade_id = cls.grade_gold
        cls.partner_b.grade_id = cls.grade_registered
        # partner_c and partner_d have no level
        cls.territory = cls.env["sale.territory"].create(
            {"name": "Test rebate East", "exclusive": True}
        )

    # === helpers === #
    @classmethod
    def _order_invoice(cls, partner, amount, invoice_date=date(2025, 2, 15), conflicts=()):
        """A confirmed sales order of ``amount`` (untaxed), invoiced and posted on
        ``invoice_date``, with a territory conflict per state in ``conflicts``."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
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
        for state in conflicts:
            cls._conflict(order, state)
        invoice = order._create_invoices()
        invoice.invoice_date = invoice_date
        invoice.action_post()
        return order, invoice

    @classmethod
    def _conflict(cls, order, state="open"):
        return cls.env["sale.territory.conflict"].create(
            {
                "sale_order_id": order.id,
                "seller_id": order.partner_id.commercial_partner_id.id,
                "territory_id": cls.territory.id,
                "state": state,
            }
        )

    @staticmethod
    def _return(invoice, amount, refund_date):
        """A credit note of ``amount`` reversing ``invoice`` through Odoo's reversal, which
        keeps the link to the sales order lines."""
        refund = invoice._reverse_moves([{"invoice_date": refund_date, "date": refund_date}])
        refund.invoice_line_ids.price_unit = amount
        refund.action_post()
        return refund

    def _launch_double(self):
        """The special rebate of the launch product: twice the partner's rate on it."""
        return [
            Command.create(
                {
                    "name": "Test launch double",
                    "product_id": self.product_new.id,
                    "rate_type": "multiple",
                    "factor": 2,
                }
            )
        ]

    def _computed(self, program, date_from=Q1):
        settlement = self._settlement(program, date_from)
        settlement.action_compute()
        return settlement


@tagged("post_install", "-at_install")
class TestRebateChannel(RebateChannelCommon):
    """Rebates with the channel features: partner level multipliers and territory
    conflicts, on real levels, sales orders and conflicts (no patched hooks)."""

    # === level multiplier === #
    def test_multiplier_of_the_partner_level(self):
        """base + growth + special, times the level multiplier, then the cap."""
        program = self._program(
            apply_grade_multiplier=True,
            growth_rate=5,
            cap_amount=60_000,
            special_ids=self._launch_double(),
        )
        for partner in self.partner_a | self.partner_b | self.partner_c:
            self._target(program, partner, TARGET)
        self._invoice(self.partner_a, 800_000, invoice_date=date(2024, 2, 1))  # last year
        self._invoice(
            self.partner_a, 0, lines=[(self.product_hw, 900_000), (self.product_new, 100_000)]
        )
        self._invoice(self.partner_b, 800_000)
        self._invoice(self.partner_c, 1_000_000)
        settlement = self._computed(program)
        line_a = self._line(settlement, self.partner_a)
        # components before the multiplier: 3% of 1,000,000; 2× on 100,000 of the launch
        # product: another 3%; 5% of the 200,000 growth
        self.assertEqual(
            (line_a.base_rebate, line_a.special_rebate, line_a.growth_rebate),
            (30_000, 3_000, 10_000),
        )
        # 43,000 × 150% = 64,500, capped at 60,000 (a cap before the multiplier would
        # have paid 60,000 × 150% = 90,000 or 64,500)
        self.assertEqual((line_a.multiplier, line_a.total, line_a.capped), (150, 60_000, True))
        line_b = self._line(settlement, self.partner_b)
        self.assertEqual((line_b.multiplier, line_b.base_rebate), (80, 16_000))
        self.assertEqual((line_b.total, line_b.capped), (12_800, False), "2% × 800,000 × 80%")
        line_c = self._line(settlement, self.partner_c)
        self.assertEqual((line_c.multiplier, line_c.total), (100, 30_000), "no level: 100%")
        self.assertEqual(settlement.amount_total, 60_000 + 12_800 + 30_000)
        # the same sales in a program without the multiplier: everyone at 100%
        plain = self._program(name="Test no multiplier", growth_rate=5)
        for partner in self.partner_a | self.partner_b:
            self._target(plain, partner, TARGET)
        settlement = self._computed(plain)
        self.assertEqual(settlement.regular_line_ids.mapped("multiplier"), [100.0] * 3)
        self.assertEqual(self._line(settlement, self.partner_a).total, 40_000)
        self.assertEqual(self._line(settlement, self.partner_b).total, 16_000)

    def test_multiplier_reads_the_commercial_entity_in_one_query(self):
        program = self._program(apply_grade_multiplier=True)
        contact = self.env["res.partner"].create(
            {"name": "Test buyer of A", "parent_id": self.partner_a.id}
        )
        self.partner_d.grade_id = self.env["res.partner.grade"].create(
            {"name": "Test rebate zero", "rebate_multiplier": 0}
        )
        partners = contact | self.partner_b | self.partner_c | self.partner_d
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        multipliers = program._get_partner_multipliers(partners)
        self.assertEqual(self.env.cr.sql_log_count - start, 1, "one grouped query")
        self.assertEqual(
            multipliers,
            {contact.id: 150, self.partner_b.id: 80, self.partner_c.id: 100, self.partner_d.id: 0},
            "a contact takes its company's level; no level is 100%; a 0% level pays nothing",
        )
        program.apply_grade_multiplier = False
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        self.assertEqual(set(program._get_partner_multipliers(partners).values()), {100.0})
        self.assertEqual(self.env.cr.sql_log_count - start, 0, "off: no query at all")

    def test_multiplier_frozen_on_the_settlement_line(self):
        program = self._program(apply_grade_multiplier=True)
        for partner in self.partner_a | self.partner_b:
            self._target(program, partner, TARGET)
        self._target(program, self.partner_a, 500_000, Q2)
        invoice_a = self._invoice(self.partner_a, 1_000_000)
        invoice_b = self._invoice(self.partner_b, 800_000)
        q1 = self._settle(program, Q1)
        self.assertEqual(self._line(q1, self.partner_a).total, 45_000, "3% × 150%")
        self.assertEqual(self._line(q1, self.partner_b).total, 12_800, "2% × 80%")
        # the partner moves down a level, and Gold pays more from now on
        self.partner_a.grade_id = self.grade_registered
        self.grade_gold.rebate_multiplier = 200
        q1.invalidate_recordset()
        line = self._line(q1, self.partner_a)
        self.assertEqual((line.multiplier, line.total), (150, 45_000), "settled: unchanged")
        self.assertEqual(
            q1.move_ids.filtered(lambda m: m.partner_id == self.partner_a).amount_total, 45_000
        )
        # late returns of Q1 sales: trued up with the multiplier Q1 was settled with
        self._refund(invoice_a, 100_000, refund_date=date(2025, 4, 20))
        self._refund(invoice_b, 100_000, refund_date=date(2025, 4, 22))
        self._invoice(self.partner_a, 500_000, invoice_date=date(2025, 5, 5))
        q2 = self._computed(program, Q2)
        adjustment = self._line(q2, self.partner_a, "adjustment")
        # 900,000: 2% = 18,000 × 150% = 27,000, against 45,000 settled
        self.assertEqual(adjustment.recomputed_amount, 27_000)
        self.assertEqual(adjustment.adjustment_amount, -18_000)
        self.assertEqual(adjustment.multiplier, 150)
        # Q2's own rebate takes the level of today: 3% of 500,000 × 80%
        regular = self._line(q2, self.partner_a)
        self.assertEqual((regular.multiplier, regular.total), (80, 12_000))
        # a computed settlement is not final: recomputing takes the level of the moment
        self.partner_a.grade_id = self.grade_gold
        q2.action_compute()
        regular = self._line(q2, self.partner_a)
        self.assertEqual((regular.multiplier, regular.total), (200, 30_000))
        # partner B has only a true-up in Q2 (700,000: below 80%): its statement line
        # still carries its level's multiplier for later true-ups of Q2
        self.assertEqual(self._line(q2, self.partner_b, "adjustment").adjustment_amount, -12_800)
        placeholder = self._line(q2, self.partner_b)
        self.assertEqual((placeholder.total, placeholder.multiplier), (0, 80))

    # === territory conflicts === #
    def test_conflicting_orders_are_left_out(self):
        """Open and penalised conflicts leave their order's invoice lines (and credit
        notes) out; accepted ones count; invoices without an order always count."""
        program = self._program(exclude_conflicts=True)
        self._target(program, self.partner_a, TARGET)
        _clean, clean_invoice = self._order_invoice(self.partner_a, 600_000)
        _open, open_invoice = self._order_invoice(self.partner_a, 300_000, conflicts=["open"])
        accepted, accepted_invoice = self._order_invoice(
            self.partner_a, 200_000, conflicts=["accepted"]
        )
        _penalised, penalised_invoice = self._order_invoice(
            self.partner_a, 150_000, conflicts=["penalised"]
        )
        direct = self._invoice(self.partner_a, 100_000)
        returned = self._return(open_invoice, 50_000, date(2025, 3, 10))
        self.assertEqual(
            returned.invoice_line_ids.sale_line_ids, open_invoice.invoice_line_ids.sale_line_ids
        )
        settlement = self._computed(program)
        line = self._line(settlement, self.partner_a)
        # 600,000 + 200,000 + 100,000 = 900,000: 90% of target, 2%
        self.assertEqual((line.base_amount, line.total), (900_000, 18_000))
        # 300,000 − 50,000 + 150,000 left out, shown on the line
        self.assertEqual(line.conflict_excluded_amount, 400_000)
        self.assertEqual(
            line.source_ids.move_line_id.move_id, clean_invoice | accepted_invoice | direct
        )
        # one more conflict of the accepted order, still open: the order is out again
        self._conflict(accepted, "open")
        settlement.action_compute()
        line = self._line(settlement, self.partner_a)
        self.assertEqual((line.base_amount, line.total), (700_000, 0))
        self.assertEqual(line.conflict_excluded_amount, 600_000)
        self.assertNotIn(penalised_invoice, line.source_ids.move_line_id.move_id)
        # the same sales in a program that does not exclude conflicts: 1,300,000, 5%
        plain = self._program(name="Test conflicts count")
        self._target(plain, self.partner_a, TARGET)
        line = self._line(self._computed(plain), self.partner_a)
        self.assertEqual((line.base_amount, line.total), (1_300_000, 65_000))
        self.assertFalse(line.conflict_excluded_amount)

    def test_conflict_recorded_on_confirmation_until_accepted(self):
        """End to end: a channel partner's order delivered into another partner's
        exclusive territory records an open conflict; its sales count once accepted."""
        shanghai = self.env.ref("base.state_cn_SH")
        self.env["sale.territory"].search([("id", "!=", self.territory.id)]).action_archive()
        self.territory.write(
            {
                "country_ids": [Command.set(self.env.ref("base.cn").ids)],
                "state_ids": [Command.set(shanghai.ids)],
                "partner_ids": [Command.set(self.partner_b.ids)],
            }
        )
        self.partner_a.channel_type = "distributor_l1"
        shop = self.env["res.partner"].create(
            {
                "name": "Test Shanghai store",
                "country_id": self.env.ref("base.cn").id,
                "state_id": shanghai.id,
                "zip": "200040",
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner_a.id,
                "partner_shipping_id": shop.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_hw.id,
                            "price_unit": 400_000,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        conflict = order.territory_conflict_ids
        self.assertEqual(conflict.state, "open")
        invoice = order._create_invoices()
        invoice.invoice_date = date(2025, 3, 1)
        invoice.action_post()
        self._invoice(self.partner_a, 800_000)
        program = self._program(exclude_conflicts=True)
        self._target(program, self.partner_a, TARGET)
        settlement = self._computed(program)
        self.assertEqual(self._line(settlement, self.partner_a).base_amount, 800_000)
        conflict.action_accept()
        settlement.action_compute()
        line = self._line(settlement, self.partner_a)
        self.assertEqual((line.base_amount, line.conflict_excluded_amount), (1_200_000, 0))
        self.assertEqual(line.total, 60_000, "5%; the level multiplier is off in this program")
        conflict.action_penalise()
        settlement.action_compute()
        self.assertEqual(self._line(settlement, self.partner_a).base_amount, 800_000)

    def test_conflict_decided_after_settlement_is_trued_up(self):
        program = self._program(exclude_conflicts=True)
        for period in (Q1, Q2, Q3):
            self._target(program, self.partner_a, TARGET, period)
        self._invoice(self.partner_a, 800_000)
        order, invoice = self._order_invoice(self.partner_a, 400_000, conflicts=["open"])
        conflict = order.territory_conflict_ids
        q1 = self._settle(program, Q1)
        line = self._line(q1, self.partner_a)
        self.assertEqual((line.base_amount, line.total), (800_000, 16_000))
        self.assertEqual(line.conflict_excluded_amount, 400_000)
        # accepted in April: the order's sales count for Q1 after all
        conflict.action_accept()
        pending = program._get_pending_adjustments(Q3)
        self.assertEqual(len(pending), 1)
        self.assertEqual((pending[0]["settlement"], pending[0]["adjustment"]), (q1, 44_000))
        q2 = self._settle(program, Q2, moves=False)
        adjustment = self._line(q2, self.partner_a, "adjustment")
        # 1,200,000: 5% = 60,000, against 16,000 settled
        self.assertEqual((adjustment.recomputed_amount, adjustment.total), (60_000, 44_000))
        self.assertEqual(
            [(s.move_line_id, s.amount, s.kind) for s in adjustment.source_ids],
            [(invoice.invoice_line_ids, 400_000, "count")],
        )
        self.assertFalse(program._get_pending_adjustments(Q3), "trued up once")
        # penalised after all: the sales counted in Q2's true-up are corrected out
        conflict.action_penalise()
        q3 = self._computed(program, Q3)
        adjustment = self._line(q3, self.partner_a, "adjustment")
        self.assertEqual(
            (adjustment.settled_amount, adjustment.recomputed_amount, adjustment.total),
            (60_000, 16_000, -44_000),
        )
        self.assertEqual(
            [(s.move_line_id, s.amount, s.kind) for s in adjustment.source_ids],
            [(invoice.invoice_line_ids, -400_000, "correction")],
        )
        # reopening keeps it out: nothing more to true up once Q3 is approved
        q3.action_approve()
        conflict.action_reopen()
        self.assertFalse(program._get_pending_adjustments(date(2025, 10, 1)))
        # Q1 now adds up to what its sales without the conflicting order earn
        q1_lines = self.env["rebate.settlement.line"].search(
            [("partner_id", "=", self.partner_a.id), ("period_date_from", "=", Q1)]
        )
        self.assertEqual(
            sum(q1_lines.filtered(lambda ln: ln.program_id == program).mapped("total")), 16_000
        )

    def test_accrual_leaves_out_open_conflicts(self):
        program = self._program(exclude_conflicts=True, apply_grade_multiplier=True)
        self._target(program, self.partner_a, TARGET, Q2)
        self._invoice(self.partner_a, 700_000, invoice_date=date(2025, 4, 10))
        self._order_invoice(self.partner_a, 300_000, date(2025, 4, 20), conflicts=["open"])
        with freeze_time("2025-05-15"):
            values = {
                v["partner_id"]: v for v in program._get_accrual_values() if v["program"] == program
            }
        accrual = values[self.partner_a.id]
        self.assertEqual((accrual["base"], accrual["attainment"]), (700_000, 70))
        self.assertEqual(accrual["earned"], 0, "70%: below the first band")
        # 45 of 91 days: 700,000 × 91 / 45 = 1,415,555.56 → 5% = 70,777.78, × 150%
        self.assertEqual(accrual["projected"], Decimal("106166.67"))
