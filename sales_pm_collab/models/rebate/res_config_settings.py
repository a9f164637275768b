from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rebate_signoff_days = fields.Integer(related="company_id.rebate_signoff_days", readonly=False)
    rebate_job_threshold = fields.Integer(related="company_id.rebate_job_threshold", readonly=False)
