from odoo import api, models


class ReportRebateStatement(models.AbstractModel):
    """One statement per partner and settlement, whichever of its lines are printed.

    The statement shows the partner's period rebate and its true-ups of earlier periods:
    printing a true-up line (from the lines list) prints the partner's statement, and a
    partner whose regular and true-up lines are both selected gets it once. The PDF is
    rendered one statement at a time and merged (`models/rebate/ir_actions_report.py`).
    """

    _name = "report.sales_pm_collab.report_rebate_statement"
    _description = "Rebate Statement"

    @api.model
    def _get_statement_lines(self, docids):
        """The regular line of each statement the given lines belong to, in the order
        of the given lines, once per partner and settlement."""
        lines = self.env["rebate.settlement.line"].browse(docids)
        lines.check_access("read")
        wanted = {(line.settlement_id.id, line.partner_id.id) for line in lines}
        regular = lines.settlement_id.regular_line_ids.filtered(
            lambda ln: (ln.settlement_id.id, ln.partner_id.id) in wanted
        )
        order = {
            key: index
            for index, key in enumerate(
                dict.fromkeys((line.settlement_id.id, line.partner_id.id) for line in lines)
            )
        }
        return regular.sorted(lambda ln: order[(ln.settlement_id.id, ln.partner_id.id)])

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = self._get_statement_lines(docids)
        return {
            "doc_ids": docs.ids,
            "doc_model": "rebate.settlement.line",
            "docs": docs,
        }
