import io
from datetime import date

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from ...report.rebate_statement_xlsx import build_statement_workbook
from .common import RebateCommon

REPORT = "sales_pm_collab.action_report_rebate_statement"
INJECTIONS = ['=HYPERLINK("http://evil.example.com","click")', "+1+1", "-2+3", "@SUM(A1:A2)"]


@tagged("post_install", "-at_install")
class TestRebateStatement(RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program(growth_rate=5)
        # a partner whose name is a formula: it must stay text everywhere
        cls.partner_b.name = INJECTIONS[0]
        for partner in cls.partner_a | cls.partner_b:
            cls._target(cls.program, partner, 1_000_000)
            cls._target(cls.program, partner, 1_000_000, date(2025, 4, 1))
        cls.invoice_a = cls._invoice(cls.partner_a, 1_000_000)
        cls.invoice_b = cls._invoice(cls.partner_b, 850_000)
        cls.q1 = cls._settle(cls.program)
        cls._refund(cls.invoice_a, 100_000, refund_date=date(2025, 4, 3))
        cls.invoice_a2 = cls._invoice(cls.partner_a, 1_250_000, invoice_date=date(2025, 5, 3))
        # journal item labels that look like formulas
        cls.invoice_a2.invoice_line_ids.name = INJECTIONS[1]
        cls.invoice_b2 = cls._invoice(
            cls.partner_b,
            0,
            invoice_date=date(2025, 5, 4),
            lines=[(cls.product_hw, 600_000), (cls.product_new, 300_000)],
        )
        cls.invoice_b2.invoice_line_ids[0].name = INJECTIONS[2]
        cls.invoice_b2.invoice_line_ids[1].name = INJECTIONS[3]
        cls.q2 = cls._settle(cls.program, date(2025, 4, 1))

    def _workbook(self, settlement):
        content = build_statement_workbook(settlement)
        return openpyxl.load_workbook(io.BytesIO(content))

    def test_xlsx_content(self):
        workbook = self._workbook(self.q2)
        self.assertEqual(workbook.sheetnames[:2], ["Summary", "Adjustments"])
        self.assertEqual(len(workbook.sheetnames), 4, "one sources sheet per partner")
        summary = workbook["Summary"]
        headers = [cell.value for cell in summary[1]]
        for column in (
            "Partner",
            "Target",
            "Base",
            "Attainment",
            "Base Rebate",
            "Growth Rebate",
            "Special Rebate",
            "Multiplier",
            "Adjustments",
            "Total",
            "Credit Note / Bill",
        ):
            self.assertIn(column, headers)
        self.assertEqual(summary.freeze_panes, "B2")
        self.assertEqual(summary.auto_filter.ref, "A1:X3")
        rows = {row[0].value: row for row in summary.iter_rows(min_row=2)}
        self.assertEqual(set(rows), {self.partner_a.name, self.partner_b.name})
        col = {title: index for index, title in enumerate(headers)}
        row_a = rows[self.partner_a.name]
        self.assertEqual(row_a[col["Base"]].value, 1_250_000)
        self.assertEqual(row_a[col["Base"]].number_format, "#,##0.00")
        self.assertEqual(row_a[col["Attainment"]].value, 1.25)
        self.assertEqual(row_a[col["Attainment"]].number_format, "0.00%")
        self.assertEqual(row_a[col["Base Rebate"]].value, 62_500)
        self.assertEqual(row_a[col["Adjustments"]].value, -12_000, "Q1: 30,000 → 900,000 at 2%")
        self.assertEqual(row_a[col["Total"]].value, 62_500 - 12_000)
        line_a = self._line(self.q2, self.partner_a)
        self.assertEqual(row_a[col["Credit Note / Bill"]].value, line_a.move_id.display_name)

        adjustments = workbook["Adjustments"]
        adj_rows = list(adjustments.iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(adj_rows), 1)
        self.assertEqual(adj_rows[0][:3], (self.partner_a.name, "2025 Q1", self.q1.name))
        self.assertEqual(adj_rows[0][5:8], (30_000, 18_000, -12_000))
        self.assertEqual(adjustments.freeze_panes, "B2")

        sources_a = workbook[self.partner_a.name]
        values = list(sources_a.iter_rows(min_row=2, values_only=True))
        self.assertEqual(sorted(v[-1] for v in values), [-100_000, 1_250_000])
        true_up = next(v for v in values if v[-1] == -100_000)
        self.assertEqual(true_up[5], "2025 Q1", "the true-up's source shows the period it adjusts")

    def test_xlsx_formula_injection_stays_text(self):
        workbook = self._workbook(self.q2)
        found = set()
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(
                        cell.data_type, "f", f"formula in {sheet.title}!{cell.coordinate}"
                    )
                    if cell.value in INJECTIONS:
                        self.assertEqual(cell.data_type, "s")
                        found.add(cell.value)
        self.assertEqual(found, set(INJECTIONS), "every dangerous text is there, as text")
        # the partner's sheet name is sanitised (no formula, valid name)
        self.assertTrue(any(name.startswith("=HYPERLINK(") for name in workbook.sheetnames))

    def test_xlsx_export_action(self):
        action = self.q2.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"/sales_pm_collab/rebate_settlement/{self.q2.id}/xlsx")

    def test_pdf_statement(self):
        line_a = self._line(self.q2, self.partner_a)
        html = self.env["ir.actions.report"]._render_qweb_html(REPORT, line_a.ids)[0].decode()
        self.assertIn("Rebate Statement", html)
        self.assertIn(self.q2.name, html)
        self.assertIn(self.partner_a.name, html)
        self.assertIn("125.00</span> %", html)
        self.assertIn("True-ups of earlier periods", html)
        self.assertIn(self.q1.name, html)
        self.assertIn(self.invoice_a2.name, html)
        self.assertIn(line_a.move_id.display_name, html)
        report = self.env["ir.actions.report"]
        if report.get_wkhtmltopdf_state() == "ok":
            with self.allow_pdf_render():
                pdf, kind = report.with_context(force_report_rendering=True)._render_qweb_pdf(
                    REPORT, line_a.ids
                )
            self.assertEqual(kind, "pdf")
            self.assertTrue(pdf.startswith(b"%PDF"))
        else:
            # no wkhtmltopdf on this machine: Odoo's test mode renders the same QWeb as HTML
            content, kind = report._render_qweb_pdf(REPORT, line_a.ids)
            self.assertEqual(kind, "html")
            self.assertIn(self.partner_a.name.encode(), content)
        action = self.q2.with_user(self.user_finance).action_print_statements()
        self.assertEqual(action["report_name"], "sales_pm_collab.report_rebate_statement")
        self.assertEqual(set(action["context"]["active_ids"]), set(self.q2.regular_line_ids.ids))

    def test_pdf_statement_per_partner_whichever_line_is_printed(self):
        """Printing a true-up line from the lines list prints the partner's statement
        (its period rebate plus true-ups), once per partner, never the true-up counted as
        the period's rebate as well."""
        regular = self._line(self.q2, self.partner_a)
        adjustment = self._line(self.q2, self.partner_a, "adjustment")
        self.assertTrue(adjustment)
        render = self.env["ir.actions.report"]._render_qweb_html
        expected = render(REPORT, regular.ids)[0].decode()
        for ids in (adjustment.ids, (adjustment | regular).ids):
            with self.subTest(ids=ids):
                html = render(REPORT, ids)[0].decode()
                self.assertEqual(html.count("Rebate Statement"), 1)
                self.assertIn("50,500.00", html, "62,500 for the period − 12,000 true-up")
                self.assertNotIn("38,500.00", html)
                self.assertEqual(html, expected)

    def test_send_statements(self):
        self.q2.with_user(self.user_finance).action_send_statements()
        messages = self.q2.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(messages), 2, "one statement per partner")
        message_a = messages.filtered(lambda m: self.partner_a in m.partner_ids)
        self.assertIn(self.q2.name, message_a.subject)
        self.assertEqual(len(message_a.attachment_ids), 1)
        self.assertIn(self.partner_a.name, message_a.attachment_ids.name)
        mails = self.env["mail.mail"].search([("mail_message_id", "in", messages.ids)])
        self.assertEqual(mails.recipient_ids, self.partner_a | self.partner_b)

    def test_send_statements_needs_emails_and_approval(self):
        self.partner_b.email = False
        with self.assertRaisesRegex(UserError, "no email address"):
            self.q2.action_send_statements()
        draft = self._settlement(self.program, date(2025, 7, 1))
        with self.assertRaisesRegex(UserError, "once settlement"):
            draft.action_send_statements()
