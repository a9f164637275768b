from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError

from .customer_feedback import DONE_STATES, OPEN_STATES


class CustomerFeedback(models.Model):
    """The handling workflow: new -> acknowledged -> in progress -> resolved -> closed;
    resolved or closed feedback can be reopened, open feedback cancelled. Each button
    checks the user may change the feedback, then writes the state as the system."""

    _inherit = "customer.feedback"

    def _check_state(self, allowed, action):
        wrong = self.filtered(lambda fb: fb.state not in allowed)
        if wrong:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(action)s is not possible for %(feedback)s: it is %(state)s. Allowed "
                    "from: %(allowed)s.",
                    action=action,
                    feedback=wrong[0].display_name,
                    state=states[wrong[0].state],
                    allowed=", ".join(states[s] for s in allowed),
                )
            )

    def _check_can_handle(self):
        """Who may press a workflow button: whoever may change the feedback (record
        rules: customer service, product managers, the rep on their customers' feedback,
        sales managers on their teams'...); read-only roles are refused."""
        self.check_access("write")

    def action_acknowledge(self):
        """Tell the customer they are heard: the first response of the SLA."""
        self._check_can_handle()
        self._check_state(("new",), self.env._("Acknowledging"))
        self._move_on({"state": "acknowledged"}, fields.Datetime.now())
        return True

    def action_start(self):
        self._check_can_handle()
        self._check_state(("new", "acknowledged"), self.env._("Starting the work"))
        self._move_on({"state": "in_progress"}, fields.Datetime.now())
        return True

    def action_resolve(self):
        """Resolve: complaints and defects need a root cause and a solution. The
        customer gets the rating request, the owner a revisit activity."""
        self._check_can_handle()
        self._check_state(OPEN_STATES, self.env._("Resolving"))
        self._check_root_cause_given()
        now = fields.Datetime.now()
        self._move_on({"state": "resolved", "resolved_date": now}, now, take_ownership=False)
        self._activities_done(
            ("mail_activity_type_feedback_sla_risk", "mail_activity_type_feedback_escalation"),
            self.env._("Feedback resolved"),
        )
        self._schedule_revisit()
        self._send_rating_request()
        return True

    def _move_on(self, vals, now, take_ownership=True):
        """Write `vals` (a move forward): the first one answers the customer (the SLA's
        first response) and, with `take_ownership`, gives unowned feedback to whoever moves
        it. One write per group of feedback that needs the same values."""
        groups = defaultdict(lambda: self.browse())
        for feedback in self:
            key = (not feedback.first_response_date, take_ownership and not feedback.user_id)
            groups[key] |= feedback
        for (first_response, owner), feedback in groups.items():
            extra = {"first_response_date": now} if first_response else {}
            if owner:
                extra["user_id"] = self.env.user.id
            feedback._write_system(vals | extra)

    def action_close(self):
        self._check_can_handle()
        self._check_state(("resolved",), self.env._("Closing"))
        self._write_system({"state": "closed"})
        return True

    def action_reopen(self):
        """The customer is not satisfied yet: back to work, one more follow-up."""
        self._check_can_handle()
        self._check_state(DONE_STATES, self.env._("Reopening"))
        self._reopen(self.env._("Reopened by %(user)s.", user=self.env.user.name))
        return True

    def action_cancel(self):
        self._check_can_handle()
        self._check_state(OPEN_STATES, self.env._("Cancelling"))
        # cancelled feedback counts nowhere (demand, channel satisfaction): a user may
        # not make a customer's rating disappear that way
        rated = self.browse() if self.env.su else self.filtered("satisfaction")
        if rated:
            raise UserError(
                self.env._(
                    "%(feedback)s was rated by the customer (%(score)s/5): it cannot be "
                    "cancelled, its satisfaction counts. Resolve it instead.",
                    feedback=rated[0].display_name,
                    score=rated[0].satisfaction,
                )
            )
        self._write_system({"state": "cancelled"})
        self._activities_done(
            ("mail_activity_type_feedback_sla_risk", "mail_activity_type_feedback_escalation"),
            self.env._("Feedback cancelled"),
        )
        return True

    def action_reset_to_new(self):
        self._check_can_handle()
        self._check_state(("cancelled",), self.env._("Resetting to new"))
        self._write_system({"state": "new"})
        return True
