import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_datetime, is_html_empty, split_every

from ..requirement.product_requirement_stage import OPEN_STATES as REQUIREMENT_OPEN_STATES

_logger = logging.getLogger(__name__)

KINDS = [
    ("complaint", "Complaint"),
    ("defect", "Defect"),
    ("usability", "Usability"),
    ("feature_request", "Feature Request"),
    ("question", "Question"),
    ("praise", "Praise"),
]
SOURCES = [
    ("rep_visit", "Rep Visit"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("portal", "Portal"),
    ("after_sales", "After-Sales"),
    ("training", "Training Session"),
    ("beta_test", "Beta Test"),
]
PRIORITIES = [
    ("low", "Low"),
    ("normal", "Normal"),
    ("high", "High"),
    ("urgent", "Urgent"),
]
STATES = [
    ("new", "New"),
    ("acknowledged", "Acknowledged"),
    ("in_progress", "In Progress"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
SLA_STATUSES = [
    ("on_time", "On Time"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
]
OPEN_STATES = ("new", "acknowledged", "in_progress")
DONE_STATES = ("resolved", "closed")
# feedback that can be turned into (or linked to) a product requirement: not cancelled
LINKABLE_STATES = OPEN_STATES + DONE_STATES
# kinds that need a root cause and a solution before they can be resolved
ROOT_CAUSE_KINDS = ("complaint", "defect")
# Satisfaction is on Odoo's rating scale, 1 to 5: the rating e-mail's faces give 5
# (happy), 3 (neutral) and 1 (unhappy); a revisit logs any value from 1 to 5. A
# satisfaction up to this value means "unsatisfied" and reopens the feedback.
UNSATISFIED_MAX = 2
# changes that re-evaluate the SLA status (deadlines themselves are stored computes)
SLA_TRIGGER_FIELDS = {
    "kind",
    "priority",
    "partner_id",
    "team_id",
    "company_id",
    "sla_id",
    "state",
    "sla_start_date",
    "resolve_start_date",
    "first_response_date",
    "resolved_date",
}
SLA_BATCH = 1000
# feedback kind -> product requirement kind, for "Create requirement" (anything else is
# an improvement of the product)
REQUIREMENT_KINDS = {"defect": "defect", "feature_request": "feature"}
# kanban colour indexes of the SLA status (green, orange, red)
SLA_COLORS = {"on_time": 10, "at_risk": 2, "breached": 1}
# who rated, and in which company: what the satisfaction KPIs group rated feedback by
RATED_LOCKED_FIELDS = ("partner_id", "company_id")
# a subject is a line, not a report: the description holds the details
NAME_MAX_LENGTH = 200
# how far ahead of the server's clock a "Received" date may be (the user's clock drifts)
CLOCK_SKEW = timedelta(minutes=5)


class CustomerFeedback(models.Model):
    """Customer feedback and complaints, handled under an SLA.

    Lifecycle: new -> acknowledged -> in progress -> resolved -> closed; a resolved or
    closed feedback can be reopened (back to in progress, one more follow-up);
    open feedback can be cancelled. See `customer.feedback.sla` for the deadlines and
    `_cron_update_sla` for the at-risk / breach / escalation ladder.
    """

    _name = "customer.feedback"
    _description = "Customer Feedback"
    _inherit = ["rating.mixin", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "sla_start_date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["reference", "name"]
    _primary_email = "email_from"
    # set by the workflow buttons, the SLA engine (cron) and the customer's rating only;
    # the computed deadlines, rates and labels are added by the mixin
    _system_fields = (
        "state",
        "reference",
        "sla_id",
        "resolve_start_date",
        "first_response_date",
        "resolved_date",
        "sla_status",
        "sla_next_check",
        "escalation_level",
        "followup_count",
        "satisfaction",
        "satisfaction_date",
        # the rating module's stored summary of the customer's ratings
        "rating_last_value",
        "rating_ids",
    )

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------

    reference = fields.Char(
        readonly=True, copy=False, default="/", index="trigram", help="FB/<year>/<number>"
    )
    name = fields.Char("Subject", required=True, tracking=True)
    description = fields.Html()
    kind = fields.Selection(KINDS, required=True, default="question", tracking=True)
    source = fields.Selection(SOURCES, required=True, default="rep_visit", tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Customer Company",
        store=True,
        index=True,
    )
    contact_id = fields.Many2one(
        "res.partner",
        check_company=True,
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
        help="The person who gave the feedback; the rating request goes to them.",
    )
    email_from = fields.Char("Email", help="Address the feedback came from.")
    product_id = fields.Many2one("product.template", check_company=True, tracking=True, index=True)
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", string="Product Category", store=True
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        check_company=True,
        index="btree_not_null",
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
    )
    invoice_id = fields.Many2one(
        "account.move",
        check_company=True,
        index="btree_not_null",
        domain="[('move_type', 'in', ('out_invoice', 'out_refund')),"
        " ('partner_id', 'child_of', commercial_partner_id)]",
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        check_company=True,
        index="btree_not_null",
    )
    # --- loop into requirements and releases ---
    requirement_id = fields.Many2one(
        "product.requirement",
        check_company=True,
        index="btree_not_null",
        tracking=True,
        copy=False,
        domain=[("state", "in", REQUIREMENT_OPEN_STATES)],
        help="The product requirement this feedback asks for or supports: its customer "
        "then counts in the requirement's demand.",
    )
    requirement_stage_id = fields.Many2one(
        related="requirement_id.stage_id", string="Requirement Stage", tracking=False
    )
    release_id = fields.Many2one(
        "product.release",
        check_company=True,
        index="btree_not_null",
        tracking=True,
        help="The release the feedback is about, e.g. feedback from its beta test.",
    )
    priority = fields.Selection(PRIORITIES, required=True, default="normal", tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        check_company=True,
        tracking=True,
        index=True,
        help="The one person who follows the feedback through to the customer's satisfaction.",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        default=lambda self: self.env.user.sale_team_id,
        check_company=True,
        tracking=True,
        index=True,
        help="Its leader is the first escalation level.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    state = fields.Selection(
        STATES,
        required=True,
        default="new",
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
        group_expand="_group_expand_states",
    )
    # --- SLA ---
    sla_id = fields.Many2one(
        "customer.feedback.sla",
        string="SLA Policy",
        compute="_compute_sla_id",
        store=True,
        check_company=True,
        tracking=True,
        help="Set from the first matching policy while the feedback is not resolved.",
    )
    sla_start_date = fields.Datetime(
        "Received",
        default=fields.Datetime.now,
        required=True,
        copy=False,
        index=True,
        help="When the feedback was received: the SLA clock starts then.",
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
    first_response_date = fields.Datetime(readonly=True, copy=False, tracking=True)
    resolved_date = fields.Datetime(readonly=True, copy=False)
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
    # --- resolution and satisfaction ---
    root_cause = fields.Text(tracking=True)
    solution = fields.Text(tracking=True)
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
    # --- access ---
    can_edit = fields.Boolean(
        compute="_compute_can_edit",
        help="Whether the current user may change the feedback (its buttons are shown).",
    )
    sales_user_ids = fields.Many2many(
        "res.users",
        string="Customer's Salespeople",
        compute="_compute_sales_user_ids",
        search="_search_sales_user_ids",
        help="The salesperson of the customer and of its opportunities and orders.",
    )

    _satisfaction_range = models.Constraint(
        "CHECK(satisfaction BETWEEN 0 AND 5)",
        "Satisfaction must be between 1 (very unhappy) and 5 (very happy), or 0 when "
        "the customer has not rated yet.",
    )
    _escalation_level_range = models.Constraint(
        "CHECK(escalation_level BETWEEN 0 AND 2)",
        "The escalation level is 0 (none), 1 (team leader) or 2 (sales manager).",
    )
    _followup_positive = models.Constraint(
        "CHECK(followup_count >= 0)", "The follow-up count cannot be negative."
    )
    _sla_due_idx = models.Index(
        "(sla_next_check) WHERE state IN ('new', 'acknowledged', 'in_progress')"
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

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

    @api.depends("sla_status")
    def _compute_breached_rate(self):
        for feedback in self:
            feedback.breached_rate = 100.0 if feedback.sla_status == "breached" else 0.0

    @api.depends("satisfaction")
    def _compute_satisfaction_measure(self):
        for feedback in self:
            feedback.satisfaction_measure = feedback.satisfaction

    @api.depends("escalation_level")
    def _compute_escalation_label(self):
        labels = {1: self.env._("Team leader"), 2: self.env._("Sales manager")}
        for feedback in self:
            feedback.escalation_label = labels.get(feedback.escalation_level, False)

    @api.depends("sla_status")
    def _compute_sla_color(self):
        for feedback in self:
            feedback.sla_color = SLA_COLORS.get(feedback.sla_status, 0)

    @api.depends_context("uid")
    def _compute_can_edit(self):
        # read-only roles (rebate accountants, channel managers) read feedback they
        # cannot handle: one access check for the whole batch
        saved = self._origin.filtered("id")
        editable = saved._filtered_access("write") if saved else saved
        can_create = self.browse().has_access("create")
        for feedback in self:
            origin = feedback._origin
            feedback.can_edit = origin in editable if origin.id else can_create

    @api.depends("commercial_partner_id")
    def _compute_sales_user_ids(self):
        users_by_partner = defaultdict(set)
        partners = self.commercial_partner_id
        if partners:
            self._flush_sales_users()
            self.env.cr.execute(self._sales_users_query(partners.ids))
            for partner_id, user_id in self.env.cr.fetchall():
                users_by_partner[partner_id].add(user_id)
        for feedback in self:
            user_ids = users_by_partner.get(feedback.commercial_partner_id.id, ())
            feedback.sales_user_ids = self.env["res.users"].browse(sorted(user_ids))

    def _search_sales_user_ids(self, operator, value):
        if operator != "in":
            return NotImplemented
        user_ids = [uid for uid in value if uid]
        if not user_ids:
            return Domain.FALSE
        self._flush_sales_users()
        partners = SQL(
            "(SELECT partner_id FROM (%s) AS sales WHERE user_id IN %s)",
            self._sales_users_query(),
            tuple(user_ids),
        )
        return Domain("commercial_partner_id", "in", partners)

    @api.model
    def _flush_sales_users(self):
        """Write the pending changes `_sales_users_query` reads in SQL (a salesperson
        set earlier in the same transaction, a new opportunity or order)."""
        self.env["res.partner"].flush_model(["commercial_partner_id", "user_id"])
        self.env["crm.lead"].flush_model(["partner_id", "user_id"])
        self.env["sale.order"].flush_model(["partner_id", "user_id"])

    @api.model
    def _sales_users_query(self, partner_ids=None):
        """SQL of (commercial partner, user) pairs: the partner's salesperson and the
        salespeople of its (or its contacts') opportunities and sales orders."""
        where = SQL("TRUE")
        if partner_ids is not None:
            where = SQL("p.commercial_partner_id IN %s", tuple(partner_ids))
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id, p.user_id AS user_id
              FROM res_partner p WHERE p.user_id IS NOT NULL AND %(where)s
            UNION
            SELECT p.commercial_partner_id, l.user_id
              FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id
             WHERE l.user_id IS NOT NULL AND %(where)s
            UNION
            SELECT p.commercial_partner_id, o.user_id
              FROM sale_order o JOIN res_partner p ON p.id = o.partner_id
             WHERE o.user_id IS NOT NULL AND %(where)s
            """,
            where=where,
        )

    def _group_expand_states(self, states, domain):
        return [key for key, _label in STATES if key != "cancelled"]

    # ------------------------------------------------------------------
    # Onchange, constraints
    # ------------------------------------------------------------------

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        """A person of a company picked as customer: the company is the customer and
        the person the contact."""
        partner = self.partner_id
        if partner and partner.commercial_partner_id != partner:
            self.contact_id = partner
            self.partner_id = partner.commercial_partner_id
        elif self.contact_id and self.contact_id.commercial_partner_id != partner:
            self.contact_id = False

    @api.constrains("state", "root_cause", "solution")
    def _check_root_cause(self):
        """Also when the state is written directly (import, RPC) or the root cause
        emptied afterwards: a resolved complaint or defect keeps its explanation.
        (Reclassifying resolved feedback later is not resolving it: not checked.)"""
        self.filtered(lambda fb: fb.state in DONE_STATES)._check_root_cause_given()

    def _check_root_cause_given(self):
        for feedback in self:
            if feedback.kind in ROOT_CAUSE_KINDS and not (
                (feedback.root_cause or "").strip() and (feedback.solution or "").strip()
            ):
                kinds = dict(self._fields["kind"]._description_selection(self.env))
                raise ValidationError(
                    self.env._(
                        "%(feedback)s is a %(kind)s: fill in its Root Cause and Solution "
                        "before resolving it.",
                        feedback=feedback.display_name,
                        kind=kinds[feedback.kind].lower(),
                    )
                )

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

    @api.constrains("name")
    def _check_name(self):
        for feedback in self:
            name = (feedback.name or "").strip()
            if not name:
                raise ValidationError(
                    self.env._(
                        "Give the feedback a subject: a short line saying what the customer "
                        "reported (the details go in the description)."
                    )
                )
            if len(name) > NAME_MAX_LENGTH:
                raise ValidationError(
                    self.env._(
                        "The subject of a feedback is a short line of at most %(max)s "
                        "characters (this one has %(length)s): shorten it and put the "
                        "details in the description.",
                        max=NAME_MAX_LENGTH,
                        length=len(name),
                    )
                )

    @api.constrains("sla_start_date")
    def _check_sla_start_date(self):
        """The SLA clock starts when the feedback was received: not later than now (a
        few minutes of clock difference between the user's device and the server
        allowed), or deadlines could be pushed into the future at will."""
        limit = fields.Datetime.now() + CLOCK_SKEW
        for feedback in self:
            if feedback.sla_start_date and feedback.sla_start_date > limit:
                raise ValidationError(
                    self.env._(
                        "%(feedback)s: the Received date %(date)s is in the future. Enter "
                        "when the customer's feedback actually reached you (now at the latest).",
                        feedback=feedback.display_name,
                        date=format_datetime(self.env, feedback.sla_start_date),
                    )
                )

    @api.model
    def _check_requirement_open(self, requirement_id):
        """Feedback is linked to open requirements only (not released, not declined):
        checked whenever the link changes, so feedback linked earlier to a requirement
        declined since stays linked."""
        if isinstance(requirement_id, models.BaseModel):
            requirement_id = requirement_id.id
        if isinstance(requirement_id, bool) or not isinstance(requirement_id, int):
            return  # not an id: the guard names the field
        requirement = self.env["product.requirement"].sudo().browse(requirement_id).exists()
        if requirement and requirement.state not in REQUIREMENT_OPEN_STATES:
            raise UserError(
                self.env._(
                    "“%(requirement)s” is %(stage)s: feedback can only be linked to an open "
                    "requirement. Choose another one, or create a new requirement from the "
                    "feedback.",
                    requirement=requirement.display_name,
                    stage=requirement.stage_id.name,
                )
            )

    def _check_user_changes(self, vals):
        """What a user may not change by hand even on feedback they may edit."""
        if "sla_start_date" in vals:
            started = self.filtered(lambda fb: fb.state != "new")
            if started:
                raise UserError(
                    self.env._(
                        "%(feedback)s is already being handled: its Received date (the start "
                        "of the SLA clock) can only be changed while it is New.",
                        feedback=started[0].display_name,
                    )
                )
        for fname in RATED_LOCKED_FIELDS:
            if fname not in vals:
                continue
            rated = self.filtered(
                lambda fb, fname=fname: fb.satisfaction and fb[fname].id != vals[fname]
            )
            if rated:
                raise UserError(
                    self.env._(
                        "%(feedback)s was rated by %(customer)s: its %(field)s cannot change "
                        "any more (the rating is theirs, and counts in their channel "
                        "partner's satisfaction). Log a new feedback instead.",
                        feedback=rated[0].display_name,
                        customer=rated[0].partner_id.display_name,
                        field=self._fields[fname]._description_string(self.env).lower(),
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.depends("reference", "name")
    def _compute_display_name(self):
        for feedback in self:
            if feedback.reference and feedback.reference != "/":
                feedback.display_name = f"{feedback.reference} {feedback.name or ''}".strip()
            else:
                feedback.display_name = feedback.name or ""

    @api.model_create_multi
    def create(self, vals_list):
        feedbacks = super().create(vals_list)
        # the link as created, also when it came as a default (a requirement's tab)
        for requirement in feedbacks.requirement_id:
            self._check_requirement_open(requirement.id)
        # the reference is the system's (a user's create cannot set it): numbered now
        Sequence = self.env["ir.sequence"].sudo()
        for feedback in feedbacks.sudo():
            if not feedback.reference or feedback.reference == "/":
                feedback.reference = (
                    Sequence.with_company(feedback.company_id).next_by_code("customer.feedback")
                    or "/"
                )
        feedbacks._sla_process()
        linked = feedbacks.filtered("requirement_id")
        if linked:
            linked._log_requirement_links(
                dict.fromkeys(linked.ids, self.env["product.requirement"])
            )
        return feedbacks

    def write(self, vals):
        previous = self._before_write(vals)
        result = super().write(vals)
        self._after_write(vals, previous)
        return result

    def _write_feedback(self, vals, link_notes=True, open_requirement_only=True):
        """`write` for the server's own link changes. `link_notes=False`: the caller
        (requirement merge, "Create requirement") notes the link its own way;
        `open_requirement_only=False`: the merge moves feedback to the requirement it
        keeps, whatever its stage. Everything else is as in `write`."""
        previous = self._before_write(vals, open_requirement_only=open_requirement_only)
        result = super().write(vals)
        self._after_write(vals, previous, link_notes=link_notes)
        return result

    def _before_write(self, vals, open_requirement_only=True):
        """Checks of a write; returns {feedback id: requirement} when the link changes."""
        if not self.env.su:
            # first what may be written and in which shape (the guard), then the rules
            self._collab_check_user_vals(vals, self._collab_system_field_names())
            self._check_user_changes(vals)
        if "requirement_id" not in vals:
            return None
        previous = {feedback.id: feedback.requirement_id for feedback in self}
        new_id = vals["requirement_id"]
        if open_requirement_only and new_id and any(old.id != new_id for old in previous.values()):
            self._check_requirement_open(new_id)
        return previous

    def _after_write(self, vals, previous, link_notes=True):
        """Consequences of a write: the SLA re-evaluated, link changes noted on the
        requirements."""
        if SLA_TRIGGER_FIELDS & vals.keys():
            self._sla_process()
        if previous is not None and link_notes:
            self._log_requirement_links(previous)

    def _move_to_requirement(self, requirement):
        """The requirement merge moves the feedback of the duplicates to the kept one
        (which may be closed already): a system change, noted by the merge itself."""
        return self.sudo()._write_feedback(
            {"requirement_id": requirement.id}, link_notes=False, open_requirement_only=False
        )

    def _check_company(self, fnames=None):
        # a clearer message than the generic one for the links into product management
        links = ("requirement_id", "release_id")
        if fnames is not None and "company_id" not in fnames:
            links = [fname for fname in links if fname in fnames]
        if links:
            self._check_link_companies(links)
        return super()._check_company(fnames)

    def _check_link_companies(self, fnames):
        for feedback in self.sudo():
            for fname in fnames:
                target = feedback[fname]
                if target and target.company_id != feedback.company_id:
                    raise UserError(
                        self.env._(
                            "%(feedback)s belongs to %(company)s but the %(what)s “%(target)s” "
                            "belongs to %(other)s: link a %(what)s of %(company)s, or log the "
                            "feedback in %(other)s.",
                            feedback=feedback.display_name,
                            company=feedback.company_id.name,
                            what=self._fields[fname]._description_string(self.env).lower(),
                            target=target.display_name,
                            other=target.company_id.name,
                        )
                    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_resolved(self):
        if self.env.su or self.env.user.has_group("sales_pm_collab.group_collab_admin"):
            return
        done = self.filtered(lambda fb: fb.state in DONE_STATES)
        if done:
            raise UserError(
                self.env._(
                    "Resolved and closed feedback is kept as history: only a Collaboration "
                    "administrator can delete %(feedback)s. Close it instead.",
                    feedback=", ".join(done.mapped("display_name")),
                )
            )

    def _read_group_select(self, aggregate_spec, query):
        # the average satisfaction counts rated feedback only (0 means not rated yet)
        if aggregate_spec in ("satisfaction:avg", "satisfaction_measure:avg"):
            super()._read_group_select(aggregate_spec, query)  # access check on the field
            column = self._field_to_sql(self._table, aggregate_spec.split(":")[0], query)
            return SQL("AVG(NULLIF(%s, 0))", column)
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A mail to the feedback alias: its author (found or created from the sender
        address) is the contact, their company the customer; the SLA clock starts."""
        author = self.env["res.partner"].browse(msg_dict.get("author_id"))
        if not author and msg_dict.get("email_from"):
            author = self._partner_find_from_emails_single([msg_dict["email_from"]])
        values = {
            "name": msg_dict.get("subject") or self.env._("Feedback by email"),
            "description": msg_dict.get("body"),
            "source": "email",
            "email_from": msg_dict.get("email_from"),
            "user_id": False,
        }
        if author:
            values.update(
                partner_id=author.commercial_partner_id.id,
                contact_id=author.id,
            )
        values.update(custom_values or {})
        feedback = super().message_new(msg_dict, custom_values=values)
        if author:
            feedback.message_subscribe(partner_ids=author.ids)
        return feedback

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

    # ------------------------------------------------------------------
    # Rating
    # ------------------------------------------------------------------

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

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

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
        action = self.env["ir.actions.act_window"]._for_xml_id("rating.rating_rating_action")
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        return action

    def action_create_requirement(self):
        """Raise a product requirement prefilled from this feedback, link the feedback
        to it (its customer joins the demand), tell both chatters and open it."""
        self.ensure_one()
        if self.requirement_id:
            raise UserError(
                self.env._(
                    "%(feedback)s is already linked to the requirement “%(requirement)s”: "
                    "follow that one, or remove the link first to raise another.",
                    feedback=self.display_name,
                    requirement=self.requirement_id.display_name,
                )
            )
        self._check_state(LINKABLE_STATES, self.env._("Creating a requirement"))
        self.check_access("write")
        values = self._prepare_requirement_values()
        lead_commands = values.pop("lead_ids")
        requirement = self.env["product.requirement"].create(values)
        if lead_commands:
            # the feedback's opportunity joins the demand, also when another rep owns it
            requirement.sudo().write({"lead_ids": lead_commands})
        # noted below in both chatters, with the link to each other
        self._write_feedback({"requirement_id": requirement.id}, link_notes=False)
        requirement.sudo()._message_log(
            body=Markup(
                self.env._(
                    "Raised from the customer feedback %(feedback)s (%(customer)s) by %(user)s."
                )
            )
            % {
                "feedback": self._get_html_link(),
                "customer": self.commercial_partner_id.name,
                "user": self.env.user.name,
            },
        )
        self.message_post(
            body=Markup(self.env._("Requirement raised for the product managers: %(requirement)s."))
            % {"requirement": requirement._get_html_link()},
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_window",
            "name": requirement.name,
            "res_model": "product.requirement",
            "res_id": requirement.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_link_requirement(self):
        """Open the wizard linking the feedback to an existing open requirement."""
        self._check_state(LINKABLE_STATES, self.env._("Linking to a requirement"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Link to Requirement"),
            "res_model": "customer.feedback.requirement.link",
            "view_mode": "form",
            "target": "new",
            "context": {"default_feedback_ids": self.ids},
        }

    @api.model
    def _action_log_from(self, defaults):
        """Window action opening a new feedback form prefilled with `defaults`."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log Feedback"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {f"default_{key}": value for key, value in defaults.items() if value},
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _partner_defaults(self, partner):
        """Customer (the commercial entity) and contact (the person) from a partner."""
        commercial = partner.commercial_partner_id
        return {
            "partner_id": commercial.id,
            "contact_id": partner.id if partner and partner != commercial else False,
        }

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
        self._schedule_activities(
            "mail_activity_type_feedback_followup",
            [
                (
                    feedback,
                    feedback._team_leader() or feedback.user_id,
                    self.env._(
                        "Second follow-up: %(customer)s is not satisfied",
                        customer=feedback.commercial_partner_id.name,
                    ),
                    reason,
                    0,
                )
                for feedback in self
            ],
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

    def _schedule_revisit(self):
        self._schedule_activities(
            "mail_activity_type_feedback_revisit",
            [
                (
                    feedback,
                    feedback.user_id or self.env.user,
                    self.env._(
                        "Satisfaction revisit with %(customer)s",
                        customer=feedback.commercial_partner_id.name,
                    ),
                    False,
                    feedback.company_id.feedback_revisit_days,
                )
                for feedback in self
            ],
        )

    def _schedule_activities(self, type_xmlid, plans, notify=True):
        """Create activities in one batch. `plans` is a list of (feedback, user,
        summary, note, days from today); plans without a user are skipped. System
        generated: created as superuser, so the assignee need not be the one acting;
        `notify=False` skips the "assigned to you" e-mail of each activity."""
        activity_type = self.env.ref(f"sales_pm_collab.{type_xmlid}")
        model_id = self.env["ir.model"]._get_id(self._name)
        today = fields.Date.context_today(self)
        vals_list = [
            {
                "activity_type_id": activity_type.id,
                "res_model_id": model_id,
                "res_id": feedback.id,
                "user_id": user.id,
                "summary": summary,
                "note": note or activity_type.default_note,
                "date_deadline": today + timedelta(days=days),
                "automated": True,
            }
            for feedback, user, summary, note, days in plans
            if user
        ]
        if not vals_list:
            return self.env["mail.activity"]
        activities = self.env["mail.activity"].sudo()
        if not notify:
            activities = activities.with_context(mail_activity_quick_update=True)
        return activities.create(vals_list)

    def _activities_done(self, type_xmlids, feedback_note):
        types = [self.env.ref(f"sales_pm_collab.{xmlid}").id for xmlid in type_xmlids]
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "in", types),
                ]
            )
        )
        if activities:
            activities.action_feedback(feedback=feedback_note)

    def _link_requirement(self, requirement):
        """Link the feedback of self to the open product requirement `requirement`.

        Written on the feedback only: whoever may edit the feedback (its rep, customer
        service, product managers) links it, without write access to the requirement.
        """
        self._check_state(LINKABLE_STATES, self.env._("Linking to a requirement"))
        self.check_access("write")
        requirement = requirement.with_env(self.env)
        requirement.check_access("read")
        self._check_requirement_open(requirement.id)
        already = self.filtered(lambda fb: fb.requirement_id == requirement)
        if already:
            raise UserError(
                self.env._(
                    "%(feedback)s is already linked to “%(requirement)s”.",
                    feedback=", ".join(already.mapped("display_name")),
                    requirement=requirement.display_name,
                )
            )
        self.write({"requirement_id": requirement.id})
        return True

    def _log_requirement_links(self, previous):
        """Note on each requirement the feedback linked to it (or moved away from it).

        `previous`: {feedback id: requirement before the change}. One log per
        requirement, written as the system: the user needs no access to the
        requirement beyond reading it."""
        linked = Markup(
            self.env._("Customer feedback %(feedback)s (%(customer)s) linked by %(user)s.")
        )
        unlinked = Markup(
            self.env._("Customer feedback %(feedback)s (%(customer)s) unlinked by %(user)s.")
        )
        lines = defaultdict(list)
        for feedback in self:
            old = previous.get(feedback.id) or self.env["product.requirement"]
            new = feedback.requirement_id
            if old == new:
                continue
            values = {
                "feedback": feedback._get_html_link(),
                "customer": feedback.commercial_partner_id.name,
                "user": self.env.user.name,
            }
            if new:
                lines[new.id].append(linked % values)
            if old:
                lines[old.id].append(unlinked % values)
        if lines:
            self.env["product.requirement"].sudo().browse(list(lines))._message_log_batch(
                {rid: Markup("<br/>").join(body) for rid, body in lines.items()}
            )

    def _prepare_requirement_values(self):
        """Values prefilling a product requirement raised from this feedback (used by
        "Create requirement")."""
        self.ensure_one()
        description = self.description if not is_html_empty(self.description) else ""
        return {
            "name": self.name,
            "kind": REQUIREMENT_KINDS.get(self.kind, "improvement"),
            "description": description,
            "product_id": self.product_id.id,
            "partner_ids": [Command.link(self.commercial_partner_id.id)],
            "lead_ids": [Command.link(self.lead_id.id)] if self.lead_id else [],
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
        }

    # ------------------------------------------------------------------
    # SLA engine
    # ------------------------------------------------------------------

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
        the number of records (`batch` also skips per-activity e-mails).
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

    def _sla_notify_at_risk(self, notify=True):
        plans = []
        for feedback in self:
            deadline = (
                feedback.resolve_deadline
                if feedback.first_response_date
                else feedback.first_response_deadline
            )
            user = feedback.user_id or feedback._team_leader()
            note = self.env._(
                "Due %(deadline)s.",
                deadline=format_datetime(self.env, deadline, tz=user.tz or "UTC"),
            )
            summary = self.env._("SLA at risk: %(feedback)s", feedback=feedback.display_name)
            plans.append((feedback, user, summary, note, 0))
        self._schedule_activities("mail_activity_type_feedback_sla_risk", plans, notify=notify)

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
                    summary = self.env._(
                        "SLA breached: %(feedback)s", feedback=feedback.display_name
                    )
                else:
                    user = manager or feedback._team_leader()
                    summary = self.env._(
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
        self._schedule_activities("mail_activity_type_feedback_escalation", plans, notify=notify)
        self._sla_log_escalations(escalations, bodies)

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
