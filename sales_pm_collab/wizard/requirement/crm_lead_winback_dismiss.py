from odoo import fields, models


class CrmLeadWinbackDismiss(models.TransientModel):
    _name = "crm.lead.winback.dismiss"
    _description = "Dismiss a Win-back"
    _inherit = ["collab.guard.mixin"]

    lead_ids = fields.Many2many("crm.lead", string="Lost Deals", context={"active_test": False})
    reason = fields.Text(
        required=True, help="Why the deal is not worth reopening (kept on the win-back)."
    )

    def action_dismiss(self):
        self.ensure_one()
        self.lead_ids.action_winback_dismiss(self.reason)
        return {"type": "ir.actions.act_window_close"}
