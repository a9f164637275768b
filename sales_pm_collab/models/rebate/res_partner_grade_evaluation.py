from odoo import api, models
from odoo.tools import SQL


class ResPartnerGradeEvaluation(models.Model):
    _inherit = "res.partner.grade.evaluation"

    @api.model
    def _kpi_revenue_excluded_move_fields(self):
        """Rebate credit notes (from a rebate settlement) are not refunds of sales: paying
        a partner its rebate must not lower the revenue that grades it."""
        return [
            *super()._kpi_revenue_excluded_move_fields(),
            "rebate_settlement_id",
            "rebate_fund_claim_id",
        ]

    @api.model
    def _kpi_revenue(self, partners, date_from, date_to):
        """Rebate deductions on invoices (discount lines of an order that used a rebate
        balance) pay a rebate out: they do not lower the revenue that grades a partner."""
        revenue = super()._kpi_revenue(partners, date_from, date_to)
        if not partners:
            return revenue
        self.env["account.move.line"].flush_model(["balance", "rebate_program_id", "move_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.commercial_partner_id, -SUM(l.balance)
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                 WHERE l.rebate_program_id IS NOT NULL
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.company_id = %(company)s
                   AND m.invoice_date BETWEEN %(date_from)s AND %(date_to)s
                   AND m.commercial_partner_id = ANY(%(partners)s)
              GROUP BY m.commercial_partner_id
                """,
                company=self.env.company.id,
                date_from=date_from,
                date_to=date_to,
                partners=partners.ids,
            )
        )
        for partner_id, deducted in rows:
            revenue[partner_id] = revenue.get(partner_id, 0) - (deducted or 0)
        return revenue
