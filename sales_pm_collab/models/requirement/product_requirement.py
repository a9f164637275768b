import re
from collections import defaultdict

from lxml import etree
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import format_amount, format_datetime, html2plaintext

from .product_requirement_stage import OPEN_STATES, STATE_PROGRESS

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
# RICE bounds beyond which an estimate is a typing mistake
MAX_EFFORT = 10000  # person-weeks: 200 people for a year
MAX_REACH = 1000000000  # customers or users per quarter
# RICE impact: the only values `impact` takes, and the dropdown the form offers for it
IMPACT_VALUES = (0.25, 0.5, 1.0, 2.0, 3.0)
IMPACT_LEVELS = [
    ("0.25", "Minimal (0.25)"),
    ("0.5", "Low (0.5)"),
    ("1", "Medium (1)"),
    ("2", "High (2)"),
    ("3", "Massive (3)"),
]
PRIORITIES = [("0", "Normal"), ("1", "Important"), ("2", "Urgent"), ("3", "Critical")]
KINDS = [
    ("feature", "New Feature"),
    ("improvement", "Improvement"),
    ("customisation", "Customisation for One Customer"),
    ("integration", "Integration"),
    ("defect", "Defect"),
]
# words that carry no meaning when looking for similar requirements
STOP_WORDS = frozenset(
    """a an and are as at be but by can could for from has have in into is it its of on
    or our please should so that the their them they this to too us was we were when
    where which will with would need needs want wants customer customers support
    feature""".split()
)
WORD_RE = re.compile(r"[0-9a-zA-Z\u00C0-\u024F]{3,}|[\u3400-\u9FFF\uF900-\uFAFF]+")


def _impact_level(impact):
    """The `IMPACT_LEVELS` key of an impact value, or False when it is not one of them."""
    for value, (key, _label) in zip(IMPACT_VALUES, IMPACT_LEVELS, strict=True):
        if impact is not None and abs(impact - value) < 1e-6:
            return key
    return False


def _tokens(text):
    """Meaningful lower-case words of a text; runs of CJK characters become bigrams."""
    words = set()
    for token in WORD_RE.findall((text or "").lower()):
        if "\u3400" <= token[0] <= "\ufaff":
            words.update(token[i : i + 2] for i in range(max(len(token) - 1, 1)))
        elif token not in STOP_WORDS:
            words.add(token)
    return words


class ProductRequirement(models.Model):
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
    name = fields.Char(string="Requirement", required=True, tracking=True)
    description = fields.Html(
        help="What the customer needs and why: the pain point, the use case, the expected outcome."
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
    first_response_deadline = fields.Datetime(
        string="Triage Deadline",
        copy=False,
        readonly=True,
        index=True,
        help="Creation plus the company's triage delay in working days, on its working calendar.",
    )
    first_response_date = fields.Datetime(
        string="First Response",
        copy=False,
        readonly=True,
        help="When a product manager first answered: the requirement left the New stage, or "
        "a product manager posted a message.",
    )
    is_triage_overdue = fields.Boolean(
        string="Triage Overdue",
        compute="_compute_is_triage_overdue",
        search="_search_is_triage_overdue",
    )
    is_high_revenue = fields.Boolean(
        string="High Revenue at Stake",
        compute="_compute_is_high_revenue",
        search="_search_is_high_revenue",
        help="Revenue at stake above the company's threshold (Settings).",
    )
    # RICE scoring (product managers only)
    reach = fields.Integer(
        groups=PM_GROUP,
        tracking=True,
        help="Customers (or users) affected per quarter.",
    )
    impact = fields.Float(
        default=1.0,
        digits=(3, 2),
        groups=PM_GROUP,
        tracking=True,
        aggregator="avg",
        help="How much it moves each customer reached: 0.25 minimal, 0.5 low, 1 medium, "
        "2 high, 3 massive (no other value).",
    )
    impact_level = fields.Selection(
        IMPACT_LEVELS,
        compute="_compute_impact_level",
        inverse="_inverse_impact_level",
        groups=PM_GROUP,
        help="How much it moves each customer reached, picked from the five RICE values: "
        "0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive.",
    )
    confidence = fields.Float(
        string="Confidence (%)",
        default=50.0,
        groups=PM_GROUP,
        tracking=True,
        help="How sure the reach, impact and effort estimates are, 0 to 100.",
    )
    effort = fields.Float(
        string="Effort (person-weeks)",
        default=1.0,
        groups=PM_GROUP,
        tracking=True,
        help="Total work, in person-weeks; must be more than zero.",
    )
    score = fields.Float(
        string="RICE Score",
        compute="_compute_score",
        store=True,
        groups=PM_GROUP,
        aggregator="avg",
        digits=(16, 2),
        help="RICE: Reach × Impact × (Confidence / 100) / Effort, confidence being a "
        "percentage; e.g. 200 customers × 2 × 50 % / 4 person-weeks = 50.",
    )
    # demand (stored; recomputed for the requirements whose leads or partners change)
    customer_count = fields.Integer(
        string="Customers Asking",
        compute="_compute_customer_count",
        store=True,
        aggregator="sum",
        help="Distinct companies behind the requirement: its customers, the customers of "
        "its opportunities and of its customer feedback (cancelled feedback excluded).",
    )
    opportunity_count = fields.Integer(
        string="Opportunities Linked", compute="_compute_lead_demand", store=True
    )
    revenue_at_stake = fields.Monetary(
        compute="_compute_lead_demand",
        store=True,
        currency_field="currency_id",
        help="Expected revenue × probability of the linked open opportunities, in company "
        "currency.",
    )
    revenue_won = fields.Monetary(
        compute="_compute_lead_demand",
        store=True,
        currency_field="currency_id",
        help="Expected revenue of the linked won opportunities.",
    )
    revenue_lost = fields.Monetary(
        compute="_compute_lead_demand",
        store=True,
        currency_field="currency_id",
        help="Expected revenue of the linked lost opportunities.",
    )
    revenue_lost_detail = fields.Html(
        string="Lost by Reason",
        compute="_compute_revenue_lost_detail",
        sanitize=False,
        help="Expected revenue of the lost opportunities, per lost reason.",
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
    _effort_positive = models.Constraint(
        "CHECK(effort IS NULL OR effort > 0)",
        "The effort must be more than zero person-weeks: enter an estimate, even a rough one.",
    )
    _confidence_range = models.Constraint(
        "CHECK(confidence IS NULL OR (confidence >= 0 AND confidence <= 100))",
        "The confidence is a percentage: enter a value between 0 and 100.",
    )
    _impact_values = models.Constraint(
        "CHECK(impact IS NULL OR impact IN (0.25, 0.5, 1, 2, 3))",
        "The impact must be 0.25, 0.5, 1, 2 or 3.",
    )
    _reach_positive = models.Constraint(
        "CHECK(reach IS NULL OR reach >= 0)", "The reach cannot be negative."
    )
    _market_size_positive = models.Constraint(
        "CHECK(market_size IS NULL OR market_size >= 0)",
        "The potential market cannot be negative.",
    )
    # the kanban: one search per column, in the model's order (`active IS TRUE` is how
    # the ORM writes the active filter; the planner needs the same predicate)
    _kanban_idx = models.Index("(stage_id, priority DESC, sequence, id DESC) WHERE active IS TRUE")

    # === COMPUTE METHODS === #
    @api.depends("product_id")
    def _compute_product_categ_id(self):
        for requirement in self:
            if requirement.product_id:
                requirement.product_categ_id = requirement.product_id.categ_id

    @api.depends("first_response_date", "first_response_deadline")
    def _compute_is_triage_overdue(self):
        now = fields.Datetime.now()
        for requirement in self:
            requirement.is_triage_overdue = bool(
                not requirement.first_response_date
                and requirement.first_response_deadline
                and requirement.first_response_deadline < now
            )

    def _search_is_triage_overdue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        overdue = Domain("first_response_date", "=", False) & Domain(
            "first_response_deadline", "<", fields.Datetime.now()
        )
        return overdue if (operator == "in") == (True in value) else ~overdue

    @api.depends("revenue_at_stake", "company_id.requirement_high_revenue")
    def _compute_is_high_revenue(self):
        for requirement in self:
            threshold = requirement.company_id.requirement_high_revenue
            requirement.is_high_revenue = bool(
                threshold and requirement.revenue_at_stake >= threshold
            )

    def _search_is_high_revenue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        threshold = self.env.company.requirement_high_revenue
        high = Domain("revenue_at_stake", ">=", threshold) if threshold else Domain.FALSE
        return high if (operator == "in") == (True in value) else ~high

    @api.depends("impact")
    def _compute_impact_level(self):
        for requirement in self:
            requirement.impact_level = _impact_level(requirement.impact)

    def _inverse_impact_level(self):
        for requirement in self:
            if requirement.impact_level:
                requirement.impact = float(requirement.impact_level)

    @api.depends("reach", "impact", "confidence", "effort")
    def _compute_score(self):
        for requirement in self:
            effort = requirement.effort
            requirement.score = (
                requirement.reach
                * (requirement.impact or 0.0)
                * (requirement.confidence or 0.0)
                / 100.0
                / effort
                if effort and effort > 0
                else 0.0
            )

    @api.depends(
        "partner_ids",
        "partner_ids.commercial_partner_id",
        "lead_ids",
        "lead_ids.partner_id",
        "lead_ids.partner_id.commercial_partner_id",
    )
    def _compute_customer_count(self):
        partners = self._get_demand_partners()
        for requirement in self:
            requirement.customer_count = len(partners.get(requirement.id, ()))

    def _get_demand_partners(self):
        """Commercial partners behind each requirement: {requirement id: set of partner ids}.

        Its own customers plus the customers of its opportunities (lost ones included).
        Extensions add partners from other sources (and the matching `@api.depends` on
        `_compute_customer_count`): the feedback area adds the customers of the feedback.
        """
        result = defaultdict(set)
        real = self.filtered("id")
        for requirement in self - real:  # onchange of a form: only the cache is known
            leads = requirement.sudo().with_context(active_test=False).lead_ids
            result[requirement.id].update(
                (requirement.partner_ids | leads.partner_id).commercial_partner_id.ids
            )
        if not real:
            return result
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        for requirement, partner in Lead._read_group(
            [("requirement_ids", "in", real.ids), ("partner_id", "!=", False)],
            ["requirement_ids", "partner_id.commercial_partner_id"],
        ):
            result[requirement.id].add(partner.id)
        for requirement in real:
            result[requirement.id].update(requirement.partner_ids.commercial_partner_id.ids)
        return result

    @api.depends(
        "lead_ids",
        "lead_ids.expected_revenue",
        "lead_ids.probability",
        "lead_ids.prorated_revenue",
        "lead_ids.stage_id",
        "lead_ids.active",
        "lead_ids.won_status",
        "lead_ids.company_id",
        "company_id.currency_id",
    )
    def _compute_lead_demand(self):
        figures = self._get_lead_demand()
        for requirement in self:
            values = figures.get(requirement.id, {})
            requirement.opportunity_count = values.get("count", 0)
            requirement.revenue_at_stake = values.get("at_stake", 0.0)
            requirement.revenue_won = values.get("won", 0.0)
            requirement.revenue_lost = values.get("lost", 0.0)

    def _get_lead_demand(self):
        """{requirement id: {count, at_stake, won, lost}} in each requirement's currency.

        One grouped read for the whole batch: by requirement, won/lost status, active and
        company (for the currency); open means pending and active.
        """
        result = defaultdict(lambda: defaultdict(float))
        real = self.filtered("id")
        rows = []
        for requirement in self - real:  # onchange of a form: only the cache is known
            for lead in requirement.sudo().with_context(active_test=False).lead_ids:
                rows.append(
                    (
                        requirement,
                        lead.won_status,
                        lead.active,
                        lead.company_id,
                        lead.expected_revenue,
                        lead.prorated_revenue,
                        1,
                    )
                )
        if real:
            Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
            rows += Lead._read_group(
                [("requirement_ids", "in", real.ids)],
                ["requirement_ids", "won_status", "active", "company_id"],
                ["expected_revenue:sum", "prorated_revenue:sum", "__count"],
            )
        today = fields.Date.context_today(self)
        by_id = {requirement.id: requirement for requirement in self}
        for requirement, status, active, company, expected, prorated, count in rows:
            target = by_id.get(requirement.id)
            if target is None:  # another requirement of the same leads
                continue
            values = result[target.id]
            values["count"] += count
            source = company.currency_id or target.currency_id

            def convert(amount, source=source, target=target):
                if not amount or source == target.currency_id:
                    return amount
                return source._convert(amount, target.currency_id, target.company_id, today)

            if status == "won":
                values["won"] += convert(expected)
            elif status == "lost":
                values["lost"] += convert(expected)
            elif active:
                values["at_stake"] += convert(prorated)
        return result

    def _compute_revenue_lost_detail(self):
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        rows = defaultdict(list)
        real = self.filtered("id")
        if real:
            for requirement, reason, company, expected, count in Lead._read_group(
                [("requirement_ids", "in", real.ids), ("won_status", "=", "lost")],
                ["requirement_ids", "lost_reason_id", "company_id"],
                ["expected_revenue:sum", "__count"],
                order="expected_revenue:sum desc",
            ):
                rows[requirement.id].append((reason, company, expected, count))
        today = fields.Date.context_today(self)
        for requirement in self:
            if not rows.get(requirement.id):
                requirement.revenue_lost_detail = False
                continue
            totals = defaultdict(lambda: [0.0, 0])
            for reason, company, expected, count in rows[requirement.id]:
                source = company.currency_id or requirement.currency_id
                if source != requirement.currency_id:
                    expected = source._convert(
                        expected, requirement.currency_id, requirement.company_id, today
                    )
                totals[reason][0] += expected
                totals[reason][1] += count
            body = Markup("").join(
                Markup(
                    "<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
                )
                % (
                    reason.name or self.env._("No reason given"),
                    count,
                    format_amount(self.env, amount, requirement.currency_id),
                )
                for reason, (amount, count) in sorted(totals.items(), key=lambda i: -i[1][0])
            )
            requirement.revenue_lost_detail = Markup(
                "<table class='table table-sm o_requirement_lost_reasons'><thead><tr>"
                "<th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
                "</tr></thead><tbody>%s</tbody></table>"
            ) % (
                self.env._("Lost reason"),
                self.env._("Deals"),
                self.env._("Expected revenue"),
                body,
            )

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

    @api.onchange("impact_level")
    def _onchange_impact_level(self):
        # the form shows the dropdown: keep the number (and the score) in step at once
        if self.impact_level:
            self.impact = float(self.impact_level)

    @api.constrains("effort", "confidence", "reach", "impact")
    def _check_scoring(self):
        for requirement in self.sudo():
            if _impact_level(requirement.impact) is False:
                raise ValidationError(
                    self.env._(
                        "The impact of “%(name)s” must be 0.25 (minimal), 0.5 (low), "
                        "1 (medium), 2 (high) or 3 (massive), not %(value)s.",
                        name=requirement.name,
                        value=requirement.impact,
                    )
                )
            if requirement.effort <= 0:
                raise ValidationError(
                    self.env._(
                        "The effort of “%(name)s” must be more than zero person-weeks: "
                        "enter an estimate, even a rough one.",
                        name=requirement.name,
                    )
                )
            if requirement.effort > MAX_EFFORT:
                raise ValidationError(
                    self.env._(
                        "The effort of “%(name)s” is in person-weeks: enter at most "
                        "%(max)s, not %(value)s.",
                        name=requirement.name,
                        max=MAX_EFFORT,
                        value=requirement.effort,
                    )
                )
            if not 0 <= (requirement.confidence or 0) <= 100:
                raise ValidationError(
                    self.env._(
                        "The confidence of “%(name)s” is a percentage: enter a value "
                        "between 0 and 100.",
                        name=requirement.name,
                    )
                )
            if (requirement.reach or 0) < 0:
                raise ValidationError(
                    self.env._("The reach of “%(name)s” cannot be negative.", name=requirement.name)
                )
            if (requirement.reach or 0) > MAX_REACH:
                raise ValidationError(
                    self.env._(
                        "The reach of “%(name)s” counts customers (or users) per quarter: "
                        "enter at most %(max)s.",
                        name=requirement.name,
                        max=MAX_REACH,
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
        is_pm = self.env.su or self.env.user.has_group(PM_GROUP)
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
        if PM_ONLY_FIELDS & set(vals) and not (self.env.su or self.env.user.has_group(PM_GROUP)):
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
        if self.env.su or self.env.user.has_group(ADMIN_GROUP):
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

    @api.model
    def _normalize_impact(self, vals):
        """Accept the impact as a number or its text ("2", "0.25"): callers over RPC or
        imports send either; anything else is a clear error, not a Python one."""
        impact = vals.get("impact")
        if not isinstance(impact, str):
            return vals
        try:
            return {**vals, "impact": float(impact.strip().replace(",", "."))}
        except ValueError:
            raise ValidationError(
                self.env._(
                    "The impact must be a number, 0.25, 0.5, 1, 2 or 3, not “%(value)s”.",
                    value=impact,
                )
            ) from None

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

    def action_merge(self):
        """Open the merge wizard on the selected requirements."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge Requirements"),
            "res_model": "product.requirement.merge.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_requirement_ids": self.ids},
        }

    def action_merge_into(self, master_id):
        """Merge the requirements of `self` (duplicates) into the requirement `master_id`.

        `master_id` is the id of the requirement to keep (an int, or its text over RPC)
        or that requirement itself. The master keeps the union of customers,
        opportunities, followers, messages, attachments and activities (moved, not
        copied); the duplicates are archived with a link to the master. Named steps, as
        `crm.lead._merge_opportunity`: check, values, dependences, log.
        """
        master = self._merge_check(master_id)
        duplicates = self.with_context(active_test=False)
        master.sudo().write(duplicates._merge_values(master))
        notes = duplicates._merge_dependences(master)
        duplicates.sudo().write(
            {
                "partner_ids": [Command.clear()],
                "lead_ids": [Command.clear()],
                "merged_into_id": master.id,
                "active": False,
            }
        )
        duplicates._merge_log(master, notes)
        return True

    def _merge_check(self, master_id):
        """The requirement `master_id` designates, once the user may merge `self` into it
        (a product manager, write access to all of them, one company, an active master
        that is not among the duplicates)."""
        self._check_pm()
        master = self._browse_requirement(master_id)
        if not master:
            raise UserError(
                self.env._(
                    "Choose the requirement to merge into: %(value)s is not an existing "
                    "requirement.",
                    value=master_id or "-",
                )
            )
        if not master.active:
            raise UserError(
                self.env._(
                    "“%(name)s” was merged into “%(master)s”: merge into that one instead.",
                    name=master.name,
                    master=master.merged_into_id.name,
                )
                if master.merged_into_id
                else self.env._(
                    "“%(name)s” is archived: restore it first, or keep another requirement.",
                    name=master.name,
                )
            )
        if master in self:
            raise UserError(
                self.env._(
                    "“%(name)s” cannot be merged into itself: choose another requirement "
                    "as the one to keep.",
                    name=master.name,
                )
            )
        other_company = self.filtered(lambda r: r.company_id != master.company_id)
        if other_company:
            raise UserError(
                self.env._(
                    "“%(name)s” belongs to %(company)s and “%(master)s” to %(master_company)s: "
                    "requirements of different companies cannot be merged.",
                    name=other_company[0].name,
                    company=other_company[0].company_id.name,
                    master=master.name,
                    master_company=master.company_id.name,
                )
            )
        (self.with_context(active_test=False) | master).check_access("write")
        return master

    def _merge_values(self, master):
        """What the master takes from the duplicates (self): their customers and
        opportunities, the earliest deadline, the highest priority, their descriptions."""
        leads = self.sudo().lead_ids
        values = {
            "partner_ids": [Command.link(p.id) for p in self.partner_ids],
            "lead_ids": [Command.link(lead.id) for lead in leads],
        }
        deadlines = [d for d in (self | master).mapped("deadline") if d]
        if deadlines:
            values["deadline"] = min(deadlines)
        if max(self.mapped("priority")) > master.priority:
            values["priority"] = max(self.mapped("priority"))
        descriptions = [
            Markup("<h4>%s</h4>%s") % (dup.name, dup.description)
            for dup in self
            if html2plaintext(dup.description or "").strip()
        ]
        if descriptions:
            values["description"] = (master.description or Markup("")) + Markup("").join(
                descriptions
            )
        return values

    def _merge_dependences(self, master):
        """Move what hangs on the duplicates (self) to the master: messages, attachments,
        activities and followers. Extensions move their own records (the feedback area,
        the customer feedback) and return a sentence each for the master's merge note."""
        self.sudo()._move_thread_to(master)
        return []

    def _merge_log(self, master, notes):
        """Note the merge on each duplicate (self) and on the master, with the `notes` of
        `_merge_dependences`."""
        for duplicate in self:
            duplicate.message_post(
                body=Markup(self.env._("Merged into %(link)s.", link=master._html_link())),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        body = Markup(
            self.env._(
                "Merged duplicates into this requirement: %(links)s.",
                links=Markup(", ").join(dup._html_link() for dup in self),
            )
        )
        for note in notes:
            body += Markup(" ") + note
        master.message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _browse_requirement(self, value):
        """The one existing requirement `value` designates (a record, an id, an id as
        text or a one-id list, as RPC callers send them), or an empty recordset."""
        if isinstance(value, models.BaseModel):
            if value._name != self._name or len(value) != 1:
                return self.browse()
            return self.browse(value.id).exists()
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return self.browse()
        return self.browse(value).exists()

    def _html_link(self):
        self.ensure_one()
        return Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            self.display_name,
        )

    def _move_thread_to(self, master):
        """Re-parent messages, attachments, activities and followers of self onto master."""
        ids = self.ids
        self.env["mail.message"].search([("model", "=", self._name), ("res_id", "in", ids)]).write(
            {"res_id": master.id}
        )
        self.env["ir.attachment"].search(
            [("res_model", "=", self._name), ("res_id", "in", ids)]
        ).write({"res_id": master.id})
        self.env["mail.activity"].search(
            [("res_model", "=", self._name), ("res_id", "in", ids)]
        ).write({"res_id": master.id})
        known = master.message_follower_ids.partner_id
        by_subtypes = defaultdict(set)
        for follower in self.message_follower_ids:
            if follower.partner_id not in known:
                by_subtypes[tuple(follower.subtype_ids.ids)].add(follower.partner_id.id)
        for subtype_ids, partner_ids in by_subtypes.items():
            master.message_subscribe(partner_ids=list(partner_ids), subtype_ids=list(subtype_ids))

    def action_view_opportunities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action.update(
            {
                "domain": [("id", "in", self.with_context(active_test=False).lead_ids.ids)],
                "context": {"active_test": False, "create": False},
                "name": self.env._("Opportunities of %(name)s", name=self.name),
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
            }
        )
        return action

    def action_view_lost_opportunities(self):
        action = self.action_view_opportunities()
        action["domain"] = Domain.AND([action["domain"], [("won_status", "=", "lost")]])
        action["context"] = dict(action["context"], group_by="lost_reason_id")
        action["name"] = self.env._("Lost opportunities of %(name)s", name=self.name)
        return action

    # === BUSINESS METHODS === #
    def _pm_only_message(self, fnames):
        labels = ", ".join(sorted(self._fields[f].string for f in fnames))
        return self.env._(
            "Only product managers can change %(fields)s of a requirement. Write to the "
            "product manager in its chatter instead.",
            fields=labels,
        )

    def _check_pm(self):
        if not (self.env.su or self.env.user.has_group(PM_GROUP)):
            raise AccessError(
                self.env._("Only product managers can decide, merge or reopen requirements.")
            )

    def _set_first_response_deadline(self):
        """Creation + N working days (company setting) on the company's working calendar."""
        now = fields.Datetime.now()  # the creation moment (create_date is the transaction's)
        deadlines = {}  # one calendar computation per company for the whole batch
        for requirement in self.filtered(lambda r: not r.first_response_deadline):
            company = requirement.company_id
            if company not in deadlines:
                deadlines[company] = company._requirement_sla_deadline(now)
            # set by the application, also for requesters who may not change it
            requirement.sudo().first_response_deadline = deadlines[company]

    def _triage_breached(self, now=None):
        """The first answer came (or is still missing) after the triage deadline."""
        self.ensure_one()
        deadline = self.first_response_deadline
        return bool(
            deadline and (self.first_response_date or now or fields.Datetime.now()) > deadline
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

    def _link_leads(self, leads):
        """Link the opportunities `leads` (and their customers) to this requirement.

        Reps may link their deals to any requirement they can read, even one they
        cannot edit: the write is done as superuser after checking they own the deals.
        """
        self.ensure_one()
        self.check_access("read")
        if not self.active or self.state not in OPEN_STATES:
            raise UserError(
                self.env._(
                    "“%(name)s” is no longer open (%(state)s): link the opportunity to an "
                    "open requirement, or raise a new one.",
                    name=self.name,
                    state=self.env._("Archived")
                    if not self.active
                    else dict(self._fields["state"]._description_selection(self.env))[self.state],
                )
            )
        leads = leads.with_env(self.env)
        leads.check_access("write")
        new_leads = leads - self.sudo().with_context(active_test=False).lead_ids
        if not new_leads:
            return False
        customers = new_leads.partner_id.commercial_partner_id
        self.sudo().write(
            {
                "lead_ids": [Command.link(lead.id) for lead in new_leads],
                "partner_ids": [Command.link(p.id) for p in customers],
            }
        )
        partner = self.env.user.partner_id
        if partner not in self.sudo().message_partner_ids:
            self.sudo().message_subscribe(partner_ids=partner.ids)
        for lead in new_leads:
            self.sudo().message_post(
                body=self.env._(
                    "%(user)s linked the opportunity “%(lead)s” (%(customer)s, expected "
                    "revenue %(amount)s).",
                    user=self.env.user.name,
                    lead=lead.name,
                    customer=lead.partner_id.commercial_partner_id.name or "-",
                    amount=format_amount(self.env, lead.expected_revenue, lead.company_currency),
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                author_id=partner.id,
            )
        return True

    @api.model
    def _find_similar(self, name, description="", product=None, categ=None, limit=5, company=None):
        """Open requirements that look like the text given, ranked.

        Returns a list of (requirement, score, reasons) with the best first. A shared
        word of the title counts 3, of the description 1, the same product 4, the same
        category 2. With `company`, only that company's requirements (the others cannot
        be linked to its deals).
        """
        title_words = _tokens(name)
        text_words = _tokens(html2plaintext(description or "")) | title_words
        if not text_words and not product and not categ:
            return []
        domain = Domain("state", "in", OPEN_STATES)
        if company:
            domain &= Domain("company_id", "=", company.id)
        candidates = Domain.FALSE
        for word in sorted(text_words, key=len, reverse=True)[:12]:
            candidates |= Domain("name", "ilike", word) | Domain("description", "ilike", word)
        if product:
            candidates |= Domain("product_id", "=", product.id)
        if categ:
            candidates |= Domain("product_categ_id", "=", categ.id)
        found = self.search(domain & candidates, limit=200, order="revenue_at_stake desc, id desc")
        ranked = []
        for requirement in found:
            shared_title = title_words & _tokens(requirement.name)
            shared_text = (text_words & _tokens(html2plaintext(requirement.description or ""))) | (
                text_words & _tokens(requirement.name)
            )
            score = 3 * len(shared_title) + len(shared_text - shared_title)
            reasons = []
            if shared_text:
                reasons.append(
                    self.env._("shared words: %(words)s", words=", ".join(sorted(shared_text)[:6]))
                )
            if product and requirement.product_id == product:
                score += 4
                reasons.append(self.env._("same product"))
            elif categ and requirement.product_categ_id == categ:
                score += 2
                reasons.append(self.env._("same category"))
            if score >= 2:
                ranked.append((requirement, score, "; ".join(reasons)))
        ranked.sort(key=lambda item: (-item[1], -item[0].revenue_at_stake, -item[0].id))
        return ranked[:limit]

    def _notify_requester(self, body):
        """Post `body` on each requirement, notifying its requester."""
        for requirement in self:
            requirement.message_post(
                body=body,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=requirement.requested_by_id.partner_id.ids,
            )

    def _message_post_after_hook(self, message, msg_values):
        """A product manager's message is a first response to the requester."""
        result = super()._message_post_after_hook(message, msg_values)
        if (
            msg_values.get("message_type") == "comment"
            and self.env.uid != SUPERUSER_ID
            and msg_values.get("author_id") == self.env.user.partner_id.id
            and self.env.user.has_group(PM_GROUP)
        ):
            unanswered = self.filtered(lambda r: not r.first_response_date)
            if unanswered:
                unanswered.sudo().write({"first_response_date": fields.Datetime.now()})
        return result

    @api.model
    def _cron_triage_overdue(self):
        """One activity per overdue requirement for its product manager (idempotent)."""
        activity_type = self.env.ref(
            "sales_pm_collab.mail_activity_type_requirement_triage", raise_if_not_found=False
        )
        if not activity_type:
            return
        overdue = self.search([("is_triage_overdue", "=", True), ("state", "=", "new")])
        done = {
            res_id
            for (res_id,) in self.env["mail.activity"]._read_group(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", overdue.ids),
                    ("activity_type_id", "=", activity_type.id),
                ],
                ["res_id"],
            )
        }
        todo = overdue.filtered(lambda r: r.id not in done)
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for requirement in todo:
            user = requirement.user_id or requirement.company_id.requirement_pm_user_id
            if not user:
                continue
            values.append(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "res_id": requirement.id,
                    "user_id": user.id,
                    "summary": self.env._(
                        "Triage overdue: answer %(requester)s",
                        requester=requirement.requested_by_id.name,
                    ),
                    "note": self.env._(
                        "The first response was due on %(deadline)s.",
                        deadline=format_datetime(self.env, requirement.first_response_deadline),
                    ),
                    "date_deadline": fields.Date.context_today(self),
                    "automated": True,
                }
            )
        self.env["mail.activity"].create(values)
