from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..bulk_insert import bulk_insert
from ..ledger_fields import LedgerMany2one


class RebateSettlementSource(models.Model):
    """One journal item that contributed to a settlement line: the audit trail.

    Rows are written in bulk by SQL when a settlement is computed and never change
    afterwards (only the denormalised ``cancelled`` flag follows the settlement). The
    program and that flag are stored here so that a partial unique index can guarantee,
    in the database, that a journal item counts once per program across non-cancelled
    settlements.

    The ledger has no foreign keys (`LedgerMany2one`): checking them cost a lookup and a
    row lock per inserted source, half of recording them. The engine keeps what they
    guaranteed, in sets: sources are deleted with their settlement lines
    (`_delete_for_lines`, from the lines' and the settlements' ``unlink``) and a counted
    journal item cannot be deleted (account.move.line ``_unlink_except_rebate_source``).
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

    # no foreign keys (LedgerMany2one): the engine writes ids it has just read or inserted,
    # deletes the sources with their lines (_delete_for_lines) and refuses to delete a
    # counted journal item (account.move.line _unlink_except_rebate_source)
    # indexed by _settlement_line_brin (below), not by a B-tree
    settlement_line_id = LedgerMany2one(
        "rebate.settlement.line", required=True, ondelete="cascade", readonly=True
    )
    # no index of its own: each index cost 5-6 s of inserting 2,000,000 sources; the
    # items counted (nearly every row) are found by the once-per-program unique index,
    # the corrections and the cancelled settlements' items by _move_line_other
    move_line_id = LedgerMany2one(
        "account.move.line",
        string="Journal Item",
        required=True,
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
        help="Id of the program, denormalised for the once-per-program unique index. Like "
        "the ledger's other references, it has no foreign key: the engine writes it with "
        "the settlement line, which references the program.",
    )
    cancelled = fields.Boolean(
        readonly=True, help="The settlement was cancelled: the item may be counted again."
    )
    # not a related field: searching one (the settlement's Sources button) made PostgreSQL
    # look up the BRIN index once per line of the settlement, 20 s for 2,000 lines
    settlement_id = fields.Many2one(
        "rebate.settlement",
        compute="_compute_settlement_id",
        search="_search_settlement_id",
    )
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
    # the journal items of the other rows (true-up corrections, cancelled settlements):
    # few, and none of them written by a regular compute
    _move_line_other = models.Index("(move_line_id) WHERE kind <> 'count' OR cancelled")
    # a settlement's sources are written together, after its lines: each block range of
    # the table holds the sources of a few neighbouring lines, so a BRIN index (a few
    # pages, next to nothing to keep up at insert; a B-tree cost 5-6 s of inserting
    # 2,000,000 sources) finds a line's or a settlement's sources by scanning only their
    # block ranges; ranges not summarized yet are scanned too (the newest ones),
    # autovacuum summarizes them
    _settlement_line_brin = models.Index(
        "USING brin (settlement_line_id) WITH (autosummarize = on)"
    )

    # === COMPUTE METHODS === #
    @api.depends("settlement_line_id.settlement_id")
    def _compute_settlement_id(self):
        for source in self:
            source.settlement_id = source.settlement_line_id.settlement_id

    def _search_settlement_id(self, operator, value):
        if operator != "in":
            return NotImplemented
        return self._lines_domain(self._settlement_line_ids(value))

    @api.model
    def _settlement_line_ids(self, settlement_ids):
        """Ids of the lines of the settlements ``settlement_ids``, in order (one query,
        whatever the user may read: the caller's own records are filtered by its rules)."""
        self.env["rebate.settlement.line"].flush_model(["settlement_id"])
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM rebate_settlement_line WHERE settlement_id = ANY(%s) "
                    "ORDER BY id",
                    [settlement_id for settlement_id in settlement_ids if settlement_id],
                )
            )
        ]

    @api.model
    def _lines_domain(self, line_ids):
        """The sources of the settlement lines ``line_ids``, as a domain the BRIN index of
        ``settlement_line_id`` answers in one scan (`_lines_sql`). Searched through the
        line's settlement instead, PostgreSQL looked the index up once per line."""
        if not line_ids:
            return Domain.FALSE
        ids = frozenset(line_ids)
        return Domain.custom(
            to_sql=lambda model, alias, query: self._lines_sql(line_ids, alias),
            predicate=lambda source: source.settlement_line_id.id in ids,
        )

    def init(self):
        """Drop the foreign keys the ledger had before `LedgerMany2one` (Odoo keeps a key
        its field no longer declares), with their reflection in ``ir.model.constraint``
        (which the addon's uninstall would otherwise look for), and the B-tree indexes
        of ``move_line_id`` and ``settlement_line_id`` (Odoo keeps an index its field no
        longer asks for). Runs on
        every install and update of the addon; nothing to do once they are gone."""
        result = super().init()
        for column in ("move_line_id", "settlement_line_id"):
            self.env.cr.execute(
                SQL("DROP INDEX IF EXISTS %s", SQL.identifier(f"{self._table}__{column}_index"))
            )
        names = [
            name
            for (name,) in self.env.execute_query(
                SQL(
                    """
                    SELECT con.conname
                      FROM pg_constraint con
                      JOIN pg_attribute att
                        ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
                     WHERE con.contype = 'f' AND con.conrelid = %s::regclass
                       AND att.attname IN ('settlement_line_id', 'move_line_id')
                    """,
                    self._table,
                )
            )
        ]
        for name in names:
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s DROP CONSTRAINT %s",
                    SQL.identifier(self._table),
                    SQL.identifier(name),
                )
            )
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM ir_model_constraint
                 WHERE type = 'f' AND model = (SELECT id FROM ir_model WHERE model = %s)
                   AND name IN %s
                """,
                self._name,
                (
                    f"{self._table}_settlement_line_id_fkey",
                    f"{self._table}_move_line_id_fkey",
                    *names,
                ),
            )
        )
        return result

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
                 WHERE items.part = 'count'
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
    def _find_for_move_lines(self, move_line_ids):
        """Ids of sources (at most one) of the journal items ``move_line_ids``, of any
        settlement, cancelled or not, any kind: one statement, two index lookups. The
        items counted are looked up in the once-per-program unique index, which leads
        with the program (every program: ``program_key`` is a program id, and a program
        with settlements cannot be deleted), the others in ``_move_line_other``."""
        if not move_line_ids:
            return []
        self.env.flush_all()
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    (SELECT src.id FROM rebate_settlement_source src
                      WHERE src.program_key = ANY(ARRAY(SELECT id FROM rebate_program))
                        AND src.move_line_id = ANY(%(ids)s)
                        AND src.kind = 'count' AND NOT src.cancelled
                      LIMIT 1)
                    UNION ALL
                    (SELECT src.id FROM rebate_settlement_source src
                      WHERE src.move_line_id = ANY(%(ids)s)
                        AND (src.kind <> 'count' OR src.cancelled)
                      LIMIT 1)
                    LIMIT 1
                    """,
                    ids=list(move_line_ids),
                )
            )
        ]

    @api.model
    def _delete_for_lines(self, line_ids):
        """Delete the sources of the settlement lines ``line_ids`` (ids: the lines may be
        gone already), in one statement: the ``ondelete="cascade"`` of
        ``settlement_line_id``, which has no foreign key. The callers check that the
        lines may be deleted (their settlements are draft or computed)."""
        if not line_ids:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL("DELETE FROM rebate_settlement_source WHERE %s", self._lines_sql(line_ids))
        )
        self.invalidate_model()

    @api.model
    def _lines_sql(self, line_ids, alias=None):
        """Condition on the sources (table ``alias``, else unqualified) of the settlement
        lines ``line_ids``: their id range first, which a BRIN index answers (ranges, not
        lists; the lines of a settlement are inserted together, so their ids are
        neighbours), then the lines themselves."""
        column = SQL.identifier(
            *((alias, "settlement_line_id") if alias else ("settlement_line_id",)),
            to_flush=self._fields["settlement_line_id"],
        )
        return SQL(
            "%(column)s >= %(low)s AND %(column)s <= %(high)s AND %(column)s = ANY(%(ids)s)",
            column=column,
            low=min(line_ids),
            high=max(line_ids),
            ids=sorted(line_ids),
        )

    @api.model
    def _mark_cancelled(self, settlements):
        """Free the journal items counted by cancelled settlements (their lines' sources
        found as `_lines_sql` finds them: joined to the lines, PostgreSQL looked the BRIN
        index up once per line)."""
        self.env.flush_all()
        line_ids = self._settlement_line_ids(settlements.ids)
        if not line_ids:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE rebate_settlement_source SET cancelled = TRUE WHERE %s",
                self._lines_sql(line_ids),
            )
        )
        self.invalidate_model(["cancelled"])
