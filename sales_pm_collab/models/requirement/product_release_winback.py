from collections import defaultdict

from odoo import api, fields, models


class ProductRelease(models.Model):
    """When a release ships, the deals lost for its requirements are offered back to
    their salespeople (win-back), and the release shows what its requirements brought
    back."""

    _inherit = "product.release"

    winback_count = fields.Integer(
        string="Lost Deals Offered Back", compute="_compute_revenue_after_release"
    )
    revenue_won_back = fields.Monetary(
        compute="_compute_revenue_after_release",
        currency_field="currency_id",
        help="Expected revenue of the lost deals reopened when this release shipped and won since.",
    )
    # stored for the dashboards: see the requirement's field (same triggers, daily cron)
    revenue_won_after_release = fields.Monetary(
        compute="_compute_revenue_won_after_release",
        store=True,
        currency_field="currency_id",
        help="What the customers asking for its requirements bought in the months after the "
        "release date (Settings): confirmed sales orders (untaxed, company currency), plus "
        "their deals won in that time without a confirmed order. Each customer counts once.",
    )

    @api.depends("state", "date_released", "requirement_ids")
    def _compute_revenue_after_release(self):
        won_back = defaultdict(float)
        counts = defaultdict(int)
        real = self.filtered("id")
        if real:
            for release, count, revenue in (
                self.env["crm.lead.winback"]
                .sudo()
                ._read_group(
                    [("release_id", "in", real.ids)],
                    ["release_id"],
                    ["__count", "won_revenue:sum"],
                )
            ):
                won_back[release.id] = revenue
                counts[release.id] = count
        for release in self:
            release.winback_count = counts[release.id]
            release.revenue_won_back = won_back[release.id]

    @api.depends(
        "state",
        "date_released",
        "company_id.winback_months",
        "requirement_ids.partner_ids",
        "requirement_ids.lead_ids",
    )
    def _compute_revenue_won_after_release(self):
        # sudo: a stored figure of all the customers' business, whoever triggers it
        released = self.sudo().filtered(
            lambda r: r.id and r.state == "released" and r.date_released
        )
        partners = released.requirement_ids._get_demand_partners() if released else {}
        after = self.env["product.requirement"]._revenue_after_release(
            [
                (
                    release.id,
                    release.company_id,
                    release.date_released,
                    set().union(*(partners.get(r.id, ()) for r in release.requirement_ids)),
                )
                for release in released
            ]
        )
        for release in self:
            release.revenue_won_after_release = after.get(release.id, 0.0)

    def _notify_shipped(self, requirements):
        res = super()._notify_shipped(requirements)
        self._offer_lost_deals_back(requirements)
        return res

    def _offer_lost_deals_back(self, requirements):
        """One win-back per lost deal and shipped requirement it was lost for, with an
        activity for the deal's salesperson (the team leader when the salesperson has
        left). A deal already offered back for that requirement is not offered again."""
        self.ensure_one()
        if not requirements:
            return
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        leads = Lead.search(
            [
                ("lost_requirement_ids", "in", requirements.ids),
                ("active", "=", False),
                ("probability", "=", 0),
            ]
        )
        Winback = self.env["crm.lead.winback"].sudo()
        done = {
            (winback.lead_id.id, winback.requirement_id.id)
            for winback in Winback.search(
                [("lead_id", "in", leads.ids), ("requirement_id", "in", requirements.ids)]
            )
        }
        values = []
        for lead in leads:
            user = self._winback_user(lead)
            for requirement in lead.lost_requirement_ids & requirements:
                if (lead.id, requirement.id) in done:
                    continue
                values.append(
                    {
                        "lead_id": lead.id,
                        "requirement_id": requirement.id,
                        "release_id": self.id,
                        "date_released": self.date_released,
                        "user_id": user.id,
                        "lost_reason_id": lead.lost_reason_id.id,
                        "expected_revenue": lead.expected_revenue,
                    }
                )
        winbacks = Winback.create(values)
        for winback in winbacks:
            winback._schedule_activity()

    def _winback_user(self, lead):
        """Who answers a win-back: the deal's salesperson while an active internal user,
        else the leader of its team, else the release manager."""
        for user in (lead.user_id, lead.team_id.user_id, self.user_id):
            if user and user.active and not user.share:
                return user
        return self.env["res.users"]
