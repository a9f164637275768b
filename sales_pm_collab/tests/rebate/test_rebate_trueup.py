from datetime import date
from decimal import Decimal

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RebateCommon

Q1, Q2, Q3 = date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1)


@tagged("post_install", "-at_install")
class TestRebateTrueUp(RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program()
        for partner in cls.partner_a | cls.partner_b:
            for period in (Q1, Q2):
                cls._target(cls.program, partner, 1_000_000, period)
        cls.invoice_a = cls._invoice(cls.partner_a, 1_000_000)
        cls.invoice_b = cls._invoice(cls.partner_b, 800_000)
        cls.q1 = cls._settle(cls.program, Q1)

    def _pending(self, before=date(2025, 7, 1)):
        return self.program._get_pending_adjustments(before)

    def test_refund_after_settlement_is_trued_up_next_period(self):
        self.assertEqual(self._line(self.q1, self.partner_a).total, 30_000)
        self.assertFalse(self._pending(), "nothing changed yet")
        refund = self._refund(self.invoice_a, 100_000, refund_date=date(2025, 4, 20))
        self._invoice(self.partner_a, 500_000, invoice_date=date(2025, 5, 5))
        pending = self._pending()
        self.assertEqual(len(pending), 1)
        self.assertEqual(pending[0]["partner_id"], self.partner_a.id)
        self.assertEqual(pending[0]["settlement"], self.q1)
        self.assertEqual((pending[0]["settled"], pending[0]["adjustment"]), (30_000, -12_000))
        # the "Recompute adjustments" view shows it before the next period is settled
        action = self.env["rebate.pending.adjustment"].action_open()
        rows = self.env["rebate.pending.adjustment"].search(action["domain"])
        row = rows.filtered(lambda r: r.program_id == self.program)
        self.assertEqual(
            (row.partner_id, row.adjusted_settlement_id, row.base_delta, row.adjustment_amount),
            (self.partner_a, self.q1, -100_000, -12_000),
        )
        self.assertEqual((row.settled_amount, row.recomputed_amount), (30_000, 18_000))

        q2 = self._settlement(self.program, Q2)
        q2.action_compute()
        adjustment = self._line(q2, self.partner_a, "adjustment")
        self.assertEqual(adjustment.adjustment_amount, -12_000)
        self.assertEqual(adjustment.total, -12_000)
        self.assertEqual(adjustment.adjusted_settlement_id, self.q1)
        self.assertEqual(adjustment.period_date_from, Q1)
        self.assertIn(self.q1.name, adjustment.adjustment_reference)
        self.assertFalse(adjustment.warning)
        self.assertEqual(adjustment.source_ids.move_line_id, refund.invoice_line_ids)
        self.assertEqual(adjustment.source_ids.amount, -100_000)
        self.assertEqual(adjustment.source_ids.kind, "count")
        # the refund is not counted in Q2's own figures, the new Q2 invoice is
        regular = self._line(q2, self.partner_a)
        self.assertEqual(regular.base_amount, 500_000)
        self.assertEqual(q2.amount_adjustment, -12_000)
        self.assertEqual(q2.adjustment_line_ids, adjustment)
        # once trued up, nothing is pending any more, and Q3 does not adjust again
        q2.action_approve()
        self.assertFalse(self._pending(date(2025, 10, 1)))
        q3 = self._settlement(self.program, Q3)
        q3.action_compute()
        self.assertFalse(q3.adjustment_line_ids)
        # one move nets the partner's Q2 rebate and its true-up
        q2.action_create_moves()
        self.assertEqual(
            self._line(q2, self.partner_a, "adjustment").move_id.move_type, "out_invoice"
        )

    def test_cancelled_invoice_is_trued_up(self):
        self.invoice_b.button_draft()
        self.invoice_b.button_cancel()
        q2 = self._settlement(self.program, Q2)
        q2.action_compute()
        adjustment = self._line(q2, self.partner_b, "adjustment")
        self.assertEqual(adjustment.adjustment_amount, -16_000)
        self.assertEqual(adjustment.base_amount, -800_000)
        self.assertEqual(adjustment.source_ids.kind, "correction")
        self.assertEqual(adjustment.source_ids.amount, -800_000)
        self.assertEqual(adjustment.source_ids.move_line_id, self.invoice_b.invoice_line_ids)
        # the partner gets a statement line for Q2 as well, with no sales
        self.assertEqual(self._line(q2, self.partner_b).base_amount, 0)

    def test_back_dated_invoice_is_trued_up(self):
        late = self._invoice(self.partner_b, 250_000, invoice_date=date(2025, 3, 28))
        pending = self._pending()
        self.assertEqual(len(pending), 1)
        # 800,000 → 1,050,000: 2% on 800,000 becomes 3% on 1,050,000
        self.assertEqual(pending[0]["adjustment"], 31_500 - 16_000)
        q2 = self._settlement(self.program, Q2)
        q2.action_compute()
        adjustment = self._line(q2, self.partner_b, "adjustment")
        self.assertEqual(adjustment.source_ids.move_line_id, late.invoice_line_ids)
        self.assertEqual(adjustment.recomputed_amount, 31_500)
        self.assertEqual(adjustment.settled_amount, 16_000)

    def test_only_approved_periods_are_trued_up(self):
        program = self._program(name="Test unapproved")
        self._target(program, self.partner_a, 1_000_000)
        q1 = self._settlement(program, Q1)
        q1.action_compute()
        self._refund(self.invoice_a, 100_000, refund_date=date(2025, 4, 20))
        self.assertFalse(program._get_pending_adjustments(Q3), "a computed period is recomputed")
        q1.action_compute()
        self.assertEqual(self._line(q1, self.partner_a).base_amount, 900_000)

    def test_paid_basis_late_payment_is_trued_up(self):
        program = self._program(name="Test paid", basis="paid")
        self._target(program, self.partner_c, 1_000_000)
        invoice = self._invoice(self.partner_c, 1_000_000)
        self._pay(invoice, 850_000)
        q1 = self._settle(program, Q1)
        self.assertEqual(self._line(q1, self.partner_c).total, 17_000)
        self._pay(invoice, 150_000, pay_date=date(2025, 4, 15))
        q2 = self._settlement(program, Q2)
        q2.action_compute()
        adjustment = self._line(q2, self.partner_c, "adjustment")
        self.assertEqual(adjustment.adjustment_amount, 30_000 - 17_000)
        self.assertEqual(adjustment.source_ids.kind, "correction")
        self.assertEqual(adjustment.source_ids.amount, 150_000)
        q2.action_approve()
        self.assertFalse(program._get_pending_adjustments(date(2025, 10, 1)))

    def test_true_ups_of_true_ups_add_up(self):
        self._refund(self.invoice_a, 100_000, refund_date=date(2025, 4, 20))
        q2 = self._settle(self.program, Q2)
        self._refund(self.invoice_a, 150_000, refund_date=date(2025, 7, 20))
        q3 = self._settlement(self.program, Q3)
        q3.action_compute()
        adjustment = self._line(q3, self.partner_a, "adjustment")
        # Q1 now 750,000: nothing; settled so far 30,000 − 12,000
        self.assertEqual(adjustment.settled_amount, 18_000)
        self.assertEqual(adjustment.adjustment_amount, -18_000)
        settled = self.env["rebate.settlement.line"].search(
            [
                ("partner_id", "=", self.partner_a.id),
                ("period_date_from", "=", Q1),
                ("settlement_id", "in", (self.q1 | q2 | q3).ids),
            ]
        )
        self.assertEqual(sum(settled.mapped("total")), 0)

    def test_cancel_blocked_by_later_true_up(self):
        self._refund(self.invoice_a, 100_000, refund_date=date(2025, 4, 20))
        q2 = self._settlement(self.program, Q2)
        q2.action_compute()
        self.q1.move_ids.button_cancel()
        with self.assertRaisesRegex(UserError, f"carries true-up adjustments of {self.q1.name}"):
            self.q1.action_cancel()
        q2.action_cancel()
        self.q1.action_cancel()
        self.assertEqual(self.q1.state, "cancelled")

    def test_accrual_of_open_period(self):
        self._invoice(self.partner_a, 600_000, invoice_date=date(2025, 4, 10))
        self._refund(self.invoice_b, 100_000, refund_date=date(2025, 4, 12))
        with freeze_time("2025-05-15"):
            values = {
                v["partner_id"]: v
                for v in self.program._get_accrual_values()
                if v["program"] == self.program
            }
            action = self.env["rebate.accrual.report"].action_open()
        a = values[self.partner_a.id]
        self.assertEqual((a["date_from"], a["date_to"]), (Q2, date(2025, 6, 30)))
        self.assertEqual((a["base"], a["target"], a["earned"]), (600_000, 1_000_000, 0))
        self.assertEqual(a["attainment"], 60)
        # 45 of 91 days elapsed: 600,000 × 91 / 45 = 1,213,333.33 → 5% band
        self.assertEqual(a["projected"], Decimal("60666.67"))
        b = values[self.partner_b.id]
        self.assertEqual(b["pending_adjustment"], -16_000)
        self.assertEqual(b["liability"], -16_000)
        rows = self.env["rebate.accrual.report"].search(action["domain"])
        row = rows.filtered(
            lambda r: r.program_id == self.program and r.partner_id == self.partner_a
        )
        self.assertEqual(
            (row.base_amount, row.projected_amount, row.period_label),
            (600_000, 60_666.67, "2025 Q2"),
        )
