from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command


class ProductRequirement(models.Model):
    """What building a requirement brought back once it shipped: the lost deals reopened
    and won (revenue won back), and what its customers bought in the months after the
    release (revenue won after release). Merges carry the deals lost for a duplicate
    over to the requirement kept."""

    _inherit = "product.requirement"

    winback_ids = fields.One2many(
        "crm.lead.winback",
        "requirement_id",
        string="Win-backs",
        readonly=True,
        groups="sales_pm_collab.group_collab_product_manager,sales_team.group_sale_manager",
    )
    winback_count = fields.Integer(
        string="Lost Deals Offered Back", compute="_compute_revenue_after_release"
    )
    revenue_won_back = fields.Monetary(
        compute="_compute_revenue_after_release",
        currency_field="currency_id",
        help="Expected revenue of the deals lost for this requirement, reopened when it "
        "shipped and won since.",
    )
    date_released = fields.Date(
        related="release_id.date_released",
        store=True,
        string="Release Date",
        help="When its release shipped: the start of the win-back window.",
    )
    # stored so that the dashboards can pivot it: recomputed when the release ships or
    # the window setting changes, and by the daily cron for every released release (new
    # or backdated orders and deals of the customers count from the next run at the latest)
    revenue_won_after_release = fields.Monetary(
        compute="_compute_revenue_won_after_release",
        store=True,
        currency_field="currency_id",
        help="What the requesting customers bought in the months after the release date "
        "(Settings): confirmed sales orders (untaxed, company currency), plus the expected "
        "revenue of their deals won in that time without a confirmed order.",
    )

    @api.depends("release_id.date_released", "release_id.state")
    def _compute_revenue_after_release(self):
        won_back = defaultdict(float)
        counts = defaultdict(int)
        real = self.filtered("id")
        if real:
            for requirement, count, revenue in (
                self.env["crm.lead.winback"]
                .sudo()
                ._read_group(
                    [("requirement_id", "in", real.ids)],
                    ["requirement_id"],
                    ["__count", "won_revenue:sum"],
                )
            ):
                won_back[requirement.id] = revenue
                counts[requirement.id] = count
        for requirement in self:
            requirement.winback_count = counts[requirement.id]
            requirement.revenue_won_back = won_back[requirement.id]

    @api.depends(
        "release_id.date_released",
        "release_id.state",
        "company_id.winback_months",
        "partner_ids",
        "lead_ids",
    )
    def _compute_revenue_won_after_release(self):
        # sudo: a stored figure of all the customers' business, whoever triggers it
        released = self.sudo().filtered(
            lambda r: r.id and r.release_id.state == "released" and r.release_id.date_released
        )
        partners = released._get_demand_partners() if released else {}
        after = self._revenue_after_release(
            [
                (r.id, r.company_id, r.release_id.date_released, partners.get(r.id, ()))
                for r in released
            ]
        )
        for requirement in self:
            requirement.revenue_won_after_release = after.get(requirement.id, 0.0)

    @api.model
    def _cron_revenue_won_after_release(self):
        """Daily: recompute the stored revenue won after release of every released
        release and its requirements, so that orders and won deals of their customers
        (backdated ones included) count by the next run at the latest. One grouped read
        of orders and one of won deals per (company, release date)."""
        releases = (
            self.env["product.release"]
            .sudo()
            .with_context(active_test=False)
            .search([("state", "=", "released"), ("date_released", "!=", False)])
        )
        requirements = releases.requirement_ids
        self.env.add_to_compute(self._fields["revenue_won_after_release"], requirements)
        self.env.add_to_compute(releases._fields["revenue_won_after_release"], releases)
        requirements.flush_recordset(["revenue_won_after_release"])
        releases.flush_recordset(["revenue_won_after_release"])

    @api.model
    def _revenue_after_release(self, items):
        """{key: revenue} for `items`, a list of (key, company, release date, commercial
        partner ids): what those customers bought in the company's win-back window after
        the date. One grouped read of orders and one of won deals per (company, date)."""
        windows = defaultdict(list)
        for key, company, date, partner_ids in items:
            if partner_ids:
                windows[company, date].append((key, set(partner_ids)))
        result = {}
        for (company, date), keyed in windows.items():
            date_to = date + relativedelta(months=company.winback_months or 0)
            customers = set().union(*(ids for _key, ids in keyed))
            per_customer = self._customer_revenue(company, date, date_to, customers)
            for key, ids in keyed:
                result[key] = sum(per_customer.get(pid, 0.0) for pid in ids)
        return result

    @api.model
    def _customer_revenue(self, company, date_from, date_to, customer_ids):
        """{commercial partner id: revenue} of `company` between the two dates (the end
        excluded): confirmed orders, untaxed in company currency, plus won deals without
        a confirmed order."""
        start = fields.Datetime.to_datetime(date_from)
        end = fields.Datetime.to_datetime(date_to)
        revenue = defaultdict(float)
        orders = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "sale"),
                    ("date_order", ">=", start),
                    ("date_order", "<", end),
                    ("partner_id.commercial_partner_id", "in", list(customer_ids)),
                ],
                ["partner_id.commercial_partner_id", "currency_id"],
                ["amount_untaxed:sum"],
            )
        )
        for partner, currency, amount in orders:
            revenue[partner.id] += currency._convert(
                amount, company.currency_id, company, date_from
            )
        leads = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("stage_id.is_won", "=", True),
                    ("date_closed", ">=", start),
                    ("date_closed", "<", end),
                    ("partner_id.commercial_partner_id", "in", list(customer_ids)),
                    ("order_ids", "not any", [("state", "=", "sale")]),
                ],
                ["partner_id.commercial_partner_id"],
                ["expected_revenue:sum"],
            )
        )
        for partner, amount in leads:
            revenue[partner.id] += amount
        return revenue

    def action_view_winbacks(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_crm_lead_winback",
            domain=[("requirement_id", "=", self.id)],
            name=self.env._("Lost Deals Offered Back: %(requirement)s", requirement=self.name),
        )

    # === Merge === #

    def _merge_dependences(self, master):
        """The deals lost for a duplicate are lost for the requirement kept (so each is
        offered back once, when the master ships)."""
        notes = super()._merge_dependences(master)
        leads = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search([("lost_requirement_ids", "in", self.ids)])
        )
        for lead in leads:
            lead.lost_requirement_ids = [
                *(Command.unlink(dup.id) for dup in lead.lost_requirement_ids & self),
                Command.link(master.id),
            ]
        return notes
