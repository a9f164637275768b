"""The partner rebate balance on statements and accruals (issue 13 item 6): credited,
used, expired or reversed and open, per partner and program, from the ledger."""

import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from odoo.tests import tagged

from ...report.rebate_statement_xlsx import build_statement_workbook
from .common import RebateCommon

REPORT = "sales_pm_collab.action_report_rebate_statement"


@tagged("post_install", "-at_install")
class TestRebateBalanceStatement(RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # partner A reaches 100% of its target (3% of 100,000 = 3,000 credited), partner
        # B 80% (2% of 40,000 = 800 credited)
        cls.program = cls._program(
            payout="order_deduction", journal_id=False, deduction_max_percent=50
        )
        cls._target(cls.program, cls.partner_a, 100_000)
        cls._target(cls.program, cls.partner_b, 50_000)
        cls._invoice(cls.partner_a, 100_000)
        cls._invoice(cls.partner_b, 40_000)
        cls.settlement = cls._settle(cls.program)
        cls.Move = cls.env["rebate.balance.move"]
        order_1, order_2, order_3 = cls.env["sale.order"].create(
            [{"partner_id": cls.partner_a.id}] * 2 + [{"partner_id": cls.partner_b.id}]
        )
        claim_free = {"company_id": cls.company.id, "payout": "order_deduction"}
        cls.Move._record(
            [
                # A: two orders use 1,000 and 500, the second is cancelled (+500 back),
                # 200 expires → open 3,000 - 1,000 - 200 = 1,800
                dict(claim_free, partner_id=cls.partner_a.id, program_id=cls.program.id,
                     kind="use", amount=-1_000, sale_order_id=order_1.id),
                dict(claim_free, partner_id=cls.partner_a.id, program_id=cls.program.id,
                     kind="use", amount=-500, sale_order_id=order_2.id),
                dict(claim_free, partner_id=cls.partner_a.id, program_id=cls.program.id,
                     kind="reversal", amount=500, sale_order_id=order_2.id),
                dict(claim_free, partner_id=cls.partner_a.id, program_id=cls.program.id,
                     kind="expiry", amount=-200),
                # B: an order uses 300 → open 500
                dict(claim_free, partner_id=cls.partner_b.id, program_id=cls.program.id,
                     kind="use", amount=-300, sale_order_id=order_3.id),
            ]
        )  # fmt: skip
        # another program's balance of A is not this program's
        cls.other = cls._program(name="Test other balance", payout="fund", journal_id=False)
        cls.Move._record(
            [
                dict(claim_free, partner_id=cls.partner_a.id, program_id=cls.other.id,
                     payout="fund", kind="credit", amount=9_999),
            ]
        )  # fmt: skip
        cls.line_a = cls._line(cls.settlement, cls.partner_a)
        cls.line_b = cls._line(cls.settlement, cls.partner_b)

    def test_figures_per_partner_and_program(self):
        figures = self.Move._get_balance_figures(
            self.partner_a | self.partner_b | self.partner_c, self.program | self.other
        )
        self.assertEqual(
            figures,
            {
                (self.partner_a.id, self.program.id): {
                    "credited": 3_000,
                    "used": -1_000,
                    "expired": -200,
                    "open": 1_800,
                },
                (self.partner_b.id, self.program.id): {
                    "credited": 800,
                    "used": -300,
                    "expired": 0,
                    "open": 500,
                },
                (self.partner_a.id, self.other.id): {
                    "credited": 9_999,
                    "used": 0,
                    "expired": 0,
                    "open": 9_999,
                },
            },
        )
        # the open balance is the one the orders spend
        self.assertEqual(
            self.Move._get_partner_balance(self.partner_a, "order_deduction", self.company), 1_800
        )

    def test_settlement_cancelled_reversal_counts_as_reversed(self):
        self.Move._record(
            [
                {
                    "partner_id": self.partner_b.id,
                    "program_id": self.program.id,
                    "company_id": self.company.id,
                    "payout": "order_deduction",
                    "kind": "reversal",
                    "amount": -500,
                    "settlement_line_id": self.line_b.id,
                }
            ]
        )
        balances = self.settlement._get_statement_balances()
        self.assertEqual(
            balances[self.partner_b.id], {"credited": 800, "used": -300, "expired": -500, "open": 0}
        )

    def test_statement_balances_only_for_balance_payouts(self):
        balances = self.settlement._get_statement_balances()
        self.assertEqual(set(balances), {self.partner_a.id, self.partner_b.id})
        self.assertEqual(balances[self.partner_a.id]["open"], 1_800)
        credit_note_program = self._program(name="Test credit note rebate")
        self._target(credit_note_program, self.partner_a, 100_000)
        settlement = self._settle(credit_note_program)
        self.assertEqual(settlement._get_statement_balances(), {})
        self.assertFalse(self._line(settlement, self.partner_a)._get_statement_balance())

    def _html(self, lines):
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(REPORT, lines.ids)
        return html.decode()

    def test_pdf_statement_shows_the_partners_balance(self):
        html = self._html(self.line_a)
        self.assertIn('name="rebate_balance"', html)
        self.assertIn("Order deduction balance", html)
        for label, amount in (
            ("Credited", "3,000.00"),
            ("Used", "1,000.00"),
            ("Expired or reversed", "200.00"),
            ("Open balance", "1,800.00"),
        ):
            with self.subTest(label=label):
                self.assertRegex(
                    html, rf"(?s)<td>{label}[^<]*</td>\s*<td[^>]*>(?:(?!</td>).)*{amount}</span>"
                )
        self.assertNotIn("9,999.00", html, "another program's balance")
        self.assertNotIn("300.00", html, "another partner's balance")

    def test_pdf_statement_of_a_credit_note_program_has_no_balance(self):
        program = self._program(name="Test credit note rebate")
        self._target(program, self.partner_a, 100_000)
        settlement = self._settle(program)
        html = self._html(self._line(settlement, self.partner_a))
        self.assertIn("Rebate Statement", html)
        self.assertNotIn('name="rebate_balance"', html)

    def test_xlsx_summary_has_the_balance_columns(self):
        workbook = openpyxl.load_workbook(io.BytesIO(build_statement_workbook(self.settlement)))
        rows = list(workbook["Summary"].iter_rows(values_only=True))
        headers = rows[0]
        self.assertEqual(
            headers[-4:],
            ("Balance Credited", "Balance Used", "Balance Expired or Reversed", "Open Balance"),
        )
        by_partner = {row[0]: row[-4:] for row in rows[1:]}
        self.assertEqual(by_partner[self.partner_a.name], (3_000, -1_000, -200, 1_800))
        self.assertEqual(by_partner[self.partner_b.name], (800, -300, 0, 500))
        # the portal's download: the partner's own row only
        own = openpyxl.load_workbook(
            io.BytesIO(build_statement_workbook(self.settlement, partner=self.partner_b))
        )
        rows = list(own["Summary"].iter_rows(values_only=True))
        self.assertEqual([row[-4:] for row in rows[1:]], [(800, -300, 0, 500)])

    def test_xlsx_of_a_credit_note_program_has_no_balance_columns(self):
        program = self._program(name="Test credit note rebate")
        self._target(program, self.partner_a, 100_000)
        settlement = self._settle(program)
        workbook = openpyxl.load_workbook(io.BytesIO(build_statement_workbook(settlement)))
        headers = next(workbook["Summary"].iter_rows(values_only=True))
        self.assertNotIn("Open Balance", headers)
        self.assertEqual(headers[-1], "Dispute Reason")

    def test_accrual_shows_the_open_balance(self):
        self._target(self.program, self.partner_a, 100_000, date(2025, 4, 1))
        self._target(self.program, self.partner_b, 100_000, date(2025, 4, 1))
        self._invoice(self.partner_a, 10_000, invoice_date=date(2025, 4, 10))
        self._invoice(self.partner_b, 10_000, invoice_date=date(2025, 4, 10))
        with freeze_time("2025-05-15"):
            action = self.env["rebate.accrual.report"].with_user(self.user_finance).action_open()
        rows = (
            self.env["rebate.accrual.report"].with_user(self.user_finance).search(action["domain"])
        )
        mine = rows.filtered(lambda r: r.program_id == self.program)
        self.assertEqual(
            {(r.partner_id, r.balance_open) for r in mine},
            {(self.partner_a, 1_800), (self.partner_b, 500)},
        )
