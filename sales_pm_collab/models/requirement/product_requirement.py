from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .product_requirement_stage import STATE_PROGRESS

PM_GROUP = "sales_pm_collab.group_collab_product_manager"
ADMIN_GROUP = "sales_pm_collab.group_collab_admin"

# Fields only product managers may change (on top of the scoring fields, which are
# hidden from other roles by `groups=`).
PM_ONLY_FIELDS = frozenset(
    {
        "stage_id",
        "user_id",
        "decision_note",
        "decline_reason",
        # customers see the decline reason on their portal only when this is set
        "decline_reason_shared",
        "release_id",
        # who asked: the creator, or a team member their sales manager raises it for
        "requested_by_id",
    }
)
# Of those, what a requester may pick when creating (the stage only if it is a New one;
# the requester as the record rules allow: themselves, or their team's for a manager)
REQUESTER_CREATE_FIELDS = frozenset({"stage_id", "user_id", "requested_by_id"})
# Fields the application sets (workflows, the triage SLA, merges, stored figures); the
# read-only computed ones (demand figures, score...) are added by collab.guard.mixin.
SYSTEM_FIELDS = (
    "state",  # follows the stage (a stored related field: never written on its own)
    "currency_id",
    "release_date_planned",
    # the triage SLA: the deadline is set at creation, the answer by moving the
    # requirement out of New or a product manager's message
    "first_response_deadline",
    "first_response_date",
    # merges (Merge, or a review's merge decision)
    "merged_into_id",
    "merged_ids",
)
# A title is one line: longer text belongs in the description
NAME_MAX_LENGTH = 200
PRIORITIES = [("0", "Normal"), ("1", "Important"), ("2", "Urgent"), ("3", "Critical")]
KINDS = [
    ("feature", "New Feature"),
    ("improvement", "Improvement"),
    ("customisation", "Customisation for One Customer"),
    ("integration", "Integration"),
    ("defect", "Defect"),
]


class ProductRequirement(models.Model):
    """A product requirement: a customer need raised from a deal, triaged, scored and
    decided by product managers, planned into a release. Beside this file: its RICE
    score (`product_requirement_score`), its demand (`product_requirement_demand`), the
    triage SLA (`product_requirement_triage`), merging duplicates
    (`product_requirement_merge`) and finding similar ones
    (`product_requirement_similar`)."""

    _name = "product.requirement"
    _description = "Product Requirement"
    _inherit = ["mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "priority desc, sequence, id desc"
    _check_company_auto = True
    # reps ask and answer questions in the chatter of requirements they cannot edit
    _mail_post_access = "read"
    _system_fields = SYSTEM_FIELDS

    def _default_stage_id(self):
        return self.env["product.requirement.stage"]._get_stage_for_state("new")

    def _default_user_id(self):
        return self.env.company.requirement_pm_user_id

    def _default_team_id(self):
        return self.env.user.sale_team_id

    # === FIELDS === #
    # a trigram index serves the search box's `ilike` on titles; the similar
    # requirements are looked up by their stored word lists (`product_requirement_similar`)
    name = fields.Char(string="Requirement", required=True, tracking=True, index="trigram")
    description = fields.Html(
        help="What the customer needs and why: the pain point, the use case, the expected outcome.",
    )
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer(string="Color Index")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    # stored: the kanban shows amounts without loading the company
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency", store=True)
    kind = fields.Selection(KINDS, required=True, default="feature", tracking=True)
    product_id = fields.Many2one("product.template", check_company=True, index=True, tracking=True)
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        compute="_compute_product_categ_id",
        store=True,
        readonly=False,
        index=True,
    )
    stage_id = fields.Many2one(
        "product.requirement.stage",
        required=True,
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        default=lambda self: self._default_stage_id(),
        group_expand="_read_group_stage_ids",
    )
    state = fields.Selection(related="stage_id.state", store=True, index=True, string="Status")
    priority = fields.Selection(PRIORITIES, default="0", tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Product Manager",
        index=True,
        tracking=True,
        check_company=True,
        default=lambda self: self._default_user_id(),
        domain=lambda self: [("all_group_ids", "in", self.env.ref(PM_GROUP).ids)],
        help="The product manager who owns the requirement: triages it, scores it and "
        "answers the requester.",
    )
    requested_by_id = fields.Many2one(
        "res.users",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        check_company=True,
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        index=True,
        check_company=True,
        default=lambda self: self._default_team_id(),
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "product_requirement_res_partner_rel",
        "requirement_id",
        "partner_id",
        string="Customers",
        check_company=True,
        domain=[("is_company", "=", True)],
        help="The companies asking for it (their commercial entity).",
    )
    lead_ids = fields.Many2many(
        "crm.lead",
        "product_requirement_crm_lead_rel",
        "requirement_id",
        "lead_id",
        string="Opportunities",
        check_company=True,
        # lost opportunities are archived: they must still count in revenue_lost
        context={"active_test": False},
        groups="sales_team.group_sale_salesman,sales_pm_collab.group_collab_product_manager",
        help="The opportunities where it came up.",
    )
    customer_background = fields.Html(
        help="Who the customers are: their business, size, stores, systems."
    )
    market_size = fields.Monetary(
        string="Potential Market",
        currency_field="currency_id",
        tracking=True,
        help="Estimated yearly revenue of all customers who would buy it.",
    )
    market_note = fields.Text(string="Market Notes", help="How the potential market was sized.")
    competitor_note = fields.Text(
        string="Competitors", help="What competitors offer for this need, and at what price."
    )
    deadline = fields.Date(tracking=True, help="The date the customer needs it by.")
    release_id = fields.Many2one(
        "product.release",
        index=True,
        tracking=True,
        check_company=True,
        copy=False,
    )
    release_date_planned = fields.Date(
        related="release_id.date_planned", string="Planned Release Date"
    )
    decision_note = fields.Text(
        string="Decision",
        tracking=True,
        copy=False,
        help="The product decision and what to tell the customer; shown to sales.",
    )
    decline_reason = fields.Text(
        tracking=True,
        copy=False,
        help="Why it will not be built; required to decline and shown to sales.",
    )
    review_note = fields.Html(
        string="Internal Review Notes",
        copy=False,
        groups=PM_GROUP,
        help="Product managers' working notes while the requirement is under review; not "
        "visible to sales.",
    )
    review_line_ids = fields.One2many(
        "product.requirement.review.line", "requirement_id", string="Reviews", groups=PM_GROUP
    )
    most_advanced_progress = fields.Integer(
        compute="_compute_progress", help="Technical: how far the stage is in the flow."
    )
    merged_into_id = fields.Many2one(
        "product.requirement",
        copy=False,
        index="btree_not_null",
        tracking=True,
        readonly=True,
    )
    merged_ids = fields.One2many(
        "product.requirement",
        "merged_into_id",
        string="Merged Duplicates",
        readonly=True,
        context={"active_test": False},
    )
    can_manage = fields.Boolean(
        compute="_compute_can_manage", help="Technical: the user is a product manager."
    )
    can_edit = fields.Boolean(
        compute="_compute_can_edit",
        help="Technical: the user may edit this requirement (the form is read-only otherwise).",
    )

    # === CONSTRAINTS === #
    _market_size_positive = models.Constraint(
        "CHECK(market_size IS NULL OR market_size >= 0)",
        "The potential market cannot be negative.",
    )
    # the kanban: one search per column, in the model's order (`active IS TRUE` is how
    # the ORM writes the active filter; the planner needs the same predicate). The
    # included columns make it cover the rest of the first load, read from the index
    # alone instead of the whole table (descriptions and word lists make its rows wide):
    # the columns' totals (`web_read_group` sums `revenue_at_stake`, in the company's
    # currency, per stage) and the progress bars' join of activities by `id`; the
    # company is the record rule's filter.
    _kanban_idx = models.Index(
        "(stage_id, priority DESC, sequence, id DESC) "
        "INCLUDE (revenue_at_stake, currency_id, company_id) WHERE active IS TRUE"
    )

    # === COMPUTE METHODS === #
    @api.depends("product_id")
    def _compute_product_categ_id(self):
        for requirement in self:
            if requirement.product_id:
                requirement.product_categ_id = requirement.product_id.categ_id

    @api.depends("state")
    def _compute_progress(self):
        for requirement in self:
            requirement.most_advanced_progress = STATE_PROGRESS.get(requirement.state, 0)

    @api.depends_context("uid")
    def _compute_can_manage(self):
        self.can_manage = self.env.user.has_group(PM_GROUP)

    @api.depends_context("uid")
    @api.depends("state", "requested_by_id", "team_id")
    def _compute_can_edit(self):
        # in a form's onchange the records are new ones: ask about what they edit
        editable = self._origin._filtered_access("write")
        for requirement in self:
            origin = requirement._origin
            requirement.can_edit = not origin or origin in editable

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        # every stage is a column, even empty ones (they are few)
        return stages.browse(stages._get_column_ids())

    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        """Only product managers drag cards between stages and edit lists in bulk: for
        everyone else the kanban is not draggable and the list has no multi-edit (they
        would only meet an access error)."""
        result = super().get_view(view_id, view_type, **options)
        if view_type in ("kanban", "list") and not self.env.user.has_group(PM_GROUP):
            root = etree.fromstring(result["arch"])
            if view_type == "kanban":
                root.set("records_draggable", "0")
            else:
                root.attrib.pop("multi_edit", None)
            result["arch"] = etree.tostring(root, encoding="unicode")
        return result

    # === CONSTRAINT METHODS === #
    @api.constrains("name")
    def _check_name(self):
        for requirement in self:
            name = requirement.name or ""
            if not name.strip():
                raise ValidationError(
                    self.env._("Give the requirement a title: what does the customer need?")
                )
            if len(name) > NAME_MAX_LENGTH:
                raise ValidationError(
                    self.env._(
                        "The title of a requirement is one line of at most %(max)s characters "
                        "(this one has %(length)s): put the details in the description.",
                        max=NAME_MAX_LENGTH,
                        length=len(name),
                    )
                )

    @api.constrains("stage_id", "decline_reason")
    def _check_decline_reason(self):
        for requirement in self:
            if requirement.state == "declined" and not (requirement.decline_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "“%(name)s” cannot be declined without a reason. Use the Decline "
                        "button and explain why, so the sales rep can tell the customer.",
                        name=requirement.name,
                    )
                )

    @api.constrains("merged_into_id")
    def _check_merged_into(self):
        for requirement in self:
            if requirement.merged_into_id == requirement:
                raise ValidationError(self.env._("A requirement cannot be merged into itself."))

    # === CRUD METHODS === #
    @api.model_create_multi
    def create(self, vals_list):
        is_pm = self._has_role([PM_GROUP])
        model = self
        if not is_pm:
            model, vals_list = self._pm_only_defaults_as_values(vals_list)
        if not self.env.su:
            # the shape first: the checks below read the values
            system = self._collab_system_field_names()
            for vals in vals_list:
                self._collab_check_user_vals(vals, system)
        stages = self.env["product.requirement.stage"]
        for vals in vals_list:
            if not is_pm:
                stage = stages.browse(vals.get("stage_id")).exists()
                if stage and stage.state != "new":
                    raise AccessError(
                        self.env._(
                            "Only product managers can put a requirement in the stage "
                            "“%(stage)s”. Create it in a New stage; a product manager will "
                            "triage it.",
                            stage=stage.name,
                        )
                    )
                forbidden = (PM_ONLY_FIELDS - REQUESTER_CREATE_FIELDS) & {
                    key for key, value in vals.items() if value
                }
                if forbidden:
                    raise AccessError(self._pm_only_message(forbidden))
        vals_list = [self._normalize_impact(vals) for vals in vals_list]
        requirements = super(ProductRequirement, model).create(vals_list)
        requirements._set_first_response_deadline()
        # the requester follows it, also when someone else (or a wizard) created it
        for requirement in requirements:
            partner = requirement.requested_by_id.partner_id
            if partner and partner not in requirement.message_partner_ids:
                requirement.message_subscribe(partner_ids=partner.ids)
        return requirements

    def write(self, vals):
        vals = self._normalize_impact(vals)
        if not self.env.su:
            # the shape first: the checks below read the values
            self._collab_check_user_vals(vals, self._collab_system_field_names())
        if PM_ONLY_FIELDS & set(vals) and not self._has_role([PM_GROUP]):
            raise AccessError(self._pm_only_message(PM_ONLY_FIELDS & set(vals)))
        leaving_new = self.env["product.requirement"]
        if "stage_id" in vals:
            new_stage = self.env["product.requirement.stage"].browse(vals["stage_id"]).exists()
            if new_stage.state != "new":
                leaving_new = self.filtered(
                    lambda r: r.state == "new" and not r.first_response_date
                )
        result = super().write(vals)
        if leaving_new:
            leaving_new.sudo().write({"first_response_date": fields.Datetime.now()})
        return result

    def unlink(self):
        """Non-admins archive what has history (opportunities or discussion) instead."""
        if self._has_role([ADMIN_GROUP]):
            return super().unlink()
        self.check_access("unlink")
        with_history = self._with_history()
        if with_history:
            with_history.sudo().write({"active": False})
            for requirement in with_history:
                requirement.message_post(
                    body=self.env._(
                        "Archived instead of deleted: it has linked opportunities or "
                        "messages. An administrator can delete it."
                    ),
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )
        return super(ProductRequirement, self - with_history).unlink()

    @api.model
    def _pm_only_defaults_as_values(self, vals_list):
        """A `default_<field>` context key is a value the caller chose: for the fields only
        product managers set, check it like a value given to `create` (and take it out of
        the context). Returns the model without those keys and the completed values."""
        context = self.env.context
        forged = {
            key[len("default_") :]: value
            for key, value in context.items()
            if key.startswith("default_") and key[len("default_") :] in PM_ONLY_FIELDS
        }
        if not forged:
            return self, vals_list
        dropped = {f"default_{name}" for name in forged}
        model = self.with_env(
            self.env(context={key: value for key, value in context.items() if key not in dropped})
        )
        return model, [{**forged, **vals} for vals in vals_list]

    def _with_history(self):
        """Those with linked opportunities or messages written by people (extensions add
        what else they link to a requirement: the feedback area, its customer feedback)."""
        have_leads = self.sudo().filtered(lambda r: r.with_context(active_test=False).lead_ids)
        messages = (
            self.env["mail.message"]
            .sudo()
            ._read_group(
                [
                    ("model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("message_type", "in", ("comment", "email", "email_outgoing")),
                ],
                ["res_id"],
            )
        )
        have_messages = self.browse([res_id for (res_id,) in messages])
        return self.browse(have_leads.ids) | have_messages

    # === ACTION METHODS === #
    def action_decline(self):
        """Open the decline wizard (a reason is required)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Decline Requirement"),
            "res_model": "product.requirement.decline.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_requirement_ids": self.ids},
        }

    def action_reopen(self):
        """Back to review: a declined or released requirement is discussed again."""
        self._check_pm()
        stage = self.env["product.requirement.stage"]._require_stage_for_state("review")
        for requirement in self:
            if requirement.state not in ("declined", "released"):
                raise UserError(
                    self.env._(
                        "“%(name)s” is still open; only declined or released requirements "
                        "can be reopened.",
                        name=requirement.name,
                    )
                )
        self.write({"stage_id": stage.id, "decline_reason": False})
        self._notify_requester(self.env._("Reopened by %(user)s.", user=self.env.user.name))
        return True

    # === BUSINESS METHODS === #
    def _pm_only_message(self, fnames):
        labels = ", ".join(sorted(self._fields[f].string for f in fnames))
        return self.env._(
            "Only product managers can change %(fields)s of a requirement. Write to the "
            "product manager in its chatter instead.",
            fields=labels,
        )

    def _check_pm(self):
        self._check_role(
            [PM_GROUP],
            self.env._("Only product managers can decide, merge or reopen requirements."),
        )

    def _decline(self, reason, notify=True):
        """Move to the Declined stage with `reason` (required)."""
        self._check_pm()
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "Give a reason to decline: the sales rep needs it to answer the customer."
                )
            )
        stage = self.env["product.requirement.stage"]._require_stage_for_state("declined")
        self.write({"stage_id": stage.id, "decline_reason": reason})
        if notify:
            self._notify_requester(self.env._("Declined: %(reason)s", reason=reason))
        return True

    def _notify_requester(self, body):
        """Post `body` on each requirement, notifying its requester."""
        for requirement in self:
            requirement.message_post(
                body=body,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=requirement.requested_by_id.partner_id.ids,
            )
