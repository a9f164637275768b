from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    channel_evaluation_job_threshold = fields.Integer(
        string="Evaluations in the Background Above (partners)",
        default=500,
        help="Evaluate Partners on more channel partners than this runs as a background "
        "job (progress on the evaluation run, a notification when it ends) instead of "
        "inside the request; 0 runs every evaluation in the background.",
    )
    deal_registration_days = fields.Integer(
        string="Registration Protection (days)",
        default=90,
        required=True,
        help="An approved deal registration protects its customer for this many days from "
        "the approval; a channel manager can extend it once by as many days.",
    )

    @api.constrains("channel_evaluation_job_threshold")
    def _check_channel_evaluation_job_threshold(self):
        if any(not 0 <= c.channel_evaluation_job_threshold <= 10_000_000 for c in self):
            raise ValidationError(
                self.env._("The evaluation background job threshold is 0 to 10,000,000 partners.")
            )

    @api.constrains("deal_registration_days")
    def _check_deal_registration_days(self):
        if any(not 1 <= company.deal_registration_days <= 730 for company in self):
            raise ValidationError(
                self.env._("The protection of a deal registration lasts 1 to 730 days.")
            )
