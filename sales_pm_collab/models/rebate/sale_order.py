from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

APPLY_GROUPS = (
    "sales_pm_collab.group_collab_sales_rep",
    "sales_pm_collab.group_collab_channel_manager",
)


class SaleOrder(models.Model):
    """Deduction of a partner's rebate balance on its orders (抵扣货款): *Apply Rebate*
    adds one discount line per program with a balance (the program's rebate product,
    negative price), confirming the order uses the balance (a `use` row of the ledger,
    under a lock of the partner's balance), cancelling it gives it back (`reversal`)."""

    _name = "sale.order"
    _inherit = ["sale.order", "collab.guard.mixin"]

    rebate_balance_available = fields.Monetary(
        string="Rebate Balance",
        compute="_compute_rebate_balance_available",
        currency_field="company_currency_id",
        help="Rebate balance (deduction on orders) the customer can still use, company currency.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    rebate_deduction_amount = fields.Monetary(
        string="Rebate Deducted",
        compute="_compute_rebate_deduction_amount",
        help="Untaxed amount of the rebate discount lines of this order.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_rebate_balance_available(self):
        Move = self.env["rebate.balance.move"]
        partners = self.partner_id.commercial_partner_id
        by_company = defaultdict(lambda: self.env["sale.order"])
        for order in self:
            by_company[order.company_id] |= order
        totals = defaultdict(float)
        for company, _orders in by_company.items():
            if not company:
                continue
            for (partner, _program), amount in Move._get_balances(
                partners, "order_deduction", company
            ).items():
                totals[(partner.id, company.id)] += amount
        for order in self:
            order.rebate_balance_available = totals.get(
                (order.partner_id.commercial_partner_id.id, order.company_id.id), 0.0
            )

    @api.depends("order_line.price_subtotal", "order_line.rebate_program_id")
    def _compute_rebate_deduction_amount(self):
        for order in self:
            order.rebate_deduction_amount = -sum(
                order.order_line.filtered("rebate_program_id").mapped("price_subtotal")
            )

    # === ACTION METHODS === #
    def action_apply_rebate(self):
        """Replace the order's rebate lines by the most of the customer's balance it may
        take: per program, min(its balance, its max % of the order), never more than the
        order itself; programs whose balance expires first come first."""
        self._check_role(
            APPLY_GROUPS,
            self.env._("Only salespeople and channel managers apply rebates on orders."),
        )
        self.check_access("write")
        for order in self:
            order._check_rebate_order()
            partner = order.partner_id.commercial_partner_id
            order.order_line.filtered("rebate_program_id").unlink()
            base = order._rebate_base_amount()
            balances = self.env["rebate.balance.move"]._get_balances(
                partner, "order_deduction", order.company_id
            )
            programs = self.env["rebate.program"].browse(
                sorted({program.id for (_p, program), amount in balances.items() if amount > 0})
            )
            remaining = base
            vals_list, program_list = [], []
            for program in programs.sudo():
                if not program.product_id:
                    raise UserError(
                        self.env._(
                            "Rebate program %(name)s has no rebate product: set it on the "
                            "program (Payout tab) before its balance is deducted on orders.",
                            name=program.name,
                        )
                    )
                amount = order.currency_id.round(
                    min(
                        balances[(partner, program.with_env(self.env))],
                        base * program.deduction_max_percent / 100.0,
                        remaining,
                    )
                )
                if order.currency_id.compare_amounts(amount, 0) <= 0:
                    continue
                remaining -= amount
                vals_list.append(
                    {
                        "order_id": order.id,
                        "product_id": program.product_id.id,
                        "name": self.env._("Rebate deduction (%(program)s)", program=program.name),
                        "product_uom_qty": 1,
                        "price_unit": -amount,
                        "sequence": 10000,
                    }
                )
                program_list.append(program)
            if not vals_list:
                raise UserError(
                    self.env._(
                        "%(partner)s has no rebate balance to deduct on %(order)s (or the "
                        "order has no amount yet).",
                        partner=partner.display_name,
                        order=order.name,
                    )
                )
            lines = self.env["sale.order.line"].create(vals_list)
            for line, program in zip(lines, program_list, strict=True):
                line._write_system({"rebate_program_id": program.id})
            order.message_post(
                body=self.env._(
                    "Rebate balance applied: %(amount)s.",
                    amount=format_amount(self.env, base - remaining, order.currency_id),
                )
            )
        return True

    def action_confirm(self):
        # lock the customers' balances before anything else of the confirmation
        rebate_orders = self.filtered(lambda o: o.order_line.filtered("rebate_program_id"))
        if rebate_orders:
            self.env["rebate.balance.move"]._lock_partner_balance(
                rebate_orders.partner_id.commercial_partner_id
            )
            uses = rebate_orders._check_rebate_uses()
        result = super().action_confirm()
        if rebate_orders:
            self.env["rebate.balance.move"]._record(uses)
        return result

    def _action_cancel(self):
        confirmed = self.filtered(lambda o: o.state == "sale")
        reversals = confirmed._rebate_reversal_vals() if confirmed else []
        result = super()._action_cancel()
        if reversals:
            self.env["rebate.balance.move"]._record(reversals)
        return result

    # === BUSINESS METHODS === #
    def _rebate_base_amount(self):
        """Untaxed amount of the order without its rebate lines."""
        self.ensure_one()
        return sum(
            self.order_line.filtered(lambda ln: not ln.rebate_program_id).mapped("price_subtotal")
        )

    def _check_rebate_order(self):
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            raise UserError(
                self.env._(
                    "A rebate is applied on a quotation; %(order)s is already confirmed or "
                    "cancelled.",
                    order=self.name,
                )
            )
        if self.currency_id != self.company_id.currency_id:
            raise UserError(
                self.env._(
                    "Rebate balances are kept in %(currency)s: %(order)s is in %(other)s, "
                    "so no rebate can be deducted on it.",
                    currency=self.company_id.currency_id.name,
                    order=self.name,
                    other=self.currency_id.name,
                )
            )

    def _check_rebate_uses(self):
        """Check, under the lock, the rebate lines of the orders to confirm against the
        customer's balance and each program's max %: ledger values of their uses."""
        Move = self.env["rebate.balance.move"]
        today = fields.Date.context_today(self)
        vals_list = []
        # several orders of one customer confirmed together share its balance
        spent = defaultdict(float)
        for order in self:
            order._check_rebate_order()
            partner = order.partner_id.commercial_partner_id
            base = order._rebate_base_amount()
            by_program = defaultdict(float)
            for line in order.order_line.filtered("rebate_program_id"):
                by_program[line.rebate_program_id] -= line.price_subtotal
            balances = Move._get_balances(
                partner,
                "order_deduction",
                order.company_id,
                self.env["rebate.program"].union(*by_program),
            )
            currency = order.currency_id
            total = sum(by_program.values())
            if currency.compare_amounts(total, base) > 0:
                raise UserError(
                    self.env._(
                        "%(order)s: the rebate deducted (%(amount)s) is more than the order "
                        "(%(base)s).",
                        order=order.name,
                        amount=format_amount(self.env, total, currency),
                        base=format_amount(self.env, base, currency),
                    )
                )
            for program, amount in by_program.items():
                sudo_program = program.sudo()
                if sudo_program.company_id != order.company_id:
                    raise UserError(
                        self.env._(
                            "%(order)s: the rebate of %(program)s belongs to another company.",
                            order=order.name,
                            program=sudo_program.name,
                        )
                    )
                if currency.compare_amounts(amount, 0) <= 0:
                    raise UserError(
                        self.env._(
                            "%(order)s: a rebate deduction line must take an amount off "
                            "(negative price); fix or remove it.",
                            order=order.name,
                        )
                    )
                limit = base * sudo_program.deduction_max_percent / 100.0
                if currency.compare_amounts(amount, limit) > 0:
                    raise UserError(
                        self.env._(
                            "%(order)s: %(program)s lets a rebate take at most %(pct)s%% of "
                            "an order, %(limit)s here; %(amount)s was applied. Press Apply "
                            "Rebate again.",
                            order=order.name,
                            program=sudo_program.name,
                            pct=sudo_program.deduction_max_percent,
                            limit=format_amount(self.env, limit, currency),
                            amount=format_amount(self.env, amount, currency),
                        )
                    )
                key = (partner, program)
                available = balances.get(key, 0.0) - spent[key]
                if currency.compare_amounts(amount, available) > 0:
                    raise UserError(
                        self.env._(
                            "%(order)s deducts %(amount)s of the %(program)s rebate, but "
                            "%(partner)s has only %(available)s of it left (another order "
                            "may have used it meanwhile). Press Apply Rebate again.",
                            order=order.name,
                            amount=format_amount(self.env, amount, currency),
                            program=sudo_program.name,
                            partner=partner.display_name,
                            available=format_amount(self.env, max(available, 0.0), currency),
                        )
                    )
                spent[key] += amount
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "program_id": program.id,
                        "company_id": order.company_id.id,
                        "payout": "order_deduction",
                        "kind": "use",
                        "amount": -amount,
                        "sale_order_id": order.id,
                        "date": today,
                        "note": order.name,
                    }
                )
        return vals_list

    def _rebate_reversal_vals(self):
        """Ledger values giving back what the orders used (net of earlier reversals);
        refused once an invoice carrying the deduction is posted."""
        Move = self.env["rebate.balance.move"].sudo()
        rows = Move._read_group(
            [("sale_order_id", "in", self.ids), ("kind", "in", ("use", "reversal"))],
            ["sale_order_id", "partner_id", "program_id"],
            ["amount:sum"],
        )
        today = fields.Date.context_today(self)
        vals_list = []
        for order, partner, program, amount in rows:
            if order.currency_id.compare_amounts(amount, 0) >= 0:
                continue
            posted = order.order_line.filtered("rebate_program_id").invoice_lines.filtered(
                lambda ln: ln.move_id.state == "posted"
            )
            if posted:
                raise UserError(
                    self.env._(
                        "%(order)s deducted a rebate on the posted invoice %(move)s: cancel "
                        "or reverse the invoice before cancelling the order.",
                        order=order.name,
                        move=posted.move_id[:1].display_name,
                    )
                )
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "program_id": program.id,
                    "company_id": order.company_id.id,
                    "payout": "order_deduction",
                    "kind": "reversal",
                    "amount": -amount,
                    "sale_order_id": order.id,
                    "date": today,
                    "note": self.env._("%(order)s cancelled", order=order.name),
                }
            )
        return vals_list
