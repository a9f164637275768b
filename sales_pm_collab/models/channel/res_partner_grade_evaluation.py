from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, formatLang

from .res_partner import CHANNEL_TYPES

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
    """One channel partner measured over a window against the grade ladder.

    KPIs come from the ERP with one grouped query per KPI for all the partners of a batch
    (`_kpi_*` methods, each returning {partner_id: value}; a partner missing from the
    result of a ratio KPI, collection rate or satisfaction, is "not measured").

    A channel partner's customers are the customer companies of the opportunities won
    with it as `channel_partner_id` (`_channel_customers_query`): the new-customers KPI
    counts those first won in the window, the satisfaction KPI averages their feedback.
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
    gap_note = fields.Char(string="Gap to Next Level", readonly=True)
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

    # ------------------------------------------------------------------ CRUD

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

    # --------------------------------------------------------------- actions

    def _check_channel_manager(self):
        if not self.env["res.partner"]._is_channel_manager():
            raise UserError(
                self.env._(
                    "Only channel managers can submit, approve, reject or apply evaluations: "
                    "ask a channel manager."
                )
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
            partner.message_post(body=evaluation._summary_html(), subtype_xmlid="mail.mt_note")
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

    # KPI links: each figure opens the records behind it
    def _invoice_action(self, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(
            {
                "name": name,
                "display_name": name,  # the breadcrumb shows the display name
                "domain": domain,
                "context": {"create": False, "default_move_type": "out_invoice"},
            }
        )
        return action

    def _previous_window(self):
        self.ensure_one()
        return self._previous_window_dates(self.date_from, self.date_to)

    @api.model
    def _previous_window_dates(self, date_from, date_to):
        """The window just before [date_from, date_to] that the growth compares with: as
        many months before a window of whole months (2024-03-01 - 2025-02-28 against
        2023-03-01 - 2024-02-29), else as many days."""
        previous_to = date_from - timedelta(days=1)
        end = date_to + timedelta(days=1)
        if date_from.day == 1 and end.day == 1:
            months = relativedelta(end, date_from)
            return date_from - months, previous_to
        return previous_to - (date_to - date_from), previous_to

    def action_view_revenue_invoices(self, previous=False):
        """The posted invoices and refunds behind the revenue (or the previous revenue)."""
        self.ensure_one()
        date_from, date_to = self._previous_window() if previous else (self.date_from, self.date_to)
        return self._invoice_action(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                *((fname, "=", False) for fname in self._kpi_revenue_excluded_move_fields()),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
            ],
            self.env._(
                "Revenue of %(partner)s, %(from)s - %(to)s",
                **{"partner": self.partner_id.name, "from": date_from, "to": date_to},
            ),
        )

    def action_view_previous_invoices(self):
        return self.action_view_revenue_invoices(previous=True)

    def action_view_due_invoices(self):
        self.ensure_one()
        return self._invoice_action(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "!=", "reversed"),
                ("invoice_date_due", ">=", self.date_from),
                ("invoice_date_due", "<=", self.date_to),
            ],
            self.env._("Invoices due of %(partner)s", partner=self.partner_id.name),
        )

    def action_view_new_customer_opportunities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        name = self.env._("New customers of %(partner)s", partner=self.partner_id.name)
        action.update(
            {
                "name": name,
                "display_name": name,
                "domain": [
                    ("channel_partner_id", "=", self.partner_id.id),
                    ("won_status", "=", "won"),
                    ("partner_id.commercial_partner_id", "in", self.new_customer_ids.ids),
                    ("date_closed", ">=", fields.Datetime.to_datetime(self.date_from)),
                    (
                        "date_closed",
                        "<",
                        fields.Datetime.to_datetime(self.date_to + timedelta(days=1)),
                    ),
                ],
                "context": {"create": False, "active_test": False},
                "view_mode": "list,form",
                "views": [(False, "list"), (False, "form")],
            }
        )
        return action

    def action_view_satisfaction_feedback(self):
        """The rated feedback behind the satisfaction figure."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_pm_collab.customer_feedback_action"
        )
        name = self.env._("Customer satisfaction of %(partner)s", partner=self.partner_id.name)
        action.update(
            {
                "name": name,
                "display_name": name,
                "domain": self._satisfaction_feedback_domain(),
                "context": {"create": False},
                "view_mode": "list,form",
                "views": [
                    (
                        self.env.ref(
                            "sales_pm_collab.view_customer_feedback_list_channel_satisfaction"
                        ).id,
                        "list",
                    ),
                    (False, "form"),
                ],
            }
        )
        return action

    def _satisfaction_feedback_domain(self):
        """Domain of the feedback `_kpi_satisfaction` averages for this evaluation."""
        self.ensure_one()
        customers = self._channel_customers(self.partner_id, self.date_to, self.company_id)
        start, end = self._window_datetimes(self.date_from, self.date_to)
        return [
            ("commercial_partner_id", "in", customers.get(self.partner_id.id, [])),
            ("company_id", "=", self.company_id.id),
            ("state", "!=", "cancelled"),
            ("satisfaction", ">", 0),
            ("satisfaction_date", ">=", start),
            ("satisfaction_date", "<", end),
        ]

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

    # ------------------------------------------------------------ evaluation

    @api.model
    def _default_window(self, months=12, today=None):
        """The `months` full months up to the end of last month."""
        today = today or fields.Date.context_today(self)
        date_to = today.replace(day=1) - timedelta(days=1)
        date_from = date_to + timedelta(days=1) - relativedelta(months=months)
        return date_from, date_to

    @api.model
    def create_for_partners(self, partners, date_from, date_to):
        """Measure `partners` over the window and create one draft evaluation each.

        Every KPI is one grouped query for all the partners; the partners' earlier draft
        evaluations (figures only, nothing decided yet) are replaced.
        Returns the created evaluations.
        """
        self.check_access("create")
        partners = self._evaluation_partners(partners)
        # the partners named must be readable by the user (e.g. not another company's)
        partners.check_access("read")
        date_from, date_to = self._check_window(date_from, date_to)
        # the channel partners behind the given ones (commercial entities) that this
        # company may evaluate (its own or shared), in one query
        company = self.env.company
        self.env["res.partner"].flush_model(
            [
                "commercial_partner_id",
                "channel_type",
                "channel_manager_id",
                "grade_id",
                "company_id",
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT c.id, c.channel_type, c.channel_manager_id, c.grade_id
                  FROM res_partner p
                  JOIN res_partner c ON c.id = p.commercial_partner_id
                 WHERE p.id = ANY(%(ids)s) AND c.channel_type IS NOT NULL
                   AND (c.company_id IS NULL OR c.company_id = %(company)s)
              ORDER BY c.id
                """,
                ids=partners.ids,
                company=company.id,
            )
        )
        partners = self.env["res.partner"].browse([row[0] for row in rows])
        if not partners:
            raise UserError(
                self.env._(
                    "None of the selected partners is a channel partner of %(company)s: set a "
                    "channel type on them first, or switch to their company.",
                    company=company.name,
                )
            )
        kpis = self._compute_kpis(partners, date_from, date_to)
        criteria = self._ladder_criteria(self.env["res.partner.grade"]._get_ladder(company))
        previous = self._previous_evaluations(partners, date_to)
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        # (a shared partner evaluated by another company keeps that company's drafts)
        drafts = self.search(
            [
                ("partner_id", "in", partners.ids),
                ("state", "=", "draft"),
                ("company_id", "=", company.id),
            ]
        )
        if drafts:
            drafts.unlink()
            # the partners' last evaluation is rewritten below, in one statement
            for fname in self.env["res.partner"]._LAST_EVALUATION_FIELDS:
                self.env.remove_to_compute(self.env["res.partner"]._fields[fname], partners)
        vals_list = []
        for partner_id, channel_type, manager_id, grade_id in rows:
            vals = {
                "partner_id": partner_id,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "channel_type": channel_type,
                "channel_manager_id": manager_id,
                "date_from": date_from,
                "date_to": date_to,
                **{key: values.get(partner_id) for key, values in kpis.items()},
            }
            vals.update(self._ladder_values(vals, grade_id, criteria, previous, lang))
            vals_list.append(self._clean_kpi_values(vals))
        evaluations = self._insert_evaluations(vals_list)
        self.env["res.partner"]._update_last_evaluation(partners)
        return evaluations

    @api.model
    def _evaluation_partners(self, partners):
        """The partners to evaluate as a recordset, from a recordset or ids (RPC, XML data):
        one id or a list of ids; anything else is refused with a message."""
        if isinstance(partners, models.BaseModel):
            if partners._name != "res.partner":
                partners = None
        elif isinstance(partners, int) and not isinstance(partners, bool):
            partners = self.env["res.partner"].browse(partners)
        elif isinstance(partners, (list, tuple)) and all(
            isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 for pid in partners
        ):
            partners = self.env["res.partner"].browse(partners)
        else:
            partners = None
        if partners is None:
            raise ValidationError(
                self.env._("Evaluate Partners expects partners: a list of partner ids.")
            )
        return partners.exists()

    @api.model
    def _check_window(self, date_from, date_to):
        """The evaluation window as dates, refused with a message when it is not a window
        that has happened: dates, ending after it starts, ending today at the latest,
        starting in WINDOW_MIN_DATE or later and lasting MAX_WINDOW_MONTHS at most."""
        try:
            date_from = fields.Date.to_date(date_from) if date_from else None
            date_to = fields.Date.to_date(date_to) if date_to else None
        except (TypeError, ValueError):
            raise ValidationError(
                self.env._(
                    "The evaluation window needs two dates (YYYY-MM-DD); got %(from)s and %(to)s.",
                    **{"from": repr(date_from)[:40], "to": repr(date_to)[:40]},
                )
            ) from None
        if not date_from or not date_to:
            raise ValidationError(self.env._("Set the start and the end of the evaluation window."))
        if date_to < date_from:
            raise ValidationError(
                self.env._(
                    "The evaluation window ends (%(to)s) before it starts (%(from)s): pick an "
                    "end date after the start date.",
                    **{"from": date_from, "to": date_to},
                )
            )
        today = fields.Date.context_today(self)
        if date_to > today:
            raise ValidationError(
                self.env._(
                    "The evaluation window ends on %(to)s, in the future: KPIs are measured "
                    "over time that has passed. End it today at the latest.",
                    to=date_to,
                )
            )
        if date_from < WINDOW_MIN_DATE or date_from < date_to - relativedelta(
            months=MAX_WINDOW_MONTHS
        ):
            raise ValidationError(
                self.env._(
                    "The evaluation window %(from)s - %(to)s is too long: it may last "
                    "%(months)s months at most and start in %(year)s or later.",
                    **{
                        "from": date_from,
                        "to": date_to,
                        "months": MAX_WINDOW_MONTHS,
                        "year": WINDOW_MIN_DATE.year,
                    },
                )
            )
        return date_from, date_to

    @api.model
    def _insert_evaluations(self, vals_list):
        """Insert draft evaluations with a constant number of statements, whatever their
        number (the ORM's create batches by a hundred): one INSERT for the evaluations,
        one for their new customers. They are created without chatter message or follower,
        like the ORM create with mail_create_nolog / mail_create_nosubscribe."""
        if not vals_list:
            return self.browse()
        self.env.flush_all()
        now = self.env.cr.now()
        new_customers = [vals.pop("new_customer_ids", []) for vals in vals_list]
        defaults = {
            "state": "draft",
            "notify_partner": self.env.company.channel_evaluation_email,
            "create_uid": self.env.uid,
            "write_uid": self.env.uid,
            "create_date": now,
            "write_date": now,
        }
        columns = sorted(set(defaults) | {fname for vals in vals_list for fname in vals})
        for fname in columns:
            field = self._fields.get(fname)
            if fname not in defaults and (
                not field
                or not field.store
                or field.type
                in (
                    "many2many",
                    "one2many",
                )
            ):
                raise ValueError(f"cannot insert {fname} with SQL")
        rows = [
            tuple(
                self._fields[fname].convert_to_column(
                    {**defaults, **vals}.get(fname), self, {**defaults, **vals}
                )
                if fname not in ("create_date", "write_date")
                else now
                for fname in columns
            )
            for vals in vals_list
        ]
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "INSERT INTO %s (%s) VALUES %s RETURNING id",
                    SQL.identifier(self._table),
                    SQL(", ").join(SQL.identifier(fname) for fname in columns),
                    SQL(", ").join(SQL("%s", row) for row in rows),
                )
            )
        ]
        pairs = [
            (evaluation_id, customer_id)
            for evaluation_id, customers in zip(ids, new_customers, strict=True)
            for customer_id in customers
        ]
        if pairs:
            field = self._fields["new_customer_ids"]
            self.env.execute_query(
                SQL(
                    "INSERT INTO %s (%s, %s) VALUES %s",
                    SQL.identifier(field.relation),
                    SQL.identifier(field.column1),
                    SQL.identifier(field.column2),
                    SQL(", ").join(SQL("%s", pair) for pair in pairs),
                )
            )
        evaluations = self.browse(ids)
        # stored computed fields an extension may add are computed as after a create
        for field in self._fields.values():
            if field.store and field.compute:
                self.env.add_to_compute(field, evaluations)
        return evaluations

    @api.model
    def _clean_kpi_values(self, vals):
        """Turn the raw KPI values of one partner into field values."""
        vals.pop("passed_course_ids", None)
        revenue = vals.get("revenue") or 0.0
        previous = vals.get("revenue_previous") or 0.0
        due, collected = vals.pop("collection", None) or (0.0, 0.0)
        satisfaction, satisfaction_count = vals.pop("satisfaction", None) or (None, 0)
        new_customers = vals.pop("new_customer_ids", None) or []
        vals.update(
            revenue=revenue,
            revenue_previous=previous,
            growth=(revenue - previous) / abs(previous) * 100.0 if previous else 0.0,
            amount_due=due,
            amount_collected=collected,
            collection_measured=bool(due),
            collection_rate=collected / due * 100.0 if due else 0.0,
            new_customers=len(new_customers),
            new_customer_ids=list(new_customers),
            satisfaction_measured=satisfaction is not None,
            satisfaction=satisfaction or 0.0,
            satisfaction_count=satisfaction_count,
        )
        return vals

    @api.model
    def _compute_kpis(self, partners, date_from, date_to):
        """{kpi: {partner_id: value}} for all partners, one grouped query per KPI."""
        previous_from, previous_to = self._previous_window_dates(date_from, date_to)
        return {
            "revenue": self._kpi_revenue(partners, date_from, date_to),
            "revenue_previous": self._kpi_revenue(partners, previous_from, previous_to),
            "collection": self._kpi_collection(partners, date_from, date_to),
            "new_customer_ids": self._kpi_new_customers(partners, date_from, date_to),
            "satisfaction": self._kpi_satisfaction(partners, date_from, date_to),
            "passed_course_ids": self._kpi_trainings(partners, date_from, date_to),
        }

    @api.model
    def _kpi_revenue(self, partners, date_from, date_to):
        """{partner_id: untaxed revenue}: posted customer invoices minus refunds, dated in
        the window, company currency (journal items' balance), but for the moves that are
        no sales (`_kpi_revenue_excluded_move_fields`)."""
        excluded = self._kpi_revenue_excluded_move_fields()
        self.env["account.move.line"].flush_model(["balance", "display_type", "move_id"])
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "company_id",
                "invoice_date",
                "commercial_partner_id",
                *excluded,
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.commercial_partner_id, -SUM(l.balance)
                  FROM account_move m
                  JOIN account_move_line l ON l.move_id = m.id
                 WHERE m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.company_id = %(company)s
                   AND m.invoice_date BETWEEN %(date_from)s AND %(date_to)s
                   AND m.commercial_partner_id = ANY(%(partners)s)
                   %(excluded)s
                   AND l.display_type = 'product'
              GROUP BY m.commercial_partner_id
                """,
                excluded=SQL(" ").join(
                    SQL("AND %s IS NULL", SQL.identifier("m", fname)) for fname in excluded
                ),
                company=self.env.company.id,
                date_from=date_from,
                date_to=date_to,
                partners=partners.ids,
            )
        )
        return dict(rows)

    @api.model
    def _kpi_revenue_excluded_move_fields(self):
        """Fields of account.move marking the invoices and credit notes that are no sales:
        a move with one of them set is left out of the revenue KPI (and of the invoices
        it opens). Extensions add theirs: the rebate area, its payouts."""
        return []

    @api.model
    def _kpi_collection(self, partners, date_from, date_to):
        """{partner_id: (amount due, amount collected)} over the customer invoices due in
        the window, company currency. What a credit note reconciled with an invoice takes
        off is not due (a credited amount is not collected: reversed invoices weigh
        nothing); of the rest, the residual counts as unpaid. A partner with no amount
        due is not measured."""
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "company_id",
                "invoice_date_due",
                "commercial_partner_id",
                "amount_total_signed",
                "amount_residual_signed",
                "payment_state",
            ]
        )
        self.env["account.move.line"].flush_model(["move_id", "display_type"])
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "amount"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.commercial_partner_id,
                       SUM(m.amount_total_signed - COALESCE(cr.credited, 0)),
                       SUM(m.amount_total_signed - COALESCE(cr.credited, 0)
                           - m.amount_residual_signed)
                  FROM account_move m
             LEFT JOIN LATERAL (
                        SELECT SUM(apr.amount) AS credited
                          FROM account_move_line il
                          JOIN account_partial_reconcile apr ON apr.debit_move_id = il.id
                          JOIN account_move_line rl ON rl.id = apr.credit_move_id
                          JOIN account_move rm ON rm.id = rl.move_id
                         WHERE il.move_id = m.id
                           AND il.display_type = 'payment_term'
                           AND rm.move_type = 'out_refund'
                       ) cr ON TRUE
                 WHERE m.state = 'posted'
                   AND m.move_type = 'out_invoice'
                   AND m.payment_state != 'reversed'
                   AND m.company_id = %(company)s
                   AND m.invoice_date_due BETWEEN %(date_from)s AND %(date_to)s
                   AND m.commercial_partner_id = ANY(%(partners)s)
              GROUP BY m.commercial_partner_id
                """,
                company=self.env.company.id,
                date_from=date_from,
                date_to=date_to,
                partners=partners.ids,
            )
        )
        return {pid: (due, collected) for pid, due, collected in rows if due}

    @api.model
    def _kpi_new_customers(self, partners, date_from, date_to):
        """{partner_id: [customer company ids]}: customers of opportunities won in the window
        with this channel partner that had won no opportunity (with any partner or none)
        before the first one won with it in the window: a customer is new for one partner
        only, the one that won it first."""
        self.env["crm.lead"].flush_model(
            ["won_status", "date_closed", "channel_partner_id", "partner_id", "company_id"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        start, end = self._window_datetimes(date_from, date_to)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT w.channel_partner_id, ARRAY_AGG(w.customer_id ORDER BY w.customer_id)
                  FROM (SELECT l.channel_partner_id, c.commercial_partner_id AS customer_id,
                               MIN(l.date_closed) AS first_won
                          FROM crm_lead l
                          JOIN res_partner c ON c.id = l.partner_id
                         WHERE l.won_status = 'won'
                           AND l.channel_partner_id = ANY(%(partners)s)
                           AND l.date_closed >= %(start)s AND l.date_closed < %(end)s
                           AND (l.company_id IS NULL OR l.company_id = %(company)s)
                      GROUP BY l.channel_partner_id, c.commercial_partner_id) w
                 WHERE NOT EXISTS (
                        SELECT 1
                          FROM crm_lead e
                          JOIN res_partner ec ON ec.id = e.partner_id
                         WHERE e.won_status = 'won'
                           AND ec.commercial_partner_id = w.customer_id
                           AND e.date_closed < w.first_won)
              GROUP BY w.channel_partner_id
                """,
                partners=partners.ids,
                start=start,
                end=end,
                company=self.env.company.id,
            )
        )
        return dict(rows)

    @api.model
    def _window_datetimes(self, date_from, date_to):
        """The window as [start, end) datetimes: date_from 00:00 to the day after date_to."""
        return (
            fields.Datetime.to_datetime(date_from),
            fields.Datetime.to_datetime(date_to + timedelta(days=1)),
        )

    @api.model
    def _channel_customers_query(self, channels=None, end=None, company=None, customers=None):
        """SQL of the distinct (channel_partner_id, customer_id) pairs: THE definition of a
        channel partner's customers, the customer companies (commercial entities) of the
        opportunities won with it as channel partner.

        Optional filters: `channels` (channel partner ids, or an SQL subquery of them),
        `end` (won before this datetime), `company` (opportunities of this company or
        without company), `customers` (customer company ids).
        """
        self.env["crm.lead"].flush_model(
            ["won_status", "date_closed", "channel_partner_id", "partner_id", "company_id"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        conditions = [SQL("l.won_status = 'won'"), SQL("l.channel_partner_id IS NOT NULL")]
        if isinstance(channels, SQL):
            conditions.append(SQL("l.channel_partner_id IN %s", channels))
        elif channels is not None:
            conditions.append(SQL("l.channel_partner_id = ANY(%s)", list(channels)))
        if end is not None:
            conditions.append(SQL("l.date_closed < %s", end))
        if company is not None:
            conditions.append(SQL("(l.company_id IS NULL OR l.company_id = %s)", company.id))
        if customers is not None:
            conditions.append(SQL("c.commercial_partner_id = ANY(%s)", list(customers)))
        return SQL(
            """
            SELECT DISTINCT l.channel_partner_id, c.commercial_partner_id AS customer_id
              FROM crm_lead l
              JOIN res_partner c ON c.id = l.partner_id
             WHERE %s
            """,
            SQL(" AND ").join(conditions),
        )

    @api.model
    def _channel_customers(self, partners, date_to, company):
        """{channel partner id: [customer company ids]} of `partners` by the end of
        `date_to` (one query)."""
        end = fields.Datetime.to_datetime(date_to + timedelta(days=1))
        rows = self.env.execute_query(
            SQL(
                "SELECT channel_partner_id, ARRAY_AGG(customer_id ORDER BY customer_id) "
                "FROM (%s) pairs GROUP BY channel_partner_id",
                self._channel_customers_query(partners.ids, end, company),
            )
        )
        return dict(rows)

    @api.model
    def _kpi_satisfaction(self, partners, date_from, date_to):
        """{partner_id: (average satisfaction, rated feedback count)} over the feedback of
        the partners' customers (`_channel_customers_query`, won by the end of the window)
        rated in the window: satisfaction 1-5 (rating e-mail or revisit) dated in the
        window, any state but cancelled (a feedback reopened after an unhappy rating keeps
        counting). The average is rounded to 2 decimals, the figure the ladder compares.
        A partner without rated feedback is missing: "not measured"."""
        self.env["customer.feedback"].flush_model(
            ["commercial_partner_id", "company_id", "state", "satisfaction", "satisfaction_date"]
        )
        start, end = self._window_datetimes(date_from, date_to)
        company = self.env.company
        rows = self.env.execute_query(
            SQL(
                """
                SELECT cu.channel_partner_id, ROUND(AVG(f.satisfaction), 2), COUNT(*)
                  FROM (%(customers)s) cu
                  JOIN customer_feedback f ON f.commercial_partner_id = cu.customer_id
                 WHERE f.company_id = %(company)s
                   AND f.state != 'cancelled'
                   AND f.satisfaction > 0
                   AND f.satisfaction_date >= %(start)s AND f.satisfaction_date < %(end)s
              GROUP BY cu.channel_partner_id
                """,
                customers=self._channel_customers_query(partners.ids, end, company),
                company=company.id,
                start=start,
                end=end,
            )
        )
        return {pid: (float(average), count) for pid, average, count in rows}

    @api.model
    def _kpi_trainings(self, partners, date_from, date_to):
        """{partner_id: set of course ids passed by the end of the window}, recorded in
        the company (trainings follow their company, like the other KPIs' sources)."""
        groups = self.env["res.partner.training"]._read_group(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", self.env.company.id),
                ("result", "=", "passed"),
                ("date", "<=", date_to),
            ],
            ["partner_id"],
            ["course_id:array_agg"],
        )
        return {partner.id: set(course_ids) for partner, course_ids in groups}

    @api.model
    def _previous_evaluations(self, partners, date_to):
        """{partner_id: (grade_current_id, failing, failing_streak)} of each partner's
        latest earlier evaluation in the company that was not rejected (one query)."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (partner_id) partner_id, grade_current_id, failing,
                       failing_streak
                  FROM res_partner_grade_evaluation
                 WHERE partner_id = ANY(%(partners)s)
                   AND company_id = %(company)s
                   AND state IN ('to_approve', 'approved', 'applied')
                   AND date_to < %(date_to)s
              ORDER BY partner_id, date_to DESC, id DESC
                """,
                partners=partners.ids,
                company=self.env.company.id,
                date_to=date_to,
            )
        )
        return {pid: (grade, failing, streak or 0) for pid, grade, failing, streak in rows}

    # --- ladder ---

    @api.model
    def _ladder_criteria(self, ladder):
        """The criteria of the ladder's grades as plain dicts (highest grade first, from
        `_get_ladder`), read once per batch. `plain`: the grade has no criterion (such
        grades come last); `entry`: the entry level, the lowest of them."""
        entry = ladder._ladder_entry()
        return [
            {
                "grade": grade,
                "min_revenue": grade.min_revenue,
                "min_collection_rate": grade.min_collection_rate,
                "min_new_customers": grade.min_new_customers,
                "min_satisfaction": grade.min_satisfaction,
                "min_training_rate": grade.min_training_rate,
                "mandatory": set(grade.mandatory_course_ids.ids),
                "grace": grade.demotion_grace or 1,
                "plain": not grade.has_criteria,
                "entry": grade == entry,
            }
            for grade in ladder
        ]

    @api.model
    def _grade_gaps(self, crit, vals, passed):
        """What `vals` misses for the grade of `crit` (from _ladder_criteria): a list of
        (criterion, missing amount) pairs, empty when every set criterion is met. A set
        criterion whose KPI is not measured is not met (missing amount None)."""
        gaps = []
        revenue = vals.get("revenue") or 0.0
        if crit["min_revenue"] and revenue < crit["min_revenue"]:
            gaps.append(("revenue", crit["min_revenue"] - revenue))
        if crit["min_collection_rate"]:
            due, collected = vals.get("collection") or (0.0, 0.0)
            if not due:
                gaps.append(("collection_rate", None))
            elif collected / due * 100.0 < crit["min_collection_rate"]:
                gaps.append(
                    ("collection_rate", crit["min_collection_rate"] - collected / due * 100.0)
                )
        if crit["min_new_customers"]:
            count = len(vals.get("new_customer_ids") or [])
            if count < crit["min_new_customers"]:
                gaps.append(("new_customers", crit["min_new_customers"] - count))
        if crit["min_satisfaction"]:
            satisfaction = (vals.get("satisfaction") or (None, 0))[0]
            if satisfaction is None:
                gaps.append(("satisfaction", None))
            elif satisfaction < crit["min_satisfaction"]:
                gaps.append(("satisfaction", crit["min_satisfaction"] - satisfaction))
        if crit["min_training_rate"]:
            mandatory = crit["mandatory"]
            if self._training_rate(mandatory, passed) < crit["min_training_rate"]:
                # the fewest courses still to pass to reach the rate
                needed = -(-crit["min_training_rate"] * len(mandatory) // 100) - len(
                    mandatory & passed
                )
                gaps.append(("trainings", int(max(needed, 1))))
        return gaps

    @api.model
    def _format_gaps(self, gaps, lang):
        """The readable gap note of _grade_gaps: "revenue +120,000; 2 mandatory trainings"."""
        texts = []
        for kind, value in gaps:
            if kind == "revenue":
                amount = lang.format("%.0f", value, grouping=True)
                texts.append(self.env._("revenue +%(amount)s", amount=amount))
            elif kind == "collection_rate" and value is None:
                texts.append(self.env._("collection rate not measured (no invoice due)"))
            elif kind == "collection_rate":
                texts.append(self.env._("collection rate +%(points)s pts", points=f"{value:.1f}"))
            elif kind == "new_customers":
                texts.append(
                    self.env._("%(count)s new customers", count=value)
                    if value > 1
                    else self.env._("1 new customer")
                )
            elif kind == "satisfaction" and value is None:
                texts.append(self.env._("satisfaction not measured"))
            elif kind == "satisfaction":
                points = f"{value:.2f}".rstrip("0").rstrip(".")
                texts.append(self.env._("satisfaction +%(points)s", points=points))
            elif kind == "trainings":
                texts.append(
                    self.env._("%(count)s mandatory trainings", count=value)
                    if value > 1
                    else self.env._("1 mandatory training")
                )
        return "; ".join(texts)

    @api.model
    def _training_rate(self, mandatory, passed):
        if not mandatory:
            return 100.0
        return len(mandatory & passed) / len(mandatory) * 100.0

    @api.model
    def _ladder_values(self, vals, current_id, criteria, previous, lang):
        """Recommended level, change, failing streak, training rate and gap note of one
        partner. `criteria` from _ladder_criteria (highest first), `previous` from
        _previous_evaluations."""
        passed = vals.get("passed_course_ids") or set()
        rank = None
        for index, crit in enumerate(criteria):  # the highest grade without gap
            if crit["plain"] and not crit["entry"] and crit["grade"].id != current_id:
                # a grade without criteria is met by anyone: it is recommended as the
                # entry level, or kept by the partners holding it, never handed out
                continue
            if not self._grade_gaps(crit, vals, passed):
                rank = index
                break
        ranks = {crit["grade"].id: index for index, crit in enumerate(criteria)}
        recommended = criteria[rank] if rank is not None else None
        # the next grade: the one just above, the lowest with criteria from the bottom
        graded = [index for index, crit in enumerate(criteria) if not crit["plain"]]
        above = [index for index in graded if rank is None or index < rank]
        target = criteria[above[-1]] if above else None
        current_rank = ranks.get(current_id)
        failing = current_rank is not None and (rank is None or rank > current_rank)
        streak = 0
        if failing:
            prev_grade, prev_failing, prev_streak = previous.get(
                vals["partner_id"], (None, False, 0)
            )
            streak = prev_streak + 1 if prev_failing and prev_grade == current_id else 1
        if current_rank is None:
            change = "promote" if recommended else "keep"
        elif failing:
            change = "demote" if streak >= criteria[current_rank]["grace"] else "keep"
        elif rank < current_rank:
            change = "promote"
        else:
            change = "keep"
        if target:
            gap_note = self._format_gaps(self._grade_gaps(target, vals, passed), lang)
        elif recommended and not recommended["plain"]:
            gap_note = self.env._("top of the ladder")
        else:
            gap_note = False
        if failing and change == "keep":
            gap_note = self.env._(
                "%(gap)s (failing %(streak)s of %(grace)s before demotion)",
                gap=gap_note or "",
                streak=streak,
                grace=criteria[current_rank]["grace"],
            )
        training = target or recommended
        return {
            "grade_current_id": current_id if current_rank is not None else False,
            "grade_recommended_id": recommended["grade"].id if recommended else False,
            "grade_next_id": target["grade"].id if target else False,
            "change": change,
            "failing": failing,
            "failing_streak": streak,
            "gap_note": gap_note,
            "training_grade_id": training["grade"].id if training else False,
            "training_rate": self._training_rate(training["mandatory"], passed)
            if training
            else 0.0,
        }

    # ------------------------------------------------------------------ cron

    @api.model
    def _cron_evaluate_channel_partners(self):
        """Quarterly: a draft evaluation of every channel partner, per company, over its
        level's window (the level's evaluation months up to the end of last month)."""
        partners = self.env["res.partner"].search(
            [("channel_type", "!=", False), ("is_company", "=", True)]
        )
        batches = {}
        for partner in partners:
            company = partner.company_id or self.env.company
            months = partner.grade_id.evaluation_months or 12
            batches.setdefault((company, months), self.env["res.partner"])
            batches[(company, months)] |= partner
        for (company, months), batch in batches.items():
            date_from, date_to = self._default_window(months)
            self.with_company(company).create_for_partners(batch, date_from, date_to)

    @api.model
    def _search_domain_channel_partners(self, grade_ids=None, channel_type=None, manager=None):
        domain = Domain("channel_type", "!=", False) & Domain("is_company", "=", True)
        if grade_ids:
            domain &= Domain("grade_id", "in", grade_ids)
        if channel_type:
            domain &= Domain("channel_type", "=", channel_type)
        if manager:
            domain &= Domain("channel_manager_id", "=", manager)
        return domain
