"""Rebate programs that count registered deals only: the channel area's deal
registrations (crm.deal.registration) decide which sales earn a rebate."""

from odoo import fields, models
from odoo.tools import SQL


class RebateProgram(models.Model):
    _inherit = "rebate.program"

    registered_deals_only = fields.Boolean(
        string="Only Registered Deals Count",
        tracking=True,
        help="Only the invoice lines of sales orders whose opportunity came from an "
        "approved deal registration of the partner count (the deals it claimed first).",
    )

    def _scope_sql(self, date_from, date_to, conflicts="exclude"):
        scope = super()._scope_sql(date_from, date_to, conflicts=conflicts)
        if not self.registered_deals_only:
            return scope
        return SQL("(%s AND %s)", scope, self._registered_deals_sql())

    def _registered_deals_sql(self):
        """Condition on journal item aml: it invoices a line of a sales order whose
        opportunity is the one of a registration of the invoiced partner that was
        approved (approved, then won, lost or expired)."""
        self.ensure_one()
        if "opportunity_id" not in self.env["sale.order"]._fields:
            return SQL("FALSE")
        return SQL(
            """EXISTS (
                SELECT 1
                  FROM sale_order_line_invoice_rel rel
                  JOIN sale_order_line sol ON sol.id = rel.order_line_id
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN crm_deal_registration reg ON reg.lead_id = so.opportunity_id
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE rel.invoice_line_id = aml.id
                   AND reg.partner_id = am.commercial_partner_id
                   AND reg.approve_date IS NOT NULL
                   AND reg.company_id = %s)""",
            self.company_id.id,
        )
