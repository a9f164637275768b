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

    @api.constrains("rebate_signoff_days")
    def _check_rebate_signoff_days(self):
        for company in self:
            if not 1 <= company.rebate_signoff_days <= 365:
                raise ValidationError(self.env._("The statement sign-off delay is 1 to 365 days."))
