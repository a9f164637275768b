from odoo import fields, models


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "collab.guard.mixin"]

    feedback_revisit_days = fields.Integer(
        "Feedback Revisit After (days)",
        default=2,
        help="Days after a feedback is resolved when its owner calls the customer back "
        "to confirm satisfaction.",
    )
    feedback_escalation_user_id = fields.Many2one(
        "res.users",
        string="Feedback Escalation Manager",
        domain="[('share', '=', False)]",
        help="Second escalation level of late feedback (twice the allowed time). Empty: "
        "the company's first sales manager (Sales / Administrator).",
    )

    _feedback_revisit_days_positive = models.Constraint(
        "CHECK(feedback_revisit_days >= 0)",
        "The feedback revisit delay cannot be negative.",
    )
