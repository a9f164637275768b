from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    channel_conflict_policy = fields.Selection(
        related="company_id.channel_conflict_policy", readonly=False
    )
    channel_evaluation_email = fields.Boolean(
        related="company_id.channel_evaluation_email", readonly=False
    )
    channel_evaluation_job_threshold = fields.Integer(
        related="company_id.channel_evaluation_job_threshold", readonly=False
    )
    deal_registration_days = fields.Integer(
        related="company_id.deal_registration_days", readonly=False
    )
