import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import format_datetime, split_every

from .customer_feedback import DONE_STATES, OPEN_STATES

_logger = logging.getLogger(__name__)

SLA_STATUSES = [
    ("on_time", "On Time"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
]
SLA_BATCH = 1000
# kanban colour indexes of the SLA status (green, orange, red)
SLA_COLORS = {"on_time": 10, "at_risk": 2, "breached": 1}


class CustomerFeedback(models.Model):
    """The SLA engine of customer feedback: the policy that applies
    (`customer.feedback.sla`), the deadlines in working hours, and the at-risk / breach /
    escalation ladder the cron walks every 15 minutes (`_cron_update_sla`)."""

    _inherit = "customer.feedback"
    # the customer sees its commitments (answer by, resolve by), not the engine's state
    _portal_fields = ("first_response_deadline", "resolve_deadline")

    sla_id = fields.Many2one(
        "customer.feedback.sla",
        string="SLA Policy",
        compute="_compute_sla_id",
        store=True,
        check_company=True,
        tracking=True,
        help="Set from the first matching policy while the feedback is not resolved.",
    )
    resolve_start_date = fields.Datetime(
        "Resolution Clock Start",
        readonly=True,
        copy=False,
        help="Set when the feedback is reopened: the resolution time counts again from then.",
    )
    first_response_deadline = fields.Datetime(compute="_compute_deadlines", store=True)
    resolve_deadline = fields.Datetime(compute="_compute_deadlines", store=True)
    first_response_risk_date = fields.Datetime(compute="_compute_deadlines", store=True)
    resolve_risk_date = fields.Datetime(compute="_compute_deadlines", store=True)
    first_response_escalation_date = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        help="Twice the allowed first response time: escalation to the sales manager.",
    )
    resolve_escalation_date = fields.Datetime(
        compute="_compute_deadlines",
        store=True,
        help="Twice the allowed resolution time: escalation to the sales manager.",
    )
    sla_status = fields.Selection(
        SLA_STATUSES, string="SLA Status", readonly=True, copy=False, index=True
    )
    sla_next_check = fields.Datetime(
        readonly=True,
        copy=False,
        help="Next moment the SLA status or escalation may change (technical).",
    )
    breached_rate = fields.Float(
        "% Breached",
        compute="_compute_breached_rate",
        store=True,
        aggregator="avg",
        help="100 when the SLA is breached, else 0: its average is the share breached.",
    )
    escalation_level = fields.Integer(
        readonly=True,
        copy=False,
        tracking=True,
        help="0 = none, 1 = team leader, 2 = sales manager.",
    )
    escalation_label = fields.Char(compute="_compute_escalation_label", string="Escalated To")
    sla_color = fields.Integer(compute="_compute_sla_color")

    _escalation_level_range = models.Constraint(
        "CHECK(escalation_level BETWEEN 0 AND 2)",
        "The escalation level is 0 (none), 1 (team leader) or 2 (sales manager).",
    )
    _sla_due_idx = models.Index(
        "(sla_next_check) WHERE state IN ('new', 'acknowledged', 'in_progress')"
    )

    @api.depends("kind", "priority", "partner_id", "team_id", "company_id")
    def _compute_sla_id(self):
        # resolved feedback keeps its policy (and deadlines); one recorded directly as
        # resolved (imports, demo) still gets the policy it would have had
        todo = self.filtered(lambda fb: not fb.state or fb.state in OPEN_STATES or not fb.sla_id)
        matches = self.env["customer.feedback.sla"]._find_for(todo)
        for feedback in todo:
            feedback.sla_id = matches[feedback]

    @api.depends("sla_id", "sla_start_date", "resolve_start_date")
    def _compute_deadlines(self):
        """Deadlines in working hours of the policy's calendar. They are set when the
        policy is assigned (or the clock restarts): editing a policy's hours applies to
        feedback matched from then on, not to the history."""
        for feedback in self:
            sla = feedback.sla_id
            start = feedback.sla_start_date
            if not sla or not start:
                feedback.update(dict.fromkeys(self._sla_date_fields(), False))
                continue
            risk = sla.at_risk_percent / 100.0
            first, resolve = sla.first_response_hours, sla.resolve_hours
            resolve_start = feedback.resolve_start_date or start
            if resolve_start == start:
                dates = sla._plan(
                    start,
                    [first * risk, first, 2 * first, resolve * risk, resolve, 2 * resolve],
                    feedback.company_id,
                )
            else:
                dates = sla._plan(start, [first * risk, first, 2 * first], feedback.company_id)
                dates += sla._plan(
                    resolve_start, [resolve * risk, resolve, 2 * resolve], feedback.company_id
                )
            feedback.update(dict(zip(self._sla_date_fields(), dates, strict=True)))

    @api.model
    def _sla_date_fields(self):
        return (
            "first_response_risk_date",
            "first_response_deadline",
            "first_response_escalation_date",
            "resolve_risk_date",
            "resolve_deadline",
            "resolve_escalation_date",
        )

    def _message_post_after_hook(self, message, msg_values):
        """The first message sent to the customer (not an internal note) by an employee
        is the first response of the SLA: posted in the chatter, or an e-mail reply
        routed into the feedback (not the e-mail that created it)."""
        if (
            len(self) == 1
            and not self.first_response_date
            and (
                message.message_type == "comment"
                or (message.message_type == "email" and message.parent_id)
            )
            and not message.is_internal
            and not message.subtype_id.internal
            and message.author_id.user_ids.filtered(lambda user: not user.share)
        ):
            recipients = message.partner_ids | self.message_partner_ids
            customer = self.commercial_partner_id
            if customer and customer in recipients.commercial_partner_id:
                self.sudo().first_response_date = message.date or fields.Datetime.now()
        return super()._message_post_after_hook(message, msg_values)

    @api.depends("sla_status")
    def _compute_breached_rate(self):
        for feedback in self:
            feedback.breached_rate = 100.0 if feedback.sla_status == "breached" else 0.0

    @api.depends("escalation_level")
    def _compute_escalation_label(self):
        labels = {1: self.env._("Team leader"), 2: self.env._("Sales manager")}
        for feedback in self:
            feedback.escalation_label = labels.get(feedback.escalation_level, False)

    @api.depends("sla_status")
    def _compute_sla_color(self):
        for feedback in self:
            feedback.sla_color = SLA_COLORS.get(feedback.sla_status, 0)

    def _team_leader(self):
        self.ensure_one()
        return self.team_id.user_id

    def _escalation_manager(self):
        """Level 2 of the escalation: the company's escalation manager (setting
        Feedback > Escalation manager), else its first sales manager (Sales /
        Administrator) by seniority."""
        self.ensure_one()
        company = self.company_id
        if company.feedback_escalation_user_id:
            return company.feedback_escalation_user_id
        return self.env["res.users"].search(
            [
                ("all_group_ids", "in", self.env.ref("sales_team.group_sale_manager").ids),
                ("company_ids", "in", company.ids),
                ("share", "=", False),
                ("id", "!=", self.env.ref("base.user_root").id),
            ],
            order="id",
            limit=1,
        )

    def _sla_evaluate(self, now):
        """(status, escalation level, next check) of this feedback at `now`.

        Each target not met yet (first response, resolution) has three moments: at
        risk (at_risk_percent of the allowed working time), breached (the deadline)
        and escalation to level 2 (twice the allowed time). A target met late keeps
        the feedback breached. The level never goes down here.
        """
        self.ensure_one()
        if not self.sla_id or self.state == "cancelled" or not self.first_response_deadline:
            return False, self.escalation_level, False
        pending = []
        breached = False
        if self.first_response_date:
            breached = self.first_response_date > self.first_response_deadline
        elif self.state in OPEN_STATES:
            pending.append(
                (
                    self.first_response_risk_date,
                    self.first_response_deadline,
                    self.first_response_escalation_date,
                )
            )
        if self.state in DONE_STATES:
            breached |= (self.resolved_date or now) > self.resolve_deadline
        else:
            pending.append(
                (self.resolve_risk_date, self.resolve_deadline, self.resolve_escalation_date)
            )
        late = any(deadline <= now for _risk, deadline, _esc in pending)
        status = "on_time"
        if breached or late:
            status = "breached"
        elif any(risk <= now for risk, _deadline, _esc in pending):
            status = "at_risk"
        due_level = 0
        if any(esc <= now for _risk, _deadline, esc in pending):
            due_level = 2
        elif late:
            due_level = 1
        future = [moment for moments in pending for moment in moments if moment > now]
        return status, max(self.escalation_level, due_level), min(future) if future else False

    def _sla_process(self, now=None, batch=False):
        """Bring sla_status, escalation_level and sla_next_check up to date at `now`
        and act on the changes: at risk -> activity for the owner; level 1 -> activity
        for the team leader; level 2 -> activity for the sales manager; each
        escalation logs a tracked message. Batched: a few queries per call, whatever
        the number of records (`batch`, the cron, also skips per-activity e-mails and
        writes the activities, followers and notes in bulk: customer_feedback_sla_bulk).
        """
        now = now or fields.Datetime.now()
        to_write = defaultdict(list)
        at_risk = self.browse()
        escalations = []
        for feedback in self:
            status, level, next_check = feedback._sla_evaluate(now)
            current = (feedback.sla_status, feedback.escalation_level, feedback.sla_next_check)
            if (status, level, next_check) == current:
                continue
            to_write[(status, level, next_check)].append(feedback.id)
            if status == "at_risk" and feedback.sla_status != "at_risk":
                at_risk |= feedback
            if level > feedback.escalation_level:
                escalations.append((feedback, feedback.escalation_level, level))
        if at_risk:
            at_risk._sla_notify_at_risk(notify=not batch)
        if escalations:
            self._sla_escalate(escalations, notify=not batch)
        for (status, level, next_check), ids in to_write.items():
            # the SLA engine's own fields, on the server's decision (also after a user's
            # change of kind or priority): written as the system
            self.browse(ids).sudo().with_context(mail_notrack=True).write(
                {"sla_status": status, "escalation_level": level, "sla_next_check": next_check}
            )
        if batch and (at_risk or escalations):
            # the bulk inserts bypassed the caches of the feedback's chatter and activities
            self.env.invalidate_all()

    def _sla_notify_at_risk(self, notify=True):
        plans = []
        for feedback in self:
            deadline = (
                feedback.resolve_deadline
                if feedback.first_response_date
                else feedback.first_response_deadline
            )
            user = feedback.user_id or feedback._team_leader()
            # in the assignee's language
            env = feedback._in_lang_of(user).env
            note = env._(
                "Due %(deadline)s.",
                deadline=format_datetime(env, deadline, tz=user.tz or "UTC"),
            )
            summary = env._("SLA at risk: %(feedback)s", feedback=feedback.display_name)
            plans.append((feedback, user, summary, note, 0))
        self._sla_schedule("mail_activity_type_feedback_sla_risk", plans, notify)

    def _sla_schedule(self, type_xmlid, plans, notify):
        """The SLA's activities: with their e-mails through the ORM, or, for the cron
        (no e-mail), in bulk (customer_feedback_sla_bulk.py)."""
        if notify:
            return self._schedule_activities(type_xmlid, plans)
        return self._sla_bulk_activities(type_xmlid, plans)

    def _sla_escalate(self, escalations, notify=True):
        """escalations: [(feedback, old level, new level)]. One activity per level
        reached, one tracked message per feedback, all created in batches."""
        plans = []
        bodies = {}
        managers = {}
        for feedback, old_level, new_level in escalations:
            if feedback.company_id not in managers:
                managers[feedback.company_id] = feedback._escalation_manager()
            manager = managers[feedback.company_id]
            names = []
            for level in range(old_level + 1, new_level + 1):
                if level == 1:
                    user = feedback._team_leader() or manager
                    summary = feedback._in_lang_of(user).env._(
                        "SLA breached: %(feedback)s", feedback=feedback.display_name
                    )
                else:
                    user = manager or feedback._team_leader()
                    summary = feedback._in_lang_of(user).env._(
                        "SLA breached for twice the allowed time: %(feedback)s",
                        feedback=feedback.display_name,
                    )
                plans.append((feedback, user, summary, False, 0))
                if user:
                    names.append(user.name)
            bodies[feedback.id] = self.env._(
                "SLA breached: escalated to level %(level)s (%(users)s).",
                level=new_level,
                users=", ".join(names) or self.env._("nobody to escalate to"),
            )
        self._sla_schedule("mail_activity_type_feedback_escalation", plans, notify)
        if notify:
            self._sla_log_escalations(escalations, bodies)
        else:
            self._sla_bulk_log(escalations, bodies)

    def _sla_log_escalations(self, escalations, bodies):
        """Log one message per escalated feedback with the tracking value of
        escalation_level (old -> new), in two batched creates."""
        records = self.browse([feedback.id for feedback, _old, _new in escalations])
        messages = records._message_log_batch(bodies)
        field_info = self.fields_get(["escalation_level"], attributes=("string", "type"))[
            "escalation_level"
        ]
        tracking = self.env["mail.tracking.value"].sudo()
        tracking.create(
            [
                dict(
                    tracking._create_tracking_values(
                        old_level, new_level, "escalation_level", field_info, feedback
                    ),
                    mail_message_id=message.id,
                )
                for (feedback, old_level, new_level), message in zip(
                    escalations, messages, strict=True
                )
            ]
        )

    @api.model
    def _cron_update_sla(self, batch_size=SLA_BATCH):
        """Every 15 minutes: the feedback whose SLA may have changed since the last
        run (sla_next_check passed) is re-evaluated in batches, each committed with
        its progress. A failing batch is retried record by record; a failing record
        is logged and skipped without stopping the others."""
        now = fields.Datetime.now()
        due = self.search(
            [("state", "in", OPEN_STATES), ("sla_next_check", "<=", now)],
            order="sla_next_check, id",
        ).ids
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=len(due))
        for ids in split_every(batch_size, due):
            batch = self.browse(ids)
            try:
                with self.env.cr.savepoint():
                    batch._sla_process(now, batch=True)
            except Exception:
                _logger.warning(
                    "SLA update failed for a batch of feedback; retrying one by one",
                    exc_info=True,
                )
                for feedback in batch:
                    try:
                        with self.env.cr.savepoint():
                            feedback._sla_process(now, batch=True)
                    except Exception:
                        _logger.exception("SLA update failed for feedback %s", feedback.id)
            if not cron._commit_progress(len(ids)):
                break
