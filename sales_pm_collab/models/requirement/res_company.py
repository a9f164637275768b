from datetime import timedelta

from odoo import fields, models

from ..working_time import plan_working_hours


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "collab.guard.mixin"]

    requirement_triage_days = fields.Integer(
        string="Requirement Triage Delay (working days)",
        default=5,
        help="A new requirement must get a first answer from a product manager within this "
        "many working days, on the company's working calendar.",
    )
    requirement_pm_user_id = fields.Many2one(
        "res.users",
        string="Default Product Manager",
        help="Owner of new requirements when the requester does not pick one; receives the "
        "triage-overdue activities of requirements without an owner.",
    )
    requirement_high_revenue = fields.Monetary(
        string="High Revenue at Stake",
        currency_field="currency_id",
        default=100000.0,
        help="Requirements with at least this revenue at stake match the “High revenue at "
        "stake” filter.",
    )

    winback_months = fields.Integer(
        string="Revenue After Release (months)",
        default=6,
        help="How many months after a release date the purchases of the requesting customers "
        "count as revenue won after the release.",
    )

    _winback_months_range = models.Constraint(
        "CHECK(winback_months IS NULL OR (winback_months >= 0 AND winback_months <= 60))",
        "The months counted after a release are between 0 and 60.",
    )
    _requirement_triage_days_positive = models.Constraint(
        "CHECK(requirement_triage_days IS NULL OR requirement_triage_days >= 0)",
        "The requirement triage delay cannot be negative.",
    )

    def _requirement_sla_deadline(self, start):
        """`start` + the triage delay in working days (naive UTC datetimes).

        Counted in working hours of the company's calendar (days × its hours per day), so
        a requirement raised on Friday 10:00 with 1 day is due Monday 10:00. Without a
        calendar, calendar days are used.
        """
        self.ensure_one()
        days = self.requirement_triage_days or 0
        calendar = self.resource_calendar_id
        if not calendar or days <= 0:
            return start + timedelta(days=days)
        hours = days * (calendar.hours_per_day or 8.0)
        deadline = plan_working_hours(calendar, start, [hours])[0]
        return deadline or start + timedelta(days=days)
