from odoo import http
from odoo.http import content_disposition, request

from ..report.rebate_statement_xlsx import XLSX_MIMETYPE, build_statement_workbook


class RebateStatementXlsx(http.Controller):
    @http.route(
        "/sales_pm_collab/rebate_settlement/<int:settlement_id>/xlsx",
        type="http",
        auth="user",
        readonly=True,
    )
    def rebate_settlement_xlsx(self, settlement_id, **kwargs):
        settlement = request.env["rebate.settlement"].browse(settlement_id).exists()
        if not settlement:
            raise request.not_found()
        settlement.check_access("read")
        content = build_statement_workbook(settlement)
        filename = f"{settlement.name.replace('/', '-')} {settlement.period_label}.xlsx"
        return request.make_response(
            content,
            [
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
