from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    requirement_triage_days = fields.Integer(
        related="company_id.requirement_triage_days", readonly=False
    )
    requirement_pm_user_id = fields.Many2one(
        related="company_id.requirement_pm_user_id", readonly=False
    )
    requirement_high_revenue = fields.Monetary(
        related="company_id.requirement_high_revenue", readonly=False
    )
    winback_months = fields.Integer(related="company_id.winback_months", readonly=False)
