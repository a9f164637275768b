from odoo import models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "customer.feedback.source.mixin", "collab.guard.mixin"]

    def _feedback_link_field(self):
        return "lead_id"

    def _feedback_defaults(self):
        self.ensure_one()
        return {
            **self.env["customer.feedback"]._partner_defaults(self.partner_id),
            "lead_id": self.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "source": "rep_visit",
        }
