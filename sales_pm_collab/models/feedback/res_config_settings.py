from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    feedback_revisit_days = fields.Integer(
        related="company_id.feedback_revisit_days", readonly=False
    )
    feedback_escalation_user_id = fields.Many2one(
        related="company_id.feedback_escalation_user_id", readonly=False
    )
    feedback_alias_name = fields.Char(
        "Feedback Alias",
        compute="_compute_feedback_alias_name",
        inverse="_inverse_feedback_alias_name",
        help="Mails sent to this address (before the @) create customer feedback.",
    )
    feedback_alias_domain = fields.Char(compute="_compute_feedback_alias_name")

    @api.model
    def _feedback_alias(self):
        return self.env.ref(
            "sales_pm_collab.mail_alias_customer_feedback", raise_if_not_found=False
        )

    def _compute_feedback_alias_name(self):
        alias = self._feedback_alias()
        for settings in self:
            settings.feedback_alias_name = alias.alias_name if alias else False
            settings.feedback_alias_domain = alias.alias_domain if alias else False

    def _inverse_feedback_alias_name(self):
        alias = self._feedback_alias()
        for settings in self:
            if alias and alias.alias_name != settings.feedback_alias_name:
                alias.sudo().alias_name = settings.feedback_alias_name
