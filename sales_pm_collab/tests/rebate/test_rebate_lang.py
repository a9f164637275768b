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
