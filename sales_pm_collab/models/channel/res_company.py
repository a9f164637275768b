from odoo import fields, models


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "collab.guard.mixin"]

    channel_conflict_policy = fields.Selection(
        [("warn", "Warn"), ("block", "Block")],
        string="Cross-Territory Sales",
        default="warn",
        required=True,
        help="Warn: the order is confirmed and the conflict recorded for the channel "
        "managers. Block: only a channel manager can confirm it (the conflict is recorded).",
    )
    channel_evaluation_email = fields.Boolean(
        string="Email Evaluation Results",
        default=True,
        help="When an evaluation is applied, email the partner its result and what is "
        "missing for the next grade.",
    )
