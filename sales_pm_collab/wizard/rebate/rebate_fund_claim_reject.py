from odoo import fields, models


class RebateFundClaimReject(models.TransientModel):
    _name = "rebate.fund.claim.reject"
    _description = "Reject Fund Claims"
    _inherit = ["collab.guard.mixin"]

    claim_ids = fields.Many2many(
        "rebate.fund.claim",
        string="Fund Claims",
        default=lambda self: self.env["rebate.fund.claim"].browse(
            self.env.context.get("active_ids") or []
        ),
    )
    reason = fields.Text(required=True, help="Why the claim is rejected; the partner reads it.")

    def action_reject(self):
        self.ensure_one()
        self.claim_ids._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
