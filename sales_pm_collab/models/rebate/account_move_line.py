from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "collab.guard.mixin"]
    # a rebate deduction of a sales order (its line's program), never a sale
    _system_fields = ("rebate_program_id",)

    rebate_program_id = fields.Many2one(
        "rebate.program",
        string="Rebate Deducted",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The rebate program whose balance this discount line deducts.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_rebate_source(self):
        """A journal item counted by a rebate settlement is part of its audit trail: the
        ``ondelete="restrict"`` of the source ledger's ``move_line_id``, which has no
        foreign key. One query for the whole batch, on every source, a cancelled
        settlement's too (as the key did)."""
        if not self.ids:
            return
        Source = self.env["rebate.settlement.source"].sudo()
        source = Source.browse(Source._find_for_move_lines(self.ids))
        if source:
            raise UserError(
                self.env._(
                    "The journal item %(item)s of %(move)s was counted by rebate settlement "
                    "%(ref)s and cannot be deleted. Issue a credit note (or cancel the "
                    "invoice) instead: the next settlement trues it up.",
                    item=source.move_line_id.display_name,
                    move=source.move_line_id.move_id.display_name,
                    ref=source.settlement_line_id.settlement_id.name,
                )
            )
