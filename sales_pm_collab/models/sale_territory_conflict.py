from odoo import api, fields, models


class SaleTerritoryConflict(models.Model):
    """A cross-territory sale (竄貨): a channel partner sold into an exclusive territory
    authorised to other partners. Recorded when the sale order is confirmed."""

    _name = "sale.territory.conflict"
    _description = "Territory Conflict"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    sale_order_id = fields.Many2one(
        "sale.order",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    seller_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        help="The channel partner on the order.",
    )
    owner_ids = fields.Many2many(
        "res.partner",
        "sale_territory_conflict_owner_rel",
        "conflict_id",
        "partner_id",
        string="Territory Owners",
        help="The partners the territory is exclusively authorised to.",
    )
    territory_id = fields.Many2one(
        "sale.territory", required=True, index=True, ondelete="restrict", check_company=True
    )
    state = fields.Selection(
        [("open", "Open"), ("accepted", "Accepted"), ("penalised", "Penalised")],
        default="open",
        required=True,
        tracking=True,
    )
    note = fields.Html()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
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

    @api.depends("sale_order_id.name", "territory_id.name")
    def _compute_name(self):
        for conflict in self:
            order = conflict.sale_order_id.name or ""
            conflict.name = f"{order} / {conflict.territory_id.name or ''}"

    def action_accept(self):
        self.write({"state": "accepted"})
        self.activity_feedback(["mail.mail_activity_data_todo"])

    def action_penalise(self):
        self.write({"state": "penalised"})
        self.activity_feedback(["mail.mail_activity_data_todo"])

    def action_reopen(self):
        self.write({"state": "open"})

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
                conflict.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Cross-territory sale to review"),
                    note=self.env._(
                        "%(seller)s sold %(order)s into %(territory)s.",
                        seller=conflict.seller_id.name,
                        order=conflict.sale_order_id.name,
                        territory=conflict.territory_id.name,
                    ),
                    user_id=user.id,
                )
