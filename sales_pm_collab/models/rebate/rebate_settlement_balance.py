from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from .rebate_balance_move import BALANCE_PAYOUTS


class RebateSettlement(models.Model):
    """Settlements of programs paying into a partner rebate balance (order deduction,
    special fund): paying out credits the ledger (`rebate.balance.move`), one row per
    settlement line, instead of creating credit notes or bills; cancelling takes the
    unused credit back with reversal rows."""

    _inherit = "rebate.settlement"

    balance_move_ids = fields.One2many(
        "rebate.balance.move",
        compute="_compute_balance_move_ids",
        string="Balance Moves",
    )
    balance_move_count = fields.Integer(compute="_compute_balance_move_ids")

    def _compute_balance_move_ids(self):
        Move = self.env["rebate.balance.move"]
        rows = Move.search([("settlement_line_id.settlement_id", "in", self.ids)])
        by_settlement = {}
        for row in rows:
            key = row.settlement_line_id.settlement_id.id
            by_settlement[key] = by_settlement.get(key, Move) | row
        for settlement in self:
            mine = by_settlement.get(settlement.id, Move)
            settlement.balance_move_ids = mine
            settlement.balance_move_count = len(mine)

    def _create_moves(self, lines=None):
        if self.program_id.payout in BALANCE_PAYOUTS:
            self._credit_balances(lines)
            return self.env["account.move"]
        return super()._create_moves(lines)

    def _credit_balances(self, lines=None):
        """One credit row per settlement line with an amount (of the given `lines`, else
        of all), in one batch; a negative true-up takes off what was credited for that
        period."""
        self.ensure_one()
        program = self.program_id
        today = fields.Date.context_today(self)
        expires_on = (
            today + relativedelta(months=program.balance_validity_months)
            if program.balance_validity_months
            else False
        )
        vals_list = [
            {
                "partner_id": line.partner_id.id,
                "program_id": program.id,
                "company_id": self.company_id.id,
                "payout": program.payout,
                "kind": "credit",
                "amount": line.total,
                "settlement_line_id": line.id,
                "date": today,
                "expires_on": expires_on,
                "note": f"{self.name} {self.period_label}",
            }
            for line in (self.line_ids if lines is None else lines)
            if not self.currency_id.is_zero(line.total)
        ]
        return self.env["rebate.balance.move"]._record(vals_list)

    def _reverse_balance_credits(self):
        """Take back what this settlement credited (reversal rows), refused when a
        partner already used it: the balance must still hold it."""
        self.ensure_one()
        Move = self.env["rebate.balance.move"]
        credits = Move.sudo().search(
            [("settlement_line_id.settlement_id", "=", self.id), ("kind", "=", "credit")]
        )
        if not credits:
            return Move
        reversed_lines = (
            Move.sudo()
            .search([("settlement_line_id", "in", credits.settlement_line_id.ids)])
            .filtered(lambda r: r.kind == "reversal")
            .settlement_line_id
        )
        credits = credits.filtered(lambda r: r.settlement_line_id not in reversed_lines)
        if not credits:
            return Move
        Move._lock_partner_balance(credits.partner_id)
        credited = defaultdict(float)
        for row in credits:
            credited[row.partner_id] += row.amount
        balances = Move._get_balances(
            credits.partner_id, credits[0].payout, self.company_id, self.program_id
        )
        for partner, amount in credited.items():
            available = balances.get((partner, self.program_id), 0.0)
            if self.currency_id.compare_amounts(available, amount) < 0:
                raise UserError(
                    self.env._(
                        "Settlement %(ref)s credited %(amount)s to the rebate balance of "
                        "%(partner)s, who has only %(available)s of it left (used on orders "
                        "or fund claims): it cannot be cancelled.",
                        ref=self.name,
                        amount=format_amount(self.env, amount, self.currency_id),
                        partner=partner.display_name,
                        available=format_amount(self.env, available, self.currency_id),
                    )
                )
        today = fields.Date.context_today(self)
        return Move._record(
            [
                {
                    "partner_id": row.partner_id.id,
                    "program_id": row.program_id.id,
                    "company_id": row.company_id.id,
                    "payout": row.payout,
                    "kind": "reversal",
                    "amount": -row.amount,
                    "settlement_line_id": row.settlement_line_id.id,
                    "date": today,
                    "note": self.env._("Settlement %(ref)s cancelled", ref=self.name),
                }
                for row in credits
            ]
        )

    def action_view_balance_moves(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.rebate_balance_move_action",
            domain=[("settlement_line_id.settlement_id", "=", self.id)],
            context={"create": False},
        )
