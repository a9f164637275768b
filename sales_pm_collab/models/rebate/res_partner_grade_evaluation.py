from odoo import api, models


class ResPartnerGradeEvaluation(models.Model):
    _inherit = "res.partner.grade.evaluation"

    @api.model
    def _kpi_revenue_excluded_move_fields(self):
        """Rebate credit notes (from a rebate settlement) are not refunds of sales: paying
        a partner its rebate must not lower the revenue that grades it."""
        return [*super()._kpi_revenue_excluded_move_fields(), "rebate_settlement_id"]
