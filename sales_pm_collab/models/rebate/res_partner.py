from odoo import api, fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "collab.guard.mixin"]

    rebate_accrued_amount = fields.Monetary(
        string="Accrued Rebate",
        compute="_compute_rebate_accrued",
        currency_field="rebate_currency_id",
        groups="sales_pm_collab.group_collab_sales_rep,sales_pm_collab.group_collab_finance,"
        "sales_pm_collab.group_collab_channel_manager",
        help="Rebate earned to date in the current period of the active rebate programs.",
    )
    rebate_currency_id = fields.Many2one("res.currency", compute="_compute_rebate_accrued")
    rebate_accrued_visible = fields.Boolean(
        compute="_compute_rebate_accrued",
        groups="sales_pm_collab.group_collab_sales_rep,sales_pm_collab.group_collab_finance,"
        "sales_pm_collab.group_collab_channel_manager",
    )

    @api.depends_context("uid", "company")
    def _compute_rebate_accrued(self):
        """Sudo on purpose: reps read no rebate record, only this figure, and only on the
        partners they sell to (salesperson of the partner or of one of its orders)."""
        user = self.env.user
        currency = self.env.company.currency_id
        self.rebate_currency_id = currency
        self.rebate_accrued_amount = 0.0
        self.rebate_accrued_visible = False
        commercial = self.filtered("id").commercial_partner_id
        if not commercial:
            return
        sees_all = user.has_group("sales_pm_collab.group_collab_finance") or user.has_group(
            "sales_pm_collab.group_collab_channel_manager"
        )
        if not sees_all:
            orders = (
                self.env["sale.order"]
                .sudo()
                ._read_group(
                    [
                        ("partner_id.commercial_partner_id", "in", commercial.ids),
                        ("user_id", "=", user.id),
                    ],
                    ["partner_id"],
                )
            )
            sold = {partner.commercial_partner_id.id for (partner,) in orders}
            sold |= set(commercial.filtered(lambda p: p.user_id == user).ids)
            commercial = commercial.filtered(lambda p: p.id in sold)
        if not commercial:
            return
        programs = (
            self.env["rebate.program"]
            .sudo()
            .search([("state", "=", "active"), ("company_id", "=", self.env.company.id)])
        )
        accrued = {}
        for values in programs._get_accrual_values(partners=commercial):
            accrued[values["partner_id"]] = accrued.get(values["partner_id"], 0) + values["earned"]
        for partner in self.filtered("id"):
            commercial_id = partner.commercial_partner_id.id
            if commercial_id in accrued:
                partner.rebate_accrued_visible = True
                partner.rebate_accrued_amount = float(accrued[commercial_id])
