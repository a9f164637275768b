from datetime import date

from odoo.tests import tagged

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateLang(RebateCommon):
    """Periods are named in the reader's language; a partner's credit note in its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("zh_CN", "zh_TW"):
            cls.env["res.lang"]._activate_lang(code)

    def test_period_labels_in_the_readers_language(self):
        cases = [
            ("quarter", date(2025, 4, 1), "2025 Q2", "2025年第2季度", "2025年第2季"),
            ("half_year", date(2025, 7, 1), "2025 H2", "2025年下半年", "2025年下半年"),
            ("month", date(2025, 3, 1), "2025-03", "2025年03月", "2025年03月"),
        ]
        for period, date_from, en, cn, tw in cases:
            with self.subTest(period=period):
                program = self._program(period=period, name=f"Test {period}")
                settlement = self._settlement(program, date_from)
                labels = [
                    settlement.with_context(lang=lang).period_label
                    for lang in ("en_US", "zh_CN", "zh_TW")
                ]
                self.assertEqual(labels, [en, cn, tw])

    def test_credit_note_in_the_partners_language(self):
        self.partner_a.lang = "zh_CN"
        program = self._program()
        self._target(program, self.partner_a, 1_000_000)
        self._invoice(self.partner_a, 1_000_000)
        # the accountant works in English (the tests' language)
        settlement = self._settle(program)
        move = self._line(settlement, self.partner_a).move_id
        self.assertEqual(move.invoice_line_ids.name, "返利 Test stepped rebate 2025年第1季度")
        self.assertTrue(move.ref.endswith("Test stepped rebate 2025年第1季度"))

    def test_credit_notes_of_one_batch_each_in_its_partners_language(self):
        """The labels are translated once per language of the batch, not once per line:
        each partner still reads its own, and the journal items carry the rebate."""
        self.partner_a.lang = "zh_CN"
        self.partner_b.lang = "zh_TW"
        program = self._program()
        for partner in (self.partner_a, self.partner_b, self.partner_c):
            self._target(program, partner, 1_000_000)
            self._invoice(partner, 1_000_000)
        settlement = self._settle(program)
        moves = {
            partner: self._line(settlement, partner).move_id
            for partner in (self.partner_a, self.partner_b, self.partner_c)
        }
        self.assertEqual(
            [moves[p].invoice_line_ids.name for p in moves],
            [
                "返利 Test stepped rebate 2025年第1季度",
                "返利 Test stepped rebate 2025年第1季",
                "Rebate Test stepped rebate 2025 Q1",
            ],
        )
        self.assertEqual(
            [moves[p].ref.rsplit(" ", 1)[1] for p in moves],
            ["2025年第1季度", "2025年第1季", "Q1"],
        )
        for move in moves.values():
            self.assertEqual(move.move_type, "out_refund")
            self.assertEqual(move.invoice_line_ids.mapped("balance"), [30_000])
            self.assertEqual(move.invoice_line_ids.mapped("amount_currency"), [30_000])
            self.assertEqual(move.amount_total, 30_000)
            receivable = move.line_ids.filtered(lambda ln: ln.display_type == "payment_term")
            self.assertEqual(receivable.balance, -30_000)
