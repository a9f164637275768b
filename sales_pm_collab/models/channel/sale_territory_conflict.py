from odoo import api, fields, models
from odoo.exceptions import UserError

from .res_partner import CHANNEL_MANAGER_GROUP


class SaleTerritoryConflict(models.Model):
    """A cross-territory sale (竄貨): a channel partner sold into an exclusive territory
    authorised to other partners. Recorded when the sale order is confirmed."""

    _name = "sale.territory.conflict"
    _description = "Territory Conflict"
    _inherit = ["mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True
    # recorded by the order's confirmation, decided by Accept / Penalise (the decision
    # takes the order's sales out of rebates or puts them back): only the note is typed
    _system_fields = (
        "sale_order_id",
        "seller_id",
        "owner_ids",
        "territory_id",
        "state",
        "company_id",
        "blocked_override",
        "kind",
        "registration_id",
    )

    name = fields.Char(compute="_compute_name", store=True)
    sale_order_id = fields.Many2one(
        "sale.order",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    seller_id = fields.Many2one(
        "res.partner",
        required=True,
        readonly=True,
        index=True,
        help="The channel partner on the order.",
    )
    owner_ids = fields.Many2many(
        "res.partner",
        "sale_territory_conflict_owner_rel",
        "conflict_id",
        "partner_id",
        string="Territory Owners",
        readonly=True,
        help="The partners the territory is exclusively authorised to.",
    )
    kind = fields.Selection(
        [("territory", "Exclusive Territory"), ("registration", "Registered Deal")],
        default="territory",
        required=True,
        readonly=True,
        index=True,
        help="Exclusive territory: the order delivers into a territory authorised to other "
        "partners. Registered deal: the order's customer is protected by another partner's "
        "approved deal registration.",
    )
    registration_id = fields.Many2one(
        "crm.deal.registration",
        string="Deal Registration",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The protected registration the order runs into.",
    )
    territory_id = fields.Many2one(
        "sale.territory",
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    state = fields.Selection(
        [("open", "Open"), ("accepted", "Accepted"), ("penalised", "Penalised")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
    )
    note = fields.Html()
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    user_id = fields.Many2one(
        related="sale_order_id.user_id", store=True, string="Salesperson", index=True
    )
    amount_untaxed = fields.Monetary(
        related="sale_order_id.amount_untaxed", string="Order Untaxed Amount"
    )
    currency_id = fields.Many2one(related="sale_order_id.currency_id")
    partner_shipping_id = fields.Many2one(
        related="sale_order_id.partner_shipping_id", string="Delivery Address"
    )
    date_order = fields.Datetime(related="sale_order_id.date_order", store=True)
    blocked_override = fields.Boolean(
        string="Confirmed by a Channel Manager",
        readonly=True,
        help="The company blocks cross-territory sales; a channel manager confirmed this "
        "order anyway.",
    )

    _territory_or_registration = models.Constraint(
        "CHECK((kind = 'territory' AND territory_id IS NOT NULL) OR "
        "(kind = 'registration' AND registration_id IS NOT NULL))",
        "A territory conflict names its territory; a registered-deal conflict its registration.",
    )

    @api.depends("sale_order_id.name", "territory_id.name", "registration_id.name")
    def _compute_name(self):
        for conflict in self:
            order = conflict.sale_order_id.name or ""
            other = conflict.territory_id.name or conflict.registration_id.name or ""
            conflict.name = f"{order} / {other}"

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Territory conflicts are recorded when a sale order delivering into an "
                    "exclusive territory of other partners is confirmed; they cannot be "
                    "created by hand."
                )
            )
        return super().create(vals_list)

    def action_accept(self):
        self._decide("accepted")
        self.activity_feedback(["mail.mail_activity_data_todo"])

    def action_penalise(self):
        self._decide("penalised")
        self.activity_feedback(["mail.mail_activity_data_todo"])

    def action_reopen(self):
        self._decide("open")

    def _decide(self, state):
        """Record a decision (or take it back): channel managers only, and only on
        conflicts not already in that state."""
        self._check_role(
            [CHANNEL_MANAGER_GROUP],
            self.env._(
                "Only channel managers accept, penalise or reopen territory conflicts: "
                "ask a channel manager."
            ),
        )
        done = self.filtered(lambda conflict: conflict.state == state)
        if done:
            label = dict(self._fields["state"]._description_selection(self.env))[state]
            raise UserError(
                self.env._(
                    "%(conflicts)s: already %(state)s.",
                    conflicts=", ".join(done.mapped("name")),
                    state=label,
                )
            )
        self._write_system({"state": state})

    def _notify_channel_managers(self):
        """One to-do per channel manager concerned: the managers of the seller and of the
        owners, or every channel manager of the company when none is set."""
        group = self.env.ref("sales_pm_collab.group_collab_channel_manager")
        for conflict in self:
            users = (conflict.seller_id | conflict.owner_ids).channel_manager_id
            if not users:
                users = group.sudo().all_user_ids.filtered(
                    lambda u, c=conflict: u.active and not u.share and c.company_id in u.company_ids
                )
            for user in users:
                env = conflict._in_lang_of(user).env  # the to-do in its assignee's language
                if conflict.kind == "registration":
                    summary = env._("Sale of a registered deal to review")
                    note = env._(
                        "%(seller)s sold %(order)s to a customer registered by %(owner)s "
                        "(%(registration)s).",
                        seller=conflict.seller_id.name,
                        order=conflict.sale_order_id.name,
                        owner=conflict.registration_id.partner_id.name,
                        registration=conflict.registration_id.name,
                    )
                else:
                    summary = env._("Cross-territory sale to review")
                    note = env._(
                        "%(seller)s sold %(order)s into %(territory)s.",
                        seller=conflict.seller_id.name,
                        order=conflict.sale_order_id.name,
                        territory=conflict.territory_id.name,
                    )
                conflict.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=summary,
                    note=note,
                    user_id=user.id,
                )
