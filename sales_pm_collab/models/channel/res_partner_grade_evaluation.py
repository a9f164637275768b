from datetime import date

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from .res_partner import CHANNEL_MANAGER_GROUP, CHANNEL_TYPES

STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("applied", "Applied"),
    ("rejected", "Rejected"),
]
CHANGES = [("promote", "Promote"), ("keep", "Keep"), ("demote", "Demote")]
# an evaluation window starts no earlier and lasts no longer than this
WINDOW_MIN_DATE = date(2000, 1, 1)
MAX_WINDOW_MONTHS = 120


class ResPartnerGradeEvaluation(models.Model):
    """One channel partner measured over a window against the grade ladder: its KPIs,
    the recommended level and the workflow that applies it (submit, approve, apply).

    Beside this file: the KPIs and the records behind each figure
    (`res_partner_grade_evaluation_kpi`), the run and the ladder
    (`res_partner_grade_evaluation_ladder`).
    """

    _name = "res.partner.grade.evaluation"
    _description = "Channel Partner Evaluation"
    _inherit = ["mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True
    # everything but the comments and the e-mail switch is measured (create_for_partners)
    # or decided by the workflow buttons; evaluations are never created by hand
    _system_fields = (
        "partner_id",
        "company_id",
        "currency_id",
        "channel_type",
        "channel_manager_id",
        "date_from",
        "date_to",
        "revenue",
        "revenue_previous",
        "growth",
        "amount_due",
        "amount_collected",
        "collection_rate",
        "collection_measured",
        "new_customers",
        "new_customer_ids",
        "satisfaction",
        "satisfaction_count",
        "satisfaction_measured",
        "training_rate",
        "training_grade_id",
        "grade_current_id",
        "grade_recommended_id",
        "grade_next_id",
        "change",
        "failing",
        "failing_streak",
        "gap_note",
        "gap_data",
        "state",
        "submitted_by_id",
        "submitted_date",
        "approver_id",
        "approval_date",
        "rejected_by_id",
        "rejected_date",
        "applied_date",
    )

    _rec_names_search = ["partner_id"]

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one(
        "res.partner",
        string="Channel Partner",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        readonly=True,
        default=lambda self: self.env.company.currency_id,
        help="The company currency of the KPIs.",
    )
    # the partner's channel type and manager when it was evaluated
    channel_type = fields.Selection(CHANNEL_TYPES, readonly=True, index=True)
    channel_manager_id = fields.Many2one("res.users", readonly=True, index=True)
    date_from = fields.Date(string="Window Start", required=True, readonly=True)
    date_to = fields.Date(string="Window End", required=True, readonly=True)
    # KPIs
    revenue = fields.Monetary(
        readonly=True,
        help="Posted customer invoices minus refunds, untaxed, company currency.",
    )
    revenue_previous = fields.Monetary(
        string="Previous Revenue",
        readonly=True,
        help="Revenue of the window of the same length just before.",
    )
    growth = fields.Float(
        string="Growth (%)",
        readonly=True,
        aggregator="avg",
        help="Revenue against the previous window; 0 when there was no previous revenue.",
    )
    amount_due = fields.Monetary(
        string="Invoiced Due",
        readonly=True,
        help="Total of the customer invoices due in the window, less the credit notes "
        "reconciled with them.",
    )
    amount_collected = fields.Monetary(
        string="Collected",
        readonly=True,
        help="Part of the amount due that is paid (the residual is unpaid).",
    )
    collection_rate = fields.Float(string="Collection Rate (%)", readonly=True, aggregator="avg")
    collection_measured = fields.Boolean(
        readonly=True, help="False when no invoice was due in the window."
    )
    new_customers = fields.Integer(
        readonly=True,
        help="Customer companies first won in the window with this channel partner: no "
        "opportunity of theirs was won (with any partner or none) before.",
    )
    new_customer_ids = fields.Many2many(
        "res.partner",
        "res_partner_grade_evaluation_new_customer_rel",
        "evaluation_id",
        "partner_id",
        string="New Customer Companies",
        readonly=True,
    )
    satisfaction = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Average satisfaction (1 to 5) of the feedback of the partner's customers "
        "rated in the window: customer companies of opportunities won with this channel "
        "partner by the end of the window; cancelled feedback left out.",
    )
    satisfaction_count = fields.Integer(
        string="Rated Feedback",
        readonly=True,
        help="Number of rated feedback behind the satisfaction.",
    )
    satisfaction_measured = fields.Boolean(
        readonly=True,
        help="False when none of the partner's customers rated a feedback in the window.",
    )
    training_rate = fields.Float(
        string="Training Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the mandatory courses of the target level (the level above the "
        "recommended one; the recommended one at the top) the partner passed.",
    )
    training_grade_id = fields.Many2one(
        "res.partner.grade", string="Training Rate For", readonly=True
    )
    # ladder
    grade_current_id = fields.Many2one(
        "res.partner.grade", string="Current Level", readonly=True, index=True
    )
    grade_recommended_id = fields.Many2one(
        "res.partner.grade",
        string="Recommended Level",
        readonly=True,
        index=True,
        help="The highest level of the ladder whose every set criterion is met.",
    )
    grade_next_id = fields.Many2one(
        "res.partner.grade",
        string="Next Level",
        readonly=True,
        help="The level above the recommended one: the gap note says what it misses.",
    )
    change = fields.Selection(CHANGES, readonly=True, index=True)
    failing = fields.Boolean(readonly=True, help="The partner no longer meets its current level.")
    failing_streak = fields.Integer(
        readonly=True,
        help="Consecutive failing evaluations at the current level, this one included.",
    )
    # what the partner misses for the next level, as data ({"gaps": [[criterion,
    # missing amount], ...], "top": bool, "failing": [streak, grace]}): the note is
    # rendered from it in the reader's language (a channel manager in Chinese, the
    # partner's e-mail in the partner's language), never stored in the language in use
    # when the evaluation ran
    gap_data = fields.Json(readonly=True)
    gap_note = fields.Char(
        string="Gap to Next Level",
        compute="_compute_gap_note",
        help="What the partner misses for the next level, in your language.",
    )
    # workflow
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, tracking=True, index=True
    )
    notify_partner = fields.Boolean(
        string="Email the Partner",
        default=lambda self: self.env.company.channel_evaluation_email,
        help="When applied, email the partner its result and its gap to the next level.",
    )
    note = fields.Html(string="Comments")
    submitted_by_id = fields.Many2one("res.users", readonly=True)
    submitted_date = fields.Datetime(readonly=True)
    approver_id = fields.Many2one("res.users", string="Approved By", readonly=True, tracking=True)
    approval_date = fields.Datetime(readonly=True)
    rejected_by_id = fields.Many2one("res.users", readonly=True)
    rejected_date = fields.Datetime(readonly=True)
    applied_date = fields.Datetime(readonly=True)

    _window_order = models.Constraint(
        "CHECK(date_to >= date_from)",
        "An evaluation window cannot end before it starts.",
    )
    _partner_window_idx = models.Index("(partner_id, date_to)")

    @api.depends("partner_id.name", "date_from", "date_to")
    def _compute_name(self):
        for evaluation in self:
            evaluation.name = (
                f"{evaluation.partner_id.name or ''} "
                f"({evaluation.date_from or ''} - {evaluation.date_to or ''})"
            )

    @api.depends("gap_data", "currency_id")
    @api.depends_context("lang")
    def _compute_gap_note(self):
        for evaluation in self:
            evaluation.gap_note = self._render_gap(evaluation.gap_data, evaluation.currency_id)

    # === CRUD === #
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Evaluations are measured, not typed: use Evaluate Partners to create them."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        locked = [f for f in vals if not f.startswith(("message_", "activity_", "website_message"))]
        if locked and any(evaluation.state == "applied" for evaluation in self):
            raise UserError(
                self.env._(
                    "An applied evaluation cannot be changed: run a new evaluation of the "
                    "partner instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        if any(evaluation.state == "applied" for evaluation in self):
            raise UserError(
                self.env._(
                    "An applied evaluation cannot be deleted: it is the history of the "
                    "partner's level. Run a new evaluation instead."
                )
            )

    # === actions === #
    def _check_channel_manager(self):
        self._check_role(
            [CHANNEL_MANAGER_GROUP],
            self.env._(
                "Only channel managers can submit, approve, reject or apply evaluations: "
                "ask a channel manager."
            ),
        )

    def _check_state(self, allowed, message):
        wrong = self.filtered(lambda e: e.state not in allowed)
        if wrong:
            raise UserError(
                message
                % {
                    "names": ", ".join(wrong.mapped("name")),
                    "states": ", ".join(
                        dict(STATES)[s] for s in sorted(set(wrong.mapped("state")))
                    ),
                }
            )

    def action_submit(self):
        self._check_channel_manager()
        self._check_state(
            ["draft"],
            self.env._("Only draft evaluations can be submitted; %(names)s is %(states)s."),
        )
        self._write_system(
            {
                "state": "to_approve",
                "submitted_by_id": self.env.uid,
                "submitted_date": fields.Datetime.now(),
            }
        )
        return True

    def action_approve(self):
        self._check_channel_manager()
        already = self.filtered(lambda e: e.state in ("approved", "applied"))
        if already:
            raise UserError(
                self.env._(
                    "An evaluation is approved once; already approved: %(names)s.",
                    names=", ".join(already.mapped("name")),
                )
            )
        self._check_state(
            ["to_approve"],
            self.env._(
                "Only submitted evaluations can be approved; %(names)s is %(states)s. "
                "Submit it first."
            ),
        )
        self._write_system(
            {
                "state": "approved",
                "approver_id": self.env.uid,
                "approval_date": fields.Datetime.now(),
            }
        )
        return True

    def action_reject(self):
        self._check_channel_manager()
        self._check_state(
            ["draft", "to_approve", "approved"],
            self.env._("%(names)s cannot be rejected: it is %(states)s."),
        )
        self._write_system(
            {
                "state": "rejected",
                "rejected_by_id": self.env.uid,
                "rejected_date": fields.Datetime.now(),
            }
        )
        return True

    def action_reset_draft(self):
        self._check_channel_manager()
        self._check_state(
            ["to_approve", "rejected"],
            self.env._("%(names)s cannot go back to draft: it is %(states)s."),
        )
        self._write_system({"state": "draft"})
        return True

    def action_apply(self):
        """Set the approved levels on the partners (core's grade sets the pricelist)."""
        self._check_channel_manager()
        self._check_state(
            ["approved"],
            self.env._("Only approved evaluations can be applied; %(names)s is %(states)s."),
        )
        for evaluation in self:
            partner = evaluation.partner_id
            if partner.grade_id != evaluation.grade_current_id:
                raise UserError(
                    self.env._(
                        "The level of %(partner)s changed since %(evaluation)s was computed "
                        "(%(then)s, now %(now)s). Reject it and run a new evaluation.",
                        partner=partner.display_name,
                        evaluation=evaluation.name,
                        then=evaluation.grade_current_id.name or self.env._("none"),
                        now=partner.grade_id.name or self.env._("none"),
                    )
                )
        today = fields.Date.context_today(self)
        template = self.env.ref(
            "sales_pm_collab.mail_template_grade_evaluation_result", raise_if_not_found=False
        )
        for evaluation in self:
            partner = evaluation.partner_id
            # the level and its date are the evaluation's to set (the partner's write
            # dates the level change); the chatter and the level history name the user
            if evaluation.change in ("promote", "demote"):
                partner._write_system({"grade_id": evaluation.grade_recommended_id.id})
            elif not partner.grade_date and partner.grade_id:
                partner._write_system({"grade_date": today})
            # a note for the partner's channel manager, in their language (else the
            # language of the user who applies it)
            reader = partner.channel_manager_id or self.env.user
            partner.message_post(
                body=evaluation._in_lang_of(reader)._summary_html(),
                subtype_xmlid="mail.mt_note",
            )
            evaluation._write_system({"state": "applied", "applied_date": fields.Datetime.now()})
            if evaluation.notify_partner and template and partner.email:
                evaluation.message_post_with_source(
                    template, message_type="comment", subtype_xmlid="mail.mt_comment"
                )
            elif evaluation.notify_partner and template:
                evaluation.message_post(
                    body=self.env._(
                        "The result was not emailed: %(partner)s has no email address.",
                        partner=partner.display_name,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        return True

    def _summary_html(self):
        self.ensure_one()
        change = dict(self._fields["change"]._description_selection(self.env))[self.change]
        lines = [
            self.env._(
                "Evaluation %(from)s - %(to)s applied: %(change)s, level %(grade)s.",
                **{
                    "from": self.date_from,
                    "to": self.date_to,
                    "change": change,
                    "grade": self.grade_recommended_id.name
                    if self.change != "keep"
                    else self.grade_current_id.name or self.env._("none"),
                },
            ),
            self.env._(
                "Revenue %(revenue)s (growth %(growth)s), collection rate %(collection)s, "
                "new customers %(new)s, satisfaction %(satisfaction)s, training rate "
                "%(training)s%%.",
                revenue=formatLang(self.env, self.revenue, currency_obj=self.currency_id),
                growth=f"{self.growth:.1f}%"
                if self.revenue_previous
                else self.env._("no previous revenue"),
                collection=f"{self.collection_rate:.1f}%"
                if self.collection_measured
                else self.env._("not measured"),
                new=self.new_customers,
                satisfaction=f"{self.satisfaction:.2f}"
                if self.satisfaction_measured
                else self.env._("not measured"),
                training=round(self.training_rate, 1),
            ),
        ]
        if self.gap_note:
            lines.append(
                self.env._(
                    "To reach %(grade)s: %(gap)s.",
                    grade=self.grade_next_id.name,
                    gap=self.gap_note,
                )
            )
        return Markup("<br/>").join(lines)

    def action_view_trainings(self):
        self.ensure_one()
        return self.partner_id.action_view_trainings()

    def action_view_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }
