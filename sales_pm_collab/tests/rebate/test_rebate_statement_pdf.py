import io
import re
import unicodedata
import unittest

from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .common import RebateCommon

REPORT = "sales_pm_collab.action_report_rebate_statement"
# a program name that makes the credit notes' reference longer than the 50 characters
# an account.move's display name keeps ("... [...]")
PROGRAM_NAME = "华东区一级分销商季度返利计划 Distributor Quarterly Volume Rebate Program"


def _squeeze(text):
    """Text without whitespace (PDF text extraction breaks lines where the page did and
    separates words with tabs), in NFKC form (it reads 一 as the Kangxi radical ⼀)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@tagged("post_install", "-at_install")
class TestRebateStatementPdf(RebateCommon):
    """The PDF statements as wkhtmltopdf really renders them (Odoo's test mode renders
    HTML unless `force_report_rendering`), with the wkhtmltopdf `make test` installs:
    Debian's, built on an unpatched Qt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program(name=PROGRAM_NAME)
        cls.partners = cls.partner_a | cls.partner_b | cls.partner_c
        for partner, amount in zip(cls.partners, (1_000_000, 850_000, 900_000), strict=True):
            cls._target(cls.program, partner, 1_000_000)
            cls._invoice(partner, amount)
        cls.settlement = cls._settle(cls.program)
        cls.lines = cls.settlement.regular_line_ids
        cls.company.partner_id.write({"street": "88 Letterhead Road", "city": "Hangzhou"})

    def _render_pdf(self, ids):
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        self.assertEqual(report.get_wkhtmltopdf_state(), "ok", "make test installs wkhtmltopdf")
        try:
            with self.allow_pdf_render():
                content, kind = report._render_qweb_pdf(REPORT, ids)
        except unittest.SkipTest as skip:  # Odoo skips when wkhtmltopdf refuses the job
            self.fail(f"the statements were not rendered: {skip}")
        self.assertEqual(kind, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        reader = PdfFileReader(io.BytesIO(content))
        return [page.extract_text() for page in reader.pages]

    def _statements(self, pages):
        """[text of a statement's pages]: a statement starts at its title."""
        statements = []
        for text in map(_squeeze, pages):
            if "RebateStatement" in text:
                statements.append(text)
            else:
                self.assertTrue(statements, "the PDF starts with a statement")
                statements[-1] += text
        return statements

    def test_print_statements_one_pdf_one_statement_per_partner(self):
        self.assertEqual(len(self.lines), 3)
        self.assertEqual(self.lines.partner_id, self.partners)
        action = self.settlement.with_user(self.user_finance).action_print_statements()
        self.assertEqual(action["report_name"], "sales_pm_collab.report_rebate_statement")
        lines = self.env["rebate.settlement.line"].browse(action["context"]["active_ids"])
        statements = self._statements(self._render_pdf(lines.ids))
        self.assertEqual(len(statements), 3, "one statement per partner, in one PDF")
        company = _squeeze(self.company.name)
        for line, text in zip(lines, statements, strict=True):
            with self.subTest(partner=line.partner_id.name):
                text = _squeeze(text)
                self.assertIn(_squeeze(line.partner_id.name), text)
                for other in self.partners - line.partner_id:
                    self.assertNotIn(_squeeze(other.name), text)
                self.assertIn(company, text, "the company letterhead")
                self.assertIn("88LetterheadRoad", text, "the company's address")
                self.assertIn(_squeeze(self.settlement.name), text)
                # the credit note's number and its reference, whole
                move = line.move_id
                self.assertTrue(move.ref and len(move.ref) > 50)
                self.assertIn("[...]", move.display_name, "what Odoo's display name prints")
                self.assertIn(_squeeze(move._get_move_display_name()), text)
                self.assertIn(_squeeze(move.ref), text)
                self.assertNotIn("[...]", text)

    def test_one_statement_keeps_the_letterhead(self):
        """A single statement (the attachment of the email) has the letterhead too."""
        line = self._line(self.settlement, self.partner_b)
        statements = self._statements(self._render_pdf(line.ids))
        self.assertEqual(len(statements), 1)
        text = _squeeze(statements[0])
        self.assertIn(_squeeze(self.company.name), text)
        self.assertIn("88LetterheadRoad", text)
        self.assertIn(_squeeze(self.partner_b.name), text)

    def test_partner_printed_once_in_the_order_selected(self):
        """A line given twice prints its partner's statement once; the statements
        follow the order of the lines given."""
        first, second, third = self.lines
        ids = [third.id, first.id, third.id, second.id]
        statements = self._statements(self._render_pdf(ids))
        self.assertEqual(len(statements), 3)
        for line, text in zip(third | first | second, statements, strict=True):
            self.assertIn(_squeeze(line.partner_id.name), _squeeze(text))

    def test_send_statements_attaches_each_partners_pdf(self):
        with self.allow_pdf_render():
            self.settlement.with_user(self.user_finance).with_context(
                force_report_rendering=True
            ).action_send_statements()
        messages = self.settlement.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(messages), 3)
        for line in self.lines:
            message = messages.filtered(lambda m, line=line: line.partner_id in m.partner_ids)
            attachment = message.attachment_ids
            self.assertEqual(len(attachment), 1)
            self.assertEqual(attachment.mimetype, "application/pdf")
            reader = PdfFileReader(io.BytesIO(attachment.raw))
            text = _squeeze("".join(page.extract_text() for page in reader.pages))
            self.assertIn(_squeeze(line.partner_id.name), text)
            self.assertIn(_squeeze(self.company.name), text)
