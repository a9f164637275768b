from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..bulk_insert import bulk_insert


class RebateSettlementSource(models.Model):
    """One journal item that contributed to a settlement line: the audit trail.

    Rows are written in bulk by SQL when a settlement is computed and never change
    afterwards (only the denormalised ``cancelled`` flag follows the settlement). The
    program and that flag are stored here so that a partial unique index can guarantee,
    in the database, that a journal item counts once per program across non-cancelled
    settlements.
    """

    _name = "rebate.settlement.source"
    _description = "Rebate Settlement Source"
    _inherit = ["collab.guard.mixin"]
    _order = "settlement_line_id, id"
    _log_access = False
    # the audit trail, every field of it: recorded by the engine in SQL
    _system_fields = (
        "settlement_line_id",
        "move_line_id",
        "amount",
        "kind",
        "program_key",
        "cancelled",
        "settlement_id",
        "program_id",
        "partner_id",
        "company_id",
        "currency_id",
        "move_id",
        "date",
        "product_id",
        "label",
    )

    settlement_line_id = fields.Many2one(
        "rebate.settlement.line", required=True, index=True, ondelete="cascade", readonly=True
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Journal Item",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    amount = fields.Monetary(
        readonly=True, help="What the journal item counted for when the settlement was computed."
    )
    kind = fields.Selection(
        [("count", "Counted"), ("correction", "Correction")],
        required=True,
        default="count",
        readonly=True,
        help="Counted: the journal item enters the program's figures (once per program).\n"
        "Correction: a later change of an item counted before (cancelled invoice, more of "
        "it paid), settled by a true-up.",
    )
    program_key = fields.Integer(
        required=True,
        readonly=True,
        help="Id of the program, denormalised for the once-per-program unique index. No "
        "foreign key on purpose: the settlement line already references the program, and "
        "a third key check per row would slow down recording 200,000 sources.",
    )
    cancelled = fields.Boolean(
        readonly=True, help="The settlement was cancelled: the item may be counted again."
    )
    settlement_id = fields.Many2one(related="settlement_line_id.settlement_id")
    program_id = fields.Many2one(related="settlement_line_id.program_id")
    partner_id = fields.Many2one(related="settlement_line_id.partner_id")
    company_id = fields.Many2one(related="settlement_line_id.company_id")
    currency_id = fields.Many2one(related="settlement_line_id.currency_id")
    move_id = fields.Many2one(related="move_line_id.move_id", string="Invoice / Credit Note")
    date = fields.Date(related="move_line_id.move_id.invoice_date", string="Invoice Date")
    product_id = fields.Many2one(related="move_line_id.product_id")
    label = fields.Char(related="move_line_id.name")

    _unique_count = models.UniqueIndex(
        "(program_key, move_line_id) WHERE kind = 'count' AND NOT cancelled",
        "This journal item is already counted by another settlement of the program: a "
        "journal item counts once per program.",
    )

    # Nobody creates or writes sources through the ORM, not even the superuser: the
    # engine records them (_insert_*_sources) and frees them (_mark_cancelled) in SQL.
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise AccessError(
            self.env._("Settlement sources are recorded by computing the settlement.")
        )

    def write(self, vals):  # pylint: disable=method-required-super
        raise AccessError(self.env._("Settlement sources are an audit trail: they never change."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        frozen = self.settlement_line_id.settlement_id.filtered(
            lambda s: s.state not in ("draft", "computed")
        )
        if frozen:
            raise UserError(
                self.env._(
                    "The sources of settlement %(ref)s are its audit trail: they cannot be "
                    "deleted.",
                    ref=frozen[0].name,
                )
            )

    # === BUSINESS METHODS === #
    @api.model
    def _insert_regular_sources(self, settlement, line_ids, items):
        """Record the journal items of the settlement's regular lines, in one statement.

        ``line_ids``: {partner id: id of its regular line}; ``items``: the table of the
        period's journal items (``rebate.program._materialized_items``). The lines are
        joined as an array rather than read from their table: the table's statistics do
        not know the lines just inserted, and a planner expecting one line would join
        200,000 journal items to them in a nested loop.
        """
        program = settlement.program_id.sudo()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO rebate_settlement_source
                       (settlement_line_id, program_key, move_line_id, amount, kind, cancelled)
                SELECT line.id, %(program)s, items.move_line_id, items.amount, 'count', FALSE
                  FROM %(items)s items
                  JOIN unnest(%(partner_ids)s::int[], %(line_ids)s::int[]) AS line(partner_id, id)
                    ON line.partner_id = items.partner_id
                """,
                program=program.id,
                partner_ids=list(line_ids),
                line_ids=list(line_ids.values()),
                items=items,
            )
        )
        self.invalidate_model()

    @api.model
    def _insert_adjustment_sources(self, program, line_adjustments):
        """Record the changed journal items of true-up lines: [(line id, adjustment)]."""
        bulk_insert(
            self,
            [
                {
                    "settlement_line_id": line_id,
                    "program_key": program.id,
                    "move_line_id": move_line_id,
                    "amount": float(amount),
                    "kind": kind,
                    "cancelled": False,
                }
                for line_id, adjustment in line_adjustments
                for move_line_id, amount, kind in adjustment["deltas"]
            ],
        )

    @api.model
    def _mark_cancelled(self, settlements):
        """Free the journal items counted by cancelled settlements."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE rebate_settlement_source src SET cancelled = TRUE
                  FROM rebate_settlement_line line
                 WHERE line.id = src.settlement_line_id AND line.settlement_id = ANY(%s)
                """,
                settlements.ids,
            )
        )
        self.invalidate_model(["cancelled"])
