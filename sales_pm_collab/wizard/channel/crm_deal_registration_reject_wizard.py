from odoo import fields, models


class CrmDealRegistrationRejectWizard(models.TransientModel):
    _name = "crm.deal.registration.reject.wizard"
    _description = "Reject Deal Registrations"
    _inherit = ["collab.guard.mixin"]

    registration_ids = fields.Many2many(
        "crm.deal.registration",
        string="Registrations",
        default=lambda self: self._default_registration_ids(),
    )
    reason = fields.Text(
        required=True,
        help="Why the registration is rejected, in words for the partner: it sees it on "
        "the portal.",
    )

    def _default_registration_ids(self):
        if self.env.context.get("active_model") == "crm.deal.registration":
            return self.env["crm.deal.registration"].browse(self.env.context.get("active_ids"))
        return self.env["crm.deal.registration"]

    def action_reject(self):
        self.ensure_one()
        self.registration_ids.action_reject(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
