from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .customer_feedback import DONE_STATES

# Satisfaction is on Odoo's rating scale, 1 to 5: the rating e-mail's faces give 5
# (happy), 3 (neutral) and 1 (unhappy); a revisit logs any value from 1 to 5. A
# satisfaction up to this value means "unsatisfied" and reopens the feedback.
UNSATISFIED_MAX = 2


class CustomerFeedback(models.Model):
    """The customer's satisfaction: Odoo's rating (the e-mail's faces, the public page, a
    customer's rated message) or the owner's revisit; an unsatisfied customer reopens the
    feedback for a second follow-up."""

    _inherit = "customer.feedback"
    # the customer's own rating of the answer
    _portal_fields = ("satisfaction", "satisfaction_date")

    satisfaction = fields.Integer(
        readonly=True,
        copy=False,
        tracking=True,
        aggregator="avg",
        help="1 (very unhappy) to 5 (very happy), from the rating e-mail or the revisit; "
        "0 = not rated yet.",
    )
    satisfaction_measure = fields.Float(
        "Average Satisfaction",
        compute="_compute_satisfaction_measure",
        store=True,
        aggregator="avg",
        digits=(3, 2),
        help="The satisfaction as a reporting measure: its average counts rated feedback only.",
    )
    satisfaction_date = fields.Datetime(readonly=True, copy=False)
    followup_count = fields.Integer(
        "Follow-ups",
        readonly=True,
        copy=False,
        tracking=True,
        help="How many times the feedback was reopened for a second follow-up.",
    )

    _satisfaction_range = models.Constraint(
        "CHECK(satisfaction BETWEEN 0 AND 5)",
        "Satisfaction must be between 1 (very unhappy) and 5 (very happy), or 0 when "
        "the customer has not rated yet.",
    )
    _followup_positive = models.Constraint(
        "CHECK(followup_count >= 0)", "The follow-up count cannot be negative."
    )

    @api.depends("satisfaction")
    def _compute_satisfaction_measure(self):
        for feedback in self:
            feedback.satisfaction_measure = feedback.satisfaction

    @api.constrains("satisfaction")
    def _check_satisfaction(self):
        for feedback in self:
            if not 0 <= feedback.satisfaction <= 5:
                raise ValidationError(
                    self.env._(
                        "Satisfaction of %(feedback)s must be between 1 (very unhappy) and "
                        "5 (very happy); got %(value)s.",
                        feedback=feedback.display_name,
                        value=feedback.satisfaction,
                    )
                )

    def _read_group_select(self, aggregate_spec, query):
        # the average satisfaction counts rated feedback only (0 means not rated yet)
        if aggregate_spec in ("satisfaction:avg", "satisfaction_measure:avg"):
            super()._read_group_select(aggregate_spec, query)  # access check on the field
            column = self._field_to_sql(self._table, aggregate_spec.split(":")[0], query)
            return SQL("AVG(NULLIF(%s, 0))", column)
        return super()._read_group_select(aggregate_spec, query)

    def _rating_get_partner(self):
        return self.contact_id or self.partner_id

    def rating_apply(
        self,
        rate,
        token=None,
        rating=None,
        feedback=None,
        subtype_xmlid=None,
        notify_delay_send=False,
    ):
        self.ensure_one()
        self._check_customer_rates()
        rate = self._check_rate(rate)
        rating = super().rating_apply(
            rate,
            token=token,
            rating=rating,
            feedback=feedback,
            subtype_xmlid=subtype_xmlid,
            notify_delay_send=notify_delay_send,
        )
        # the customer rated (often from the public page): what follows (satisfaction,
        # reopening, follow-up activity) is done and logged by the system, OdooBot
        self.with_user(SUPERUSER_ID)._apply_satisfaction(rate)
        return rating

    def message_post(self, **kwargs):
        """A message carrying a rating (`rating_value`, e.g. a portal comment with
        stars) counts as the customer's rating, like the rating e-mail's faces."""
        rate = kwargs.get("rating_value")
        if rate:  # as Odoo's rating: no value (or 0) is no rating
            self.ensure_one()
            self._check_customer_rates()
            kwargs["rating_value"] = rate = self._check_rate(rate)
        message = super().message_post(**kwargs)
        if rate:
            self.with_user(SUPERUSER_ID)._apply_satisfaction(rate)
        return message

    def _check_customer_rates(self):
        """The satisfaction is the customer's word: a rating reaches the feedback from
        the rating page (its token, checked by the server) or a customer's own message
        on its feedback, never from an employee's call (they log a revisit)."""
        if self.env.su:
            return
        user = self.env.user
        if not user.share or user.commercial_partner_id != self.commercial_partner_id:
            raise AccessError(
                self.env._(
                    "%(feedback)s: only the customer rates the feedback (from the rating "
                    "e-mail). To record what the customer told you, use Log Revisit.",
                    feedback=self.display_name,
                )
            )

    @api.model
    def _check_rate(self, rate):
        """The rating as a whole number from 1 to 5, or a clear error (Odoo's rating
        accepts 0 to 5 and any fraction: 0 is no rating for a customer, and 2.5 would be
        a rating nobody gave)."""
        try:
            value = float(rate)
        except (TypeError, ValueError, OverflowError):
            value = None
        if value is None or isinstance(rate, bool) or not 1 <= value <= 5 or not value.is_integer():
            raise ValidationError(
                self.env._(
                    "A rating is a whole number between 1 (very unhappy) and 5 (very happy); "
                    "got %(rate)s.",
                    rate=rate,
                )
            )
        return int(value)

    def _send_rating_request(self):
        template = self.env.ref(
            "sales_pm_collab.mail_template_feedback_rating_request", raise_if_not_found=False
        )
        if not template:
            return
        for feedback in self:
            partner = feedback._rating_get_partner()
            if not partner.email or partner == self.env.user.partner_id:
                continue
            feedback.rating_send_request(template, lang=partner.lang, force_send=False)

    def action_log_revisit(self):
        """Open the revisit wizard (satisfaction 1-5 and the customer's words)."""
        self.ensure_one()
        self._check_can_handle()
        self._check_state(DONE_STATES, self.env._("Logging a revisit"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Satisfaction Revisit"),
            "res_model": "customer.feedback.revisit",
            "view_mode": "form",
            "target": "new",
            "context": {"default_feedback_id": self.id},
        }

    def action_open_ratings(self):
        self.ensure_one()
        return self._window_action(
            "rating.rating_rating_action",
            domain=[("res_model", "=", self._name), ("res_id", "=", self.id)],
        )

    def _apply_satisfaction(self, score, note=None):
        """Record a satisfaction (1-5); an unsatisfied customer reopens resolved
        feedback for a second follow-up."""
        score = self._check_rate(score)
        self._write_system({"satisfaction": score, "satisfaction_date": fields.Datetime.now()})
        unhappy = self.filtered(lambda fb: fb.state in DONE_STATES and score <= UNSATISFIED_MAX)
        if unhappy:
            reason = self.env._(
                "The customer is not satisfied (%(score)s/5): reopened for a second follow-up.",
                score=score,
            )
            if note:
                reason = f"{reason}\n{note}"
            unhappy._reopen(reason)

    def _log_revisit(self, score, note=None):
        """The owner called the customer back: log it, and close when satisfied."""
        self.ensure_one()
        self._check_can_handle()
        self._check_state(DONE_STATES, self.env._("Logging a revisit"))
        score = self._check_rate(score)
        body = self.env._("Satisfaction revisit: %(score)s/5.", score=score)
        if note:
            body = f"{body} {note}"
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        self._activities_done(("mail_activity_type_feedback_revisit",), body)
        self._apply_satisfaction(score, note)
        if self.state == "resolved":
            self.action_close()

    def _reopen(self, reason):
        """Reopen for a second follow-up: the resolution clock restarts (a new
        commitment, with its own escalation ladder), the team leader gets an activity."""
        now = fields.Datetime.now()
        for feedback in self:
            feedback._write_system(
                {
                    "state": "in_progress",
                    "followup_count": feedback.followup_count + 1,
                    "resolved_date": False,
                    "resolve_start_date": now,
                    "escalation_level": 0,
                }
            )
            feedback.message_post(body=reason, message_type="comment", subtype_xmlid="mail.mt_note")
        self._activities_done(
            ("mail_activity_type_feedback_revisit",), self.env._("Feedback reopened")
        )
        plans = []
        for feedback in self:
            user = feedback._team_leader() or feedback.user_id
            summary = feedback._in_lang_of(user).env._(  # in the assignee's language
                "Second follow-up: %(customer)s is not satisfied",
                customer=feedback.commercial_partner_id.name,
            )
            plans.append((feedback, user, summary, reason, 0))
        self._schedule_activities("mail_activity_type_feedback_followup", plans)

    def _schedule_revisit(self):
        plans = []
        for feedback in self:
            user = feedback.user_id or self.env.user
            summary = feedback._in_lang_of(user).env._(  # in the assignee's language
                "Satisfaction revisit with %(customer)s",
                customer=feedback.commercial_partner_id.name,
            )
            plans.append(
                (feedback, user, summary, False, feedback.company_id.feedback_revisit_days)
            )
        self._schedule_activities("mail_activity_type_feedback_revisit", plans)
