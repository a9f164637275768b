from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_datetime

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
OPEN_STATES = ("new", "acknowledged", "in_progress")
DONE_STATES = ("resolved", "closed")
# feedback that can be turned into (or linked to) a product requirement: not cancelled
LINKABLE_STATES = OPEN_STATES + DONE_STATES
# kinds that need a root cause and a solution before they can be resolved
ROOT_CAUSE_KINDS = ("complaint", "defect")
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
    open feedback can be cancelled. Beside this file: the workflow buttons
    (`customer_feedback_workflow`), the SLA deadlines and the at-risk / breach /
    escalation ladder (`customer_feedback_sla_engine`, policies in
    `customer.feedback.sla`), the customer's satisfaction
    (`customer_feedback_satisfaction`) and the link into requirements and releases
    (`customer_feedback_requirement`).
    """

    _name = "customer.feedback"
    _description = "Customer Feedback"
    _inherit = ["rating.mixin", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "sla_start_date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["reference", "name"]
    # what the customer's feedback pages show: the internal triage (priority, team,
    # salesperson, root cause, solution, requirement, SLA internals) stays internal, also
    # over RPC
    _portal_fields = (
        "reference",
        "name",
        "description",
        "kind",
        "partner_id",
        "commercial_partner_id",
        "product_id",
        "sale_order_id",
        "invoice_id",
        "company_id",
        "state",
        "sla_start_date",
        "first_response_date",
        "resolved_date",
    )
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

    # === Fields === #

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
    # === SLA === #
    sla_start_date = fields.Datetime(
        "Received",
        default=fields.Datetime.now,
        required=True,
        copy=False,
        index=True,
        help="When the feedback was received: the SLA clock starts then.",
    )
    first_response_date = fields.Datetime(readonly=True, copy=False, tracking=True)
    resolved_date = fields.Datetime(readonly=True, copy=False)
    # === resolution === #
    root_cause = fields.Text(tracking=True)
    solution = fields.Text(tracking=True)
    # === access === #
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

    # === Computes === #

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

    # === Onchange, constraints === #

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

    # === CRUD === #

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

    @api.ondelete(at_uninstall=False)
    def _unlink_except_resolved(self):
        if self._has_role(["sales_pm_collab.group_collab_admin"]):
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

    # === Mail === #

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

    # === Actions === #

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

    # === Business methods === #

    @api.model
    def _partner_defaults(self, partner):
        """Customer (the commercial entity) and contact (the person) from a partner."""
        commercial = partner.commercial_partner_id
        return {
            "partner_id": commercial.id,
            "contact_id": partner.id if partner and partner != commercial else False,
        }

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
