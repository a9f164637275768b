import io
import re
import zipfile
from datetime import datetime, timedelta
from xml.etree import ElementTree

from odoo.tests import tagged

from ...report.rebate_statement_xlsx import build_statement_workbook
from .test_portal_rebate import RebatePortalCommon

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
EXCEL_EPOCH = datetime(1899, 12, 30)


def read_sheet(content, index=1):
    """The rows of a sheet of an XLSX workbook ({column letter: value} per row, text
    and numbers), read with the standard library (no openpyxl)."""
    with zipfile.ZipFile(io.BytesIO(content)) as workbook:
        strings = [
            "".join(node.itertext())
            for node in ElementTree.fromstring(workbook.read("xl/sharedStrings.xml")).findall(
                "x:si", NS
            )
        ]
        sheet = ElementTree.fromstring(workbook.read(f"xl/worksheets/sheet{index}.xml"))
    rows = []
    for row in sheet.iter(f"{{{NS['x']}}}row"):
        values = {}
        for cell in row.findall("x:c", NS):
            column = re.match(r"[A-Z]+", cell.get("r")).group()
            raw = cell.find("x:v", NS)
            if raw is None:
                continue
            values[column] = strings[int(raw.text)] if cell.get("t") == "s" else float(raw.text)
        rows.append(values)
    return rows


@tagged("post_install", "-at_install")
class TestRebateStatementSignoffXlsx(RebatePortalCommon):
    """The statement workbook shows each partner's sign-off (对账): its state, who signed
    off and when (in the reader's time zone), and the dispute reason."""

    def _summary(self, settlement, **kwargs):
        rows = read_sheet(build_statement_workbook(settlement, **kwargs))
        headers = {title: column for column, title in rows[0].items()}
        by_partner = {row[headers["Partner"]]: row for row in rows[1:]}
        return headers, by_partner

    def test_signoff_columns(self):
        self.line_a.with_user(self.portal_a).action_portal_dispute("返利基数少算了三月的发票")
        self.line_b.with_user(self.portal_b).action_portal_accept()
        settlement = self.settlement.with_context(tz="Asia/Shanghai")
        headers, rows = self._summary(settlement)
        for title in ("Sign-off", "Signed off by", "Signed off on", "Dispute Reason"):
            self.assertIn(title, headers)
        row_a, row_b = rows[self.partner_a.name], rows[self.partner_b.name]
        self.assertEqual(row_a[headers["Sign-off"]], "Disputed")
        self.assertEqual(row_a[headers["Signed off by"]], self.portal_a.partner_id.name)
        self.assertEqual(row_a[headers["Dispute Reason"]], "返利基数少算了三月的发票")
        signed = EXCEL_EPOCH + timedelta(days=row_a[headers["Signed off on"]])
        expected = self.line_a.signoff_date + timedelta(hours=8)
        self.assertLess(abs(signed - expected), timedelta(seconds=1), "Shanghai time")
        self.assertEqual(row_b[headers["Sign-off"]], "Accepted")
        self.assertEqual(row_b[headers["Signed off by"]], self.portal_b.partner_id.name)
        self.assertFalse(row_b.get(headers["Dispute Reason"]))

    def test_partner_download_shows_its_own_signoff(self):
        self.line_a.with_user(self.portal_a).action_portal_dispute("三月发票漏算")
        self.line_b.with_user(self.portal_b).action_portal_dispute("B 的内部争议")
        headers, rows = self._summary(self.settlement, partner=self.partner_a)
        self.assertEqual(set(rows), {self.partner_a.name})
        self.assertEqual(rows[self.partner_a.name][headers["Dispute Reason"]], "三月发票漏算")
        content = build_statement_workbook(self.settlement, partner=self.partner_a)
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            strings = workbook.read("xl/sharedStrings.xml").decode()
        self.assertNotIn("B 的内部争议", strings)

    def test_awaiting_signoff_before_the_partner_answers(self):
        headers, rows = self._summary(self.settlement)
        row_a = rows[self.partner_a.name]
        self.assertEqual(row_a[headers["Sign-off"]], "Awaiting Sign-off")
        self.assertFalse(row_a.get(headers["Signed off by"]))
        self.assertFalse(row_a.get(headers["Signed off on"]))

    def test_partner_download_has_no_internal_warning(self):
        """The accountant's workbook carries the engine's warning; the partner's own
        download (the portal's) never does, neither the column nor its text."""
        # the engine writes the warning when it computes; the line is settled by now
        self.env.cr.execute(
            "UPDATE rebate_settlement_line SET warning = %s WHERE id = %s",
            ["内部提示：目标缺失", self.line_a.id],
        )
        self.line_a.invalidate_recordset(["warning"])
        headers, rows = self._summary(self.settlement)
        self.assertEqual(rows[self.partner_a.name][headers["Warning"]], "内部提示：目标缺失")
        content = build_statement_workbook(self.settlement, partner=self.partner_a)
        headers, rows = self._summary(self.settlement, partner=self.partner_a)
        self.assertNotIn("Warning", headers)
        self.assertIn("Dispute Reason", headers)
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            for name in workbook.namelist():
                self.assertNotIn("内部提示".encode(), workbook.read(name), name)
