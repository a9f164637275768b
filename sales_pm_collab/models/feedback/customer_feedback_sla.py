from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..working_time import plan_working_hours

# a response-time commitment longer than a working year (52 weeks of 40 h) is a typo
MAX_SLA_HOURS = 2080
TIME_FIELDS = ("first_response_hours", "resolve_hours", "at_risk_percent")


class CustomerFeedbackSla(models.Model):
    """Response-time policy for customer feedback.

    Policies are tried in `sequence` order; the first one whose criteria all match a
    feedback applies (an empty criterion matches anything), like Zendesk's SLA
    policies. Hours are WORKING hours of `calendar_id` (the feedback company's working
    calendar when empty), public holidays of the calendar excluded.
    """

    _name = "customer.feedback.sla"
    _inherit = ["collab.guard.mixin"]
    _description = "Feedback SLA Policy"
    _order = "sequence, id"
    _check_company_auto = True
    # a policy without company applies in every company: changed only by users with
    # access to all of them (the company's own policies by its administrators)
    _shared_config = True
    _shared_config_used_by = ("customer.feedback",)

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10, help="The first matching policy wins.")
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        index=True,
        help="Leave empty to use the policy in every company.",
    )
    description = fields.Text(translate=True)
    kind_ids = fields.Many2many(
        "customer.feedback.option",
        "customer_feedback_sla_kind_rel",
        "sla_id",
        "option_id",
        string="Kinds",
        domain=[("field", "=", "kind")],
        help="Feedback kinds this policy applies to; empty = any kind.",
    )
    priority_ids = fields.Many2many(
        "customer.feedback.option",
        "customer_feedback_sla_priority_rel",
        "sla_id",
        "option_id",
        string="Priorities",
        domain=[("field", "=", "priority")],
        help="Priorities this policy applies to; empty = any priority.",
    )
    grade_ids = fields.Many2many(
        "res.partner.grade",
        string="Customer Grades",
        help="Partner grades (levels) of the customer this policy applies to; empty = any.",
    )
    team_ids = fields.Many2many(
        "crm.team",
        string="Sales Teams",
        check_company=True,
        help="Sales teams this policy applies to; empty = any team.",
    )
    first_response_hours = fields.Float(
        "First Response (hours)",
        required=True,
        default=8.0,
        help="Working hours allowed until the customer gets a first answer.",
    )
    resolve_hours = fields.Float(
        "Resolution (hours)",
        required=True,
        default=40.0,
        help="Working hours allowed until the feedback is resolved.",
    )
    at_risk_percent = fields.Integer(
        "At Risk at (%)",
        default=80,
        required=True,
        help="Share of the allowed time after which the feedback is flagged at risk "
        "and its owner gets an activity.",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        check_company=True,
        help="Calendar the hours are counted in; empty = the working hours of the "
        "feedback's company.",
    )
    feedback_count = fields.Integer(compute="_compute_feedback_count")

    _first_response_positive = models.Constraint(
        "CHECK(first_response_hours > 0)",
        "The first response time of an SLA policy must be more than 0 hours.",
    )
    _resolve_positive = models.Constraint(
        "CHECK(resolve_hours > 0)",
        "The resolution time of an SLA policy must be more than 0 hours.",
    )
    _at_risk_range = models.Constraint(
        "CHECK(at_risk_percent BETWEEN 1 AND 99)",
        "The at-risk threshold of an SLA policy must be between 1 and 99 percent.",
    )

    @api.constrains("first_response_hours", "resolve_hours", "at_risk_percent")
    def _check_times(self):
        for sla in self:
            sla._check_time_values(
                sla.name, sla.first_response_hours, sla.resolve_hours, sla.at_risk_percent
            )

    @api.model
    def _check_time_values(self, name, first, resolve, percent):
        """A clear error for times a policy cannot have (the SQL constraints stay as the
        last safety net; `create` calls this before its INSERT would hit them)."""
        if first <= 0 or resolve <= 0:
            raise ValidationError(
                self.env._(
                    "SLA policy “%(policy)s”: the first response and resolution times must "
                    "be more than 0 working hours (got %(first)s h and %(resolve)s h). "
                    "Enter the working hours allowed, e.g. 8 and 40.",
                    policy=name,
                    first=f"{first:g}",
                    resolve=f"{resolve:g}",
                )
            )
        if max(first, resolve) > MAX_SLA_HOURS:
            raise ValidationError(
                self.env._(
                    "SLA policy “%(policy)s”: %(first)s h to answer and %(resolve)s h to "
                    "resolve is more than a working year (%(max)s working hours). Enter "
                    "working hours, e.g. 8 and 40.",
                    policy=name,
                    first=f"{first:g}",
                    resolve=f"{resolve:g}",
                    max=MAX_SLA_HOURS,
                )
            )
        if resolve < first:
            raise ValidationError(
                self.env._(
                    "SLA policy “%(policy)s”: the resolution time (%(resolve)s h) cannot be "
                    "shorter than the first response time (%(first)s h). Allow at least as "
                    "many hours to resolve as to answer.",
                    policy=name,
                    first=f"{first:g}",
                    resolve=f"{resolve:g}",
                )
            )
        if not 1 <= percent <= 99:
            raise ValidationError(
                self.env._(
                    "SLA policy “%(policy)s”: the at-risk threshold must be between 1 and "
                    "99 percent of the allowed time (got %(percent)s %%), e.g. 80.",
                    policy=name,
                    percent=f"{percent:g}",
                )
            )

    def _compute_feedback_count(self):
        counts = self._count_by("customer.feedback", "sla_id")
        for sla in self:
            sla.feedback_count = counts.get(sla, 0)

    @api.model_create_multi
    def create(self, vals_list):
        # before the INSERT, whose SQL checks would only say "constraint violated"
        defaults = self.default_get(list(TIME_FIELDS))
        system = self._collab_system_field_names()
        for vals in vals_list:
            if not self.env.su:
                self._collab_check_user_vals(vals, system)  # text for hours: named field
            values = {**defaults, **vals}
            times = [values.get(fname) or 0 for fname in TIME_FIELDS]
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in times):
                self._check_time_values(vals.get("name"), *times)
        return super().create(vals_list)

    def action_view_feedback(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.customer_feedback_action",
            domain=[("sla_id", "=", self.id)],
            context={},
        )

    # === Matching and planning === #

    def _matches(self, feedback):
        """Whether this policy applies to `feedback` (every set criterion holds)."""
        self.ensure_one()
        if self.company_id and self.company_id != feedback.company_id:
            return False
        if self.kind_ids and feedback.kind not in self.kind_ids.mapped("value"):
            return False
        if self.priority_ids and feedback.priority not in self.priority_ids.mapped("value"):
            return False
        grade = feedback.commercial_partner_id.grade_id
        if self.grade_ids and grade not in self.grade_ids:
            return False
        return not self.team_ids or feedback.team_id in self.team_ids

    @api.model
    def _find_for(self, feedbacks):
        """Map each feedback to the first matching active policy (or an empty record).

        One search for all the feedback: policies are few and matched in memory.
        """
        policies = self.search(
            [("company_id", "in", feedbacks.company_id.ids + [False])], order="sequence, id"
        )
        return {
            feedback: next((p for p in policies if p._matches(feedback)), self.browse())
            for feedback in feedbacks
        }

    def _plan(self, start, hours_list, company):
        """Datetimes (naive UTC) reached after each of `hours_list` working hours from
        `start` (naive UTC), in this policy's calendar (or the company's).

        Without a calendar (or a flexible one), or beyond the calendar's working time,
        hours are plain elapsed hours.
        """
        self.ensure_one()
        calendar = self.calendar_id or company.resource_calendar_id
        if not calendar or calendar.flexible_hours:
            return [start + timedelta(hours=hours) for hours in hours_list]
        planned = plan_working_hours(calendar, start, hours_list)
        return [
            reached or start + timedelta(hours=hours)
            for hours, reached in zip(hours_list, planned, strict=True)
        ]
