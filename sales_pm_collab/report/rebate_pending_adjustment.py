from odoo import api, fields, models
from odoo.exceptions import AccessError


class RebatePendingAdjustment(models.TransientModel):
    """True-ups waiting for the next settlement of each program (recomputed on opening)."""

    _name = "rebate.pending.adjustment"
    _description = "Pending Rebate True-up"
    _inherit = ["collab.guard.mixin"]
    _order = "program_id, date_from, partner_id"
    _transient_max_hours = 4.0
    # figures of the programs, computed by action_open: nobody types them
    _system_fields = (
        "program_id",
        "company_id",
        "partner_id",
        "adjusted_settlement_id",
        "date_from",
        "date_to",
        "period_label",
        "base_delta",
        "item_count",
        "settled_amount",
        "recomputed_amount",
        "adjustment_amount",
    )

    program_id = fields.Many2one("rebate.program", readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", readonly=True)
    adjusted_settlement_id = fields.Many2one(
        "rebate.settlement", string="Settled by", readonly=True, ondelete="cascade"
    )
    date_from = fields.Date(string="Period Start", readonly=True)
    date_to = fields.Date(string="Period End", readonly=True)
    period_label = fields.Char(string="Period", readonly=True)
    base_delta = fields.Monetary(string="Base Change", readonly=True)
    item_count = fields.Integer(string="Journal Items", readonly=True)
    settled_amount = fields.Monetary(string="Settled", readonly=True)
    recomputed_amount = fields.Monetary(string="Recomputed", readonly=True)
    adjustment_amount = fields.Monetary(string="Adjustment", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._("Pending true-ups are computed when the report is opened.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(
                self.env._("Pending true-ups are computed when the report is opened.")
            )
        return super().write(vals)

    @api.model
    def action_open(self):
        """Recompute the pending true-ups of the programs the user can read."""
        programs = self.env["rebate.program"].search([("state", "in", ("active", "closed"))])
        self.search([("create_uid", "=", self.env.uid)]).unlink()
        today = fields.Date.context_today(self)
        vals_list = []
        for program in programs:
            for adjustment in program._get_pending_adjustments(today):
                vals_list.append(
                    {
                        "program_id": program.id,
                        "company_id": program.company_id.id,
                        "partner_id": adjustment["partner_id"],
                        "adjusted_settlement_id": adjustment["settlement"].id,
                        "date_from": adjustment["date_from"],
                        "date_to": adjustment["date_to"],
                        "period_label": program._period_label(
                            adjustment["date_from"], adjustment["date_to"]
                        ),
                        "base_delta": float(adjustment["base_delta"]),
                        "item_count": len(adjustment["deltas"]),
                        "settled_amount": float(adjustment["settled"]),
                        "recomputed_amount": float(adjustment["recomputed"]["total"]),
                        "adjustment_amount": float(adjustment["adjustment"]),
                    }
                )
        # the user's own rows (create_uid, see the record rule), with the figures the
        # server computed
        rows = self.sudo().create(vals_list).sudo(False)
        return self._window_action(
            "sales_pm_collab.rebate_pending_adjustment_action", domain=[("id", "in", rows.ids)]
        )
