from odoo import models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "customer.feedback.source.mixin", "collab.guard.mixin"]

    def _feedback_link_field(self):
        return "commercial_partner_id"

    def _feedback_link_records(self):
        return self.commercial_partner_id

    def _feedback_defaults(self):
        self.ensure_one()
        return {
            **self.env["customer.feedback"]._partner_defaults(self),
            "team_id": self.user_id.sale_team_id.id,
            "company_id": self.company_id.id,
        }
