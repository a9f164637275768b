from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import format_amount

from .product_requirement_stage import OPEN_STATES


class ProductRequirement(models.Model):
    """The demand behind a requirement, live from its customers and opportunities:
    customers asking, revenue at stake (open deals × probability), won and lost (with a
    breakdown by lost reason). Other areas add their sources (`_get_demand_partners`)."""

    _inherit = "product.requirement"

    is_high_revenue = fields.Boolean(
        string="High Revenue at Stake",
        compute="_compute_is_high_revenue",
        search="_search_is_high_revenue",
        help="Revenue at stake above the company's threshold (Settings).",
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
    demand_partner_ids = fields.Many2many(
        "res.partner",
        string="All Customers",
        compute="_compute_demand_partner_ids",
        help="Every company counted in Customers Asking, each once: the customers added by "
        "hand, those of its opportunities and of its customer feedback.",
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

    @api.depends(
        "partner_ids",
        "partner_ids.commercial_partner_id",
        "lead_ids",
        "lead_ids.partner_id",
        "lead_ids.partner_id.commercial_partner_id",
    )
    def _compute_demand_partner_ids(self):
        # the same partners as `customer_count`, so the form's field and button agree
        partners = self._get_demand_partners()
        for requirement in self:
            requirement.demand_partner_ids = self.env["res.partner"].browse(
                sorted(partners.get(requirement.id, ()))
            )

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

    def action_view_opportunities(self):
        self.ensure_one()
        return self._window_action(
            "crm.crm_lead_opportunities",
            domain=[("id", "in", self.with_context(active_test=False).lead_ids.ids)],
            context={"active_test": False, "create": False},
            name=self.env._("Opportunities of %(name)s", name=self.name),
            view_mode="list,kanban,form",
            views=[(False, "list"), (False, "kanban"), (False, "form")],
        )

    def action_view_lost_opportunities(self):
        action = self.action_view_opportunities()
        action["domain"] = Domain.AND([action["domain"], [("won_status", "=", "lost")]])
        action["context"] = dict(action["context"], group_by="lost_reason_id")
        action["name"] = self.env._("Lost opportunities of %(name)s", name=self.name)
        return action
