from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

CHANNEL_MANAGER_GROUP = "sales_pm_collab.group_collab_channel_manager"
# who changes the channel fields and levels of partners: channel managers and, as core's
# partner levels let them, sales managers and settings administrators
CHANNEL_FIELD_EDITORS = (
    CHANNEL_MANAGER_GROUP,
    "sales_team.group_sale_manager",
    "base.group_system",
)
CHANNEL_TYPES = [
    ("distributor_l1", "Level-1 Distributor"),
    ("distributor_l2", "Level-2 Distributor"),
    ("agent", "Agent"),
    ("retailer", "Retailer"),
    ("ecommerce", "E-commerce"),
    ("cross_border", "Cross-border"),
]


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "collab.guard.mixin"]

    # the level's date follows each level change (an applied evaluation or a change by
    # hand); the last evaluation's KPIs are computed (guarded as such by the mixin)
    _system_fields = ("grade_date",)
    # a portal user reads its own company (core's rule): of this addon's fields, only
    # whether it is a channel partner (its registrations check it); the agreement, the
    # channel manager, the KPIs stay internal, also over RPC
    _portal_fields = ("channel_type",)
    # fields only channel managers (and sales managers, administrators) may change
    _CHANNEL_MANAGED_FIELDS = (
        "channel_type",
        "channel_parent_id",
        "channel_manager_id",
        "grade_id",
        "grade_date",
        "territory_ids",
        "agreement_date_start",
        "agreement_date_end",
        "agreement_note",
        "agreement_attachment_ids",
    )

    channel_type = fields.Selection(
        CHANNEL_TYPES,
        tracking=True,
        index=True,
        help="Empty: not a channel partner.",
    )
    channel_parent_id = fields.Many2one(
        "res.partner",
        string="Supplying Distributor",
        index=True,
        tracking=True,
        domain="[('channel_type', '=', 'distributor_l1'), ('id', '!=', id)]",
        help="The level-1 distributor that supplies this level-2 distributor or retailer.",
    )
    channel_child_ids = fields.One2many(
        "res.partner", "channel_parent_id", string="Supplied Channel Partners"
    )
    channel_manager_id = fields.Many2one(
        "res.users",
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    # the kanban by level shows every level of the ladder, highest first, even empty,
    # and the partners without a level last, under "No level" (not the web client's "None")
    # (a lazy translation, as core's falsy labels: the web client gets it in the reader's
    # language from fields_get, which would look a plain string up in base's catalog)
    grade_id = fields.Many2one(
        group_expand="_read_group_expand_grade_ladder",
        falsy_value_label=_lt("No level"),  # pylint: disable=translation-field
    )
    grade_date = fields.Date(
        string="Level Since",
        readonly=True,
        tracking=True,
        help="Date the partner reached its current level, set by each level change.",
    )
    territory_ids = fields.Many2many(
        "sale.territory",
        "res_partner_sale_territory_rel",
        "partner_id",
        "territory_id",
        string="Authorised Territories",
    )
    agreement_date_start = fields.Date(string="Agreement Start", tracking=True)
    agreement_date_end = fields.Date(string="Agreement End", tracking=True)
    agreement_note = fields.Html(
        string="Agreement Terms",
        help="Sales target, price system, rebate policy, after-sales responsibility, "
        "training support.",
    )
    agreement_attachment_ids = fields.Many2many(
        "ir.attachment",
        "res_partner_agreement_attachment_rel",
        "partner_id",
        "attachment_id",
        string="Agreement Documents",
    )
    training_ids = fields.One2many("res.partner.training", "partner_id", string="Trainings")
    channel_can_edit = fields.Boolean(
        compute="_compute_channel_can_edit",
        help="Technical: whether the user may change the channel fields.",
    )
    grade_evaluation_ids = fields.One2many(
        "res.partner.grade.evaluation", "partner_id", string="Evaluations"
    )
    grade_evaluation_count = fields.Integer(compute="_compute_grade_evaluation_count")
    channel_grade_history = fields.Html(
        string="Level History",
        compute="_compute_channel_grade_history",
        sanitize=False,
        help="Every change of the partner's level, by an applied evaluation or by hand.",
    )
    training_count = fields.Integer(compute="_compute_training_count")
    territory_conflict_count = fields.Integer(compute="_compute_territory_conflict_count")
    # the last evaluation and its KPIs, stored for the kanban, pivot and graph
    last_evaluation_id = fields.Many2one(
        "res.partner.grade.evaluation",
        compute="_compute_last_evaluation",
        store=True,
        # deleting an evaluation (a new run replaces the drafts) clears this column through
        # its foreign key: without an index, one scan of the partners per evaluation deleted
        # (20,000 drafts replaced: minutes)
        index="btree_not_null",
        help="The most recent evaluation that was not rejected.",
    )
    # the revenue's currency is the last evaluation's (its company's), stored: the pivot
    # and graph of Channel Analysis sum a monetary measure only over a stored currency
    # (core's partner currency_id is the current company's, computed, not stored)
    channel_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_last_evaluation",
        store=True,
        string="Last Evaluation Currency",
    )
    channel_revenue = fields.Monetary(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Revenue",
        currency_field="channel_currency_id",
        aggregator="sum",
    )
    channel_revenue_previous = fields.Monetary(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Previous Revenue",
        currency_field="channel_currency_id",
        aggregator="sum",
    )
    channel_growth = fields.Float(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Growth (%)",
        aggregator="avg",
    )
    channel_collection_rate = fields.Float(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Collection Rate (%)",
        aggregator="avg",
    )
    channel_collection_measured = fields.Boolean(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Collection Measured",
        help="False when no invoice was due in the window of the last evaluation.",
    )
    channel_new_customers = fields.Integer(
        compute="_compute_last_evaluation", store=True, string="Last New Customers"
    )
    channel_satisfaction = fields.Float(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Satisfaction",
        aggregator="avg",
    )
    channel_satisfaction_measured = fields.Boolean(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Satisfaction Measured",
        help="False when none of the partner's customers rated a feedback in the window "
        "of the last evaluation.",
    )
    channel_training_rate = fields.Float(
        compute="_compute_last_evaluation",
        store=True,
        string="Last Training Rate (%)",
        aggregator="avg",
    )
    channel_change = fields.Selection(
        [("promote", "Promote"), ("keep", "Keep"), ("demote", "Demote")],
        compute="_compute_last_evaluation",
        store=True,
        string="Last Proposal",
    )
    channel_gap_note = fields.Char(related="last_evaluation_id.gap_note", string="Gap")
    channel_recommended_grade_id = fields.Many2one(
        related="last_evaluation_id.grade_recommended_id", string="Recommended Level"
    )

    @api.model
    def _read_group_expand_grade_ladder(self, grades, domain):
        return self.env["res.partner.grade"]._get_ladder()

    @api.depends_context("uid")
    def _compute_channel_can_edit(self):
        self.channel_can_edit = self._may_edit_channel_fields()

    @api.depends("grade_evaluation_ids")
    def _compute_grade_evaluation_count(self):
        counts = self._count_by("res.partner.grade.evaluation", "partner_id")
        for partner in self:
            partner.grade_evaluation_count = counts.get(partner, 0)

    @api.depends("grade_id")
    def _compute_channel_grade_history(self):
        """The level changes tracked on the partners' chatter (one query), newest first,
        as a small table: date, from, to, by whom. Sudo: the tracking values themselves are
        for administrators, the level of a partner is readable by its readers."""
        self.channel_grade_history = False
        partners = self.filtered("id")
        if not partners:
            return
        field = self.env["ir.model.fields"]._get("res.partner", "grade_id")
        trackings = (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("field_id", "=", field.id),
                    ("mail_message_id.model", "=", "res.partner"),
                    ("mail_message_id.res_id", "in", partners.ids),
                ],
                order="id desc",
            )
        )
        rows = {}
        for tracking in trackings:
            message = tracking.mail_message_id
            rows.setdefault(message.res_id, []).append(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
                % (
                    format_date(self.env, message.date),
                    tracking.old_value_char or "-",
                    tracking.new_value_char or "-",
                    message.author_id.name or "",
                )
            )
        header = Markup(
            "<table class='table table-sm o_channel_grade_history'><thead><tr>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>"
        ) % (
            self.env._("Date"),
            self.env._("Previous Level"),
            self.env._("New Level"),
            self.env._("By"),
        )
        for partner in partners:
            if partner.id in rows:
                partner.channel_grade_history = (
                    header + Markup("").join(rows[partner.id]) + Markup("</tbody></table>")
                )

    @api.depends("training_ids")
    def _compute_training_count(self):
        counts = self._count_by("res.partner.training", "partner_id")
        for partner in self:
            partner.training_count = counts.get(partner, 0)

    def _compute_territory_conflict_count(self):
        counts = self._count_by("sale.territory.conflict", "seller_id")
        for partner in self:
            partner.territory_conflict_count = counts.get(partner, 0)

    _LAST_EVALUATION_FIELDS = (
        "last_evaluation_id",
        "channel_currency_id",
        "channel_revenue",
        "channel_revenue_previous",
        "channel_growth",
        "channel_collection_rate",
        "channel_collection_measured",
        "channel_new_customers",
        "channel_satisfaction",
        "channel_satisfaction_measured",
        "channel_training_rate",
        "channel_change",
    )

    @api.depends("grade_evaluation_ids.state", "grade_evaluation_ids.date_to")
    def _compute_last_evaluation(self):
        last = {}
        if self.ids:
            evaluations = self.env["res.partner.grade.evaluation"].search_fetch(
                [("partner_id", "in", self.ids), ("state", "!=", "rejected")],
                [
                    "partner_id",
                    "currency_id",
                    "revenue",
                    "revenue_previous",
                    "growth",
                    "collection_rate",
                    "collection_measured",
                    "new_customers",
                    "satisfaction",
                    "satisfaction_measured",
                    "training_rate",
                    "change",
                ],
                order="partner_id, date_to desc, id desc",
            )
            for evaluation in evaluations:
                last.setdefault(evaluation.partner_id.id, evaluation)
        empty = self.env["res.partner.grade.evaluation"]
        for partner in self:
            evaluation = last.get(partner.id, empty)
            partner.last_evaluation_id = evaluation
            partner.channel_currency_id = evaluation.currency_id
            partner.channel_revenue = evaluation.revenue
            partner.channel_revenue_previous = evaluation.revenue_previous
            partner.channel_growth = evaluation.growth
            partner.channel_collection_rate = evaluation.collection_rate
            partner.channel_collection_measured = evaluation.collection_measured
            partner.channel_new_customers = evaluation.new_customers
            partner.channel_satisfaction = evaluation.satisfaction
            partner.channel_satisfaction_measured = evaluation.satisfaction_measured
            partner.channel_training_rate = evaluation.training_rate
            partner.channel_change = evaluation.change

    def _update_last_evaluation(self, partners):
        """Set the last evaluation and its KPIs of `partners` in ONE statement (what
        _compute_last_evaluation does record by record), after a batch of evaluations was
        created (and the partners' drafts deleted): the recomputation they triggered is
        replaced by this one statement."""
        for fname in self._LAST_EVALUATION_FIELDS:
            self.env.remove_to_compute(self._fields[fname], partners)
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner p
                   SET last_evaluation_id = e.id,
                       channel_currency_id = e.currency_id,
                       channel_revenue = e.revenue,
                       channel_revenue_previous = e.revenue_previous,
                       channel_growth = e.growth,
                       channel_collection_rate = e.collection_rate,
                       channel_collection_measured = e.collection_measured,
                       channel_new_customers = e.new_customers,
                       channel_satisfaction = e.satisfaction,
                       channel_satisfaction_measured = e.satisfaction_measured,
                       channel_training_rate = e.training_rate,
                       channel_change = e.change
                  FROM (SELECT DISTINCT ON (partner_id) *
                          FROM res_partner_grade_evaluation
                         WHERE partner_id = ANY(%(partners)s) AND state != 'rejected'
                      ORDER BY partner_id, date_to DESC, id DESC) e
                 WHERE p.id = e.partner_id
                """,
                partners=partners.ids,
            )
        )
        partners.invalidate_recordset(list(self._LAST_EVALUATION_FIELDS))

    @api.constrains("channel_parent_id")
    def _check_channel_parent(self):
        if self._has_cycle("channel_parent_id"):
            raise ValidationError(
                self.env._(
                    "A channel partner cannot be supplied, directly or through others, by "
                    "itself. Pick another supplying distributor."
                )
            )

    @api.constrains("agreement_date_start", "agreement_date_end")
    def _check_agreement_dates(self):
        for partner in self:
            if (
                partner.agreement_date_start
                and partner.agreement_date_end
                and partner.agreement_date_end < partner.agreement_date_start
            ):
                raise ValidationError(
                    self.env._(
                        "The agreement of %(partner)s ends before it starts: set an end date "
                        "after %(start)s.",
                        partner=partner.display_name,
                        start=partner.agreement_date_start,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied_evaluations(self):
        evaluated = (
            self.env["res.partner.grade.evaluation"]
            .sudo()
            .search([("partner_id", "in", self.ids), ("state", "=", "applied")])
            .partner_id
        )
        if evaluated:
            raise UserError(
                self.env._(
                    "%(partners)s cannot be deleted: their applied evaluations are the history "
                    "of their level. Archive them instead.",
                    partners=", ".join(evaluated.mapped("display_name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        partners = self
        if not self.env.su:
            if any(vals.get(f) for vals in vals_list for f in self._CHANNEL_MANAGED_FIELDS):
                self._check_channel_manager_rights()
            for vals in vals_list:
                self._check_grade_value(vals)
            partners = self._without_forged_channel_defaults()
        records = super(ResPartner, partners).create(vals_list)
        # a partner created with a level holds it from today, unless the server said
        # otherwise (the superuser may give the date, e.g. data imports)
        records.filtered(lambda p: p.grade_id and not p.grade_date).sudo().write(
            {"grade_date": fields.Date.context_today(self)}
        )
        return records

    def write(self, vals):
        if not self.env.su:
            if any(f in vals for f in self._CHANNEL_MANAGED_FIELDS):
                self._check_channel_manager_rights()
            self._check_grade_value(vals)
        changed = self.browse()
        if "grade_id" in vals and "grade_date" not in vals:
            # the level changes: "level since" follows, unless given (by the server)
            grade_id = vals["grade_id"] or False
            changed = self.filtered(lambda p: p.grade_id.id != grade_id)
        leaving = self._grade_pricelist_to_drop(vals)
        res = super().write(vals)
        if leaving:
            super(ResPartner, leaving).write({"specific_property_product_pricelist": False})
        if changed:
            # the date of a level change is the server's: written past the user's guard
            changed = changed.sudo()
            graded = changed.filtered("grade_id")
            graded.write({"grade_date": fields.Date.context_today(self)})
            (changed - graded).write({"grade_date": False})
        return res

    def _check_grade_value(self, vals):
        """The level is core's field: check its shape like the addon's own fields."""
        if "grade_id" in vals:
            self._collab_check_value(self._fields["grade_id"], vals["grade_id"])

    @api.model
    def _without_forged_channel_defaults(self):
        """This model without the `default_<channel field>` context keys when the user may
        not change channel fields: a default is a value the client chose, and it must not
        make a partner a channel partner or give it a level (the Channel Partners menu
        itself proposes a channel type, which a sales representative does not get)."""
        if self._may_edit_channel_fields():
            return self
        forged = {f"default_{fname}" for fname in self._CHANNEL_MANAGED_FIELDS} & set(
            self.env.context
        )
        if not forged:
            return self
        context = {key: value for key, value in self.env.context.items() if key not in forged}
        return self.with_env(self.env(context=context))

    def _grade_pricelist_to_drop(self, vals):
        """The partners of self that leave, by `vals`, a level whose pricelist they have for
        a level without pricelist (or none): the level's prices go with the level. Core
        sets the pricelist of the new level only, so a demoted partner kept the old prices.
        A pricelist given in `vals`, or picked by hand (not the level's), stays."""
        if "grade_id" not in vals or {
            "specific_property_product_pricelist",
            "property_product_pricelist",
        } & set(vals):
            return self.browse()
        grade = self.env["res.partner.grade"].browse(vals["grade_id"] or [])
        if grade.sudo().default_pricelist_id:
            return self.browse()  # core sets the new level's pricelist
        return self.filtered(
            lambda p: (
                p.grade_id != grade
                and p.grade_id.sudo().default_pricelist_id
                and p.specific_property_product_pricelist == p.grade_id.sudo().default_pricelist_id
            )
        )

    @api.model
    def _is_channel_manager(self):
        """Whether the user is a channel manager (administrators of the app are): submits,
        approves and applies evaluations, confirms blocked cross-territory sales."""
        return self._has_role([CHANNEL_MANAGER_GROUP])

    @api.model
    def _may_edit_channel_fields(self):
        """Channel managers, and like core's partner levels, sales managers and settings
        administrators change the channel fields and levels of partners."""
        return self._has_role(CHANNEL_FIELD_EDITORS)

    @api.model
    def _check_channel_manager_rights(self):
        self._check_role(
            CHANNEL_FIELD_EDITORS,
            self.env._(
                "Only channel managers can change the channel type, level, territories or "
                "agreement of a partner. Ask a channel manager."
            ),
        )

    def action_view_grade_evaluations(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_res_partner_grade_evaluation",
            domain=[("partner_id", "=", self.commercial_partner_id.id)],
            context={"default_partner_id": self.commercial_partner_id.id},
        )

    def action_view_trainings(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_res_partner_training",
            domain=[("partner_id", "=", self.commercial_partner_id.id)],
            context={"default_partner_id": self.commercial_partner_id.id},
        )

    def action_view_territory_conflicts(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_sale_territory_conflict",
            domain=[("seller_id", "=", self.commercial_partner_id.id)],
        )
