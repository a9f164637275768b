from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "collab.guard.mixin"]

    rebate_signoff_days = fields.Integer(
        string="Statement Sign-off Delay (days)",
        default=7,
        help="Days a partner has to accept or dispute its rebate statement on the portal "
        "once the settlement is approved; left alone, it is accepted automatically.",
    )

    rebate_job_threshold = fields.Integer(
        string="Background Jobs Above (partners)",
        default=500,
        help="A settlement with more partners than this is computed and paid out by a "
        "background job (progress on the settlement, a notification when it ends) instead "
        "of inside the request; 0 runs every settlement in the background.",
    )

    @api.constrains("rebate_job_threshold")
    def _check_rebate_job_threshold(self):
        for company in self:
            if not 0 <= company.rebate_job_threshold <= 10_000_000:
                raise ValidationError(
                    self.env._("The background job threshold is 0 to 10,000,000 partners.")
                )

    @api.constrains("rebate_signoff_days")
    def _check_rebate_signoff_days(self):
        for company in self:
            if not 1 <= company.rebate_signoff_days <= 365:
                raise ValidationError(self.env._("The statement sign-off delay is 1 to 365 days."))
