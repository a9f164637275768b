from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

# who reads territory conflicts (ir.model.access.csv): a core salesperson without a
# Collaboration role opens quotations without them
CONFLICT_READERS = (
    "sales_pm_collab.group_collab_sales_rep,"
    "sales_pm_collab.group_collab_product_manager,"
    "sales_pm_collab.group_collab_finance,"
    "sales_pm_collab.group_collab_channel_manager,"
    "sales_team.group_sale_manager"
)


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "collab.guard.mixin"]

    territory_conflict_ids = fields.One2many(
        "sale.territory.conflict",
        "sale_order_id",
        string="Territory Conflicts",
        groups=CONFLICT_READERS,
    )
    territory_conflict_count = fields.Integer(
        compute="_compute_territory_conflict_count", groups=CONFLICT_READERS
    )
    channel_territory_warning = fields.Char(
        compute="_compute_channel_territory_warning",
        string="Territory Warning",
    )

    @api.depends("territory_conflict_ids")
    def _compute_territory_conflict_count(self):
        for order in self:
            order.territory_conflict_count = len(order.territory_conflict_ids)

    @api.depends("partner_id", "partner_shipping_id", "company_id", "state")
    def _compute_channel_territory_warning(self):
        items = [
            (
                order.id,
                order.company_id.id,
                order.partner_id.commercial_partner_id.id,
                order.partner_shipping_id.country_id.id,
                order.partner_shipping_id.state_id.id,
                order.partner_shipping_id.zip,
            )
            for order in self
            if order.state in ("draft", "sent")
            and order.partner_id.commercial_partner_id.channel_type
        ]
        Territory = self.env["sale.territory"]
        conflicts = Territory._find_conflicts(items) if items else {}
        for order in self:
            order.channel_territory_warning = Territory._conflict_warning(conflicts.get(order.id))

    def action_confirm(self):
        conflicts = self._territory_conflicts()
        if conflicts:
            self._check_territory_policy(conflicts)
        res = super().action_confirm()
        if conflicts:
            self._create_territory_conflicts(conflicts)
        self._create_registration_conflicts(self._registration_conflicts())
        return res

    # === Registered deals === #

    def _registration_conflicts(self):
        """[(order_id, registration_id, seller_id, owner_id)] for the orders sold to a
        customer (ordering or delivered to) that another partner's approved registration
        protects, in ONE query. The registered deal itself (the order of its opportunity,
        or of an opportunity with the registering partner as channel partner) and the
        registering partner's own orders are not conflicts. The seller is the channel
        partner on the order or its opportunity, else the company (direct sales)."""
        if not self.ids:
            return []
        has_lead = "opportunity_id" in self._fields
        self._flush_conflict_fields(
            lead=has_lead, registration=True, order_fields=["opportunity_id"] if has_lead else []
        )
        lead_join = (
            SQL("LEFT JOIN crm_lead l ON l.id = o.opportunity_id")
            if has_lead
            else SQL("LEFT JOIN crm_lead l ON FALSE")
        )
        return self.env.execute_query(
            SQL(
                """
                SELECT o.id, r.id,
                       COALESCE(CASE WHEN cp.channel_type IS NOT NULL THEN cp.id END,
                                l.channel_partner_id, company.partner_id),
                       r.partner_id
                  FROM sale_order o
                  JOIN res_company company ON company.id = o.company_id
                  JOIN res_partner p ON p.id = o.partner_id
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                  JOIN res_partner s ON s.id = COALESCE(o.partner_shipping_id, o.partner_id)
                  %(lead_join)s
                  JOIN crm_deal_registration r
                    ON r.customer_partner_id IN (p.commercial_partner_id, s.commercial_partner_id)
                   AND r.company_id = o.company_id
                   AND r.state = 'approved' AND r.protection_until >= %(today)s
                 WHERE o.id = ANY(%(ids)s)
                   AND cp.id != r.partner_id
                   AND (l.id IS NULL OR l.id IS DISTINCT FROM r.lead_id)
                   AND l.channel_partner_id IS DISTINCT FROM r.partner_id
                 ORDER BY o.id, r.id
                """,
                lead_join=lead_join,
                today=fields.Date.context_today(self),
                ids=self.ids,
            )
        )

    def _flush_conflict_fields(
        self, order_fields=(), partner_fields=(), lead=False, registration=False
    ):
        """Write to the database what the conflict queries read, and only that: a
        `flush_all()` here recomputed every pending field of the transaction (the order
        lines' amounts, the invoices') in the middle of each confirmation, before core's
        `action_confirm` changes them again, a cost paid on every order, channel partner
        or not."""
        self.flush_model(["company_id", "partner_id", "partner_shipping_id", *order_fields])
        self.env["res.partner"].flush_model(
            ["commercial_partner_id", "channel_type", *partner_fields]
        )
        self.env["res.company"].flush_model(["partner_id"])
        if lead:
            self.env["crm.lead"].flush_model(["channel_partner_id"])
        if registration:
            self.env["crm.deal.registration"].flush_model(
                [
                    "customer_partner_id",
                    "company_id",
                    "state",
                    "protection_until",
                    "lead_id",
                    "partner_id",
                ]
            )

    def _create_registration_conflicts(self, rows):
        """A conflict of kind "registered deal" per order and registration (once, as an
        order confirmed again keeps its conflicts), a to-do for the channel managers."""
        if not rows:
            return self.env["sale.territory.conflict"]
        recorded = {
            (conflict.sale_order_id.id, conflict.registration_id.id)
            for conflict in self.env["sale.territory.conflict"]
            .sudo()
            .search(
                [
                    ("sale_order_id", "in", [row[0] for row in rows]),
                    ("kind", "=", "registration"),
                ]
            )
        }
        orders = self.browse([row[0] for row in rows])
        companies = {order.id: order.company_id for order in orders}
        vals_list = [
            {
                "kind": "registration",
                "sale_order_id": order_id,
                "registration_id": registration_id,
                "seller_id": seller_id,
                "owner_ids": [fields.Command.set([owner_id])],
                "company_id": companies[order_id].id,
            }
            for order_id, registration_id, seller_id, owner_id in rows
            if (order_id, registration_id) not in recorded
        ]
        records = self.env["sale.territory.conflict"].sudo().create(vals_list)
        records._notify_channel_managers()
        for conflict in records:
            conflict.sale_order_id.message_post(
                body=self.env._(
                    "The customer is protected by the deal registration %(registration)s of "
                    "%(owner)s until %(until)s: recorded as a conflict for the channel "
                    "managers.",
                    registration=conflict.registration_id.name,
                    owner=conflict.registration_id.partner_id.name,
                    until=format_date(self.env, conflict.registration_id.protection_until),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return records

    def _territory_conflicts(self):
        """{order_id: (seller_id, [(territory_id, owner_ids)])} for the orders of channel
        partners delivering into an exclusive territory of others.

        Two queries whatever the number of orders: the orders' sellers and delivery
        addresses, and the exclusive territories (sale.territory._find_conflicts).
        """
        if not self.ids:
            return {}
        self._flush_conflict_fields(partner_fields=["country_id", "state_id", "zip"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT o.id, o.company_id, cp.id, s.country_id, s.state_id, s.zip
                  FROM sale_order o
                  JOIN res_partner p ON p.id = o.partner_id
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                  JOIN res_partner s ON s.id = COALESCE(o.partner_shipping_id, o.partner_id)
                 WHERE o.id = ANY(%(ids)s) AND cp.channel_type IS NOT NULL
                """,
                ids=self.ids,
            )
        )
        if not rows:
            return {}
        sellers = {row[0]: row[2] for row in rows}
        found = self.env["sale.territory"]._find_conflicts(rows)
        return {order_id: (sellers[order_id], hits) for order_id, hits in found.items()}

    def _check_territory_policy(self, conflicts):
        blocked = self.browse(list(conflicts)).filtered(
            lambda o: o.company_id.channel_conflict_policy == "block"
        )
        if blocked and not self.env["res.partner"]._is_channel_manager():
            order = blocked[0]
            raise UserError(
                self.env._(
                    "%(order)s cannot be confirmed: %(warning)s The company blocks "
                    "cross-territory sales; ask a channel manager to confirm it.",
                    order=order.name,
                    warning=self.env["sale.territory"]._conflict_warning(conflicts[order.id][1]),
                )
            )

    def _create_territory_conflicts(self, conflicts):
        # an order cancelled and confirmed again keeps the conflict recorded the first time
        # (with its decision): one record per order and territory
        recorded = {
            (conflict.sale_order_id.id, conflict.territory_id.id)
            for conflict in self.env["sale.territory.conflict"]
            .sudo()
            .search([("sale_order_id", "in", list(conflicts))])
        }
        conflicts = {
            order_id: (seller_id, new_hits)
            for order_id, (seller_id, hits) in conflicts.items()
            if (new_hits := [hit for hit in hits if (order_id, hit[0]) not in recorded])
        }
        vals_list = []
        for order in self.browse(list(conflicts)):
            seller_id, hits = conflicts[order.id]
            for territory_id, owner_ids in hits:
                vals_list.append(
                    {
                        "sale_order_id": order.id,
                        "seller_id": seller_id,
                        "territory_id": territory_id,
                        "owner_ids": [fields.Command.set(owner_ids)],
                        "company_id": order.company_id.id,
                        "blocked_override": order.company_id.channel_conflict_policy == "block",
                    }
                )
        records = self.env["sale.territory.conflict"].sudo().create(vals_list)
        records._notify_channel_managers()
        for order in self.browse(list(conflicts)):
            order.message_post(
                body=self.env["sale.territory"]._conflict_warning(conflicts[order.id][1]),
                subtype_xmlid="mail.mt_note",
            )
        return records

    def _add_partnership(self):
        # selling a membership product sets the customer's level (partnership): allowed
        # to the salesperson confirming the order, who may not change levels by hand
        return super(SaleOrder, self.sudo())._add_partnership()

    def action_view_territory_conflicts(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_sale_territory_conflict",
            domain=[("sale_order_id", "=", self.id)],
        )
