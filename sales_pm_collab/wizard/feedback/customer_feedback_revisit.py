from odoo import fields, models
from odoo.exceptions import ValidationError

SATISFACTION = [
    ("1", "1 - Very unhappy"),
    ("2", "2 - Unhappy"),
    ("3", "3 - Neutral"),
    ("4", "4 - Happy"),
    ("5", "5 - Very happy"),
]


class CustomerFeedbackRevisit(models.TransientModel):
    """Satisfaction revisit: the owner calls the customer back after the resolution
    and logs how satisfied they are. Satisfied (3 to 5): the feedback is closed;
    unsatisfied (1 or 2): it is reopened for a second follow-up by the team leader."""

    _name = "customer.feedback.revisit"
    _inherit = ["collab.guard.mixin"]
    _description = "Feedback Satisfaction Revisit"

    feedback_id = fields.Many2one("customer.feedback", required=True, readonly=True)
    partner_id = fields.Many2one(related="feedback_id.partner_id")
    satisfaction = fields.Selection(SATISFACTION, required=True, default="4")
    note = fields.Text(
        "What the customer said", help="Suggestions and remarks, logged on the feedback."
    )

    def action_confirm(self):
        self.ensure_one()
        if self.satisfaction not in dict(SATISFACTION):
            raise ValidationError(
                self.env._(
                    "Pick how satisfied the customer is, from 1 (very unhappy) to 5 (very "
                    "happy); got %(value)s.",
                    value=self.satisfaction,
                )
            )
        self.feedback_id._log_revisit(int(self.satisfaction), self.note)
        return {"type": "ir.actions.act_window_close"}
