from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "collab.guard.mixin"]
    # the link makes a move a rebate payout, left out of every rebate base; only a
    # settlement's "Create Credit Notes / Bills" sets it
    _system_fields = ("rebate_settlement_id", "rebate_fund_claim_id")

    rebate_settlement_id = fields.Many2one(
        "rebate.settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The rebate settlement that created this credit note or bill.",
    )

    rebate_fund_claim_id = fields.Many2one(
        "rebate.fund.claim",
        string="Fund Claim",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The special fund claim this bill or credit note pays.",
    )

    def _is_rebate_neutralized(self):
        """Whether a rebate credit note or bill no longer pays anything: cancelled, or
        reversed in full by posted reversals."""
        self.ensure_one()
        if self.state == "cancel" or self.payment_state == "reversed":
            return True
        reversed_total = sum(
            self.reversal_move_ids.filtered(lambda m: m.state == "posted").mapped("amount_total")
        )
        return self.currency_id.compare_amounts(reversed_total, self.amount_total) >= 0

    @api.ondelete(at_uninstall=False)
    def _unlink_except_rebate_settlement(self):
        moves = self.filtered(
            lambda m: m.rebate_settlement_id and m.rebate_settlement_id.state != "cancelled"
        )
        if moves:
            raise UserError(
                self.env._(
                    "%(move)s pays out rebate settlement %(ref)s: cancel it instead of "
                    "deleting it, so that the settlement keeps its trail.",
                    move=moves[0].display_name,
                    ref=moves[0].rebate_settlement_id.name,
                )
            )
