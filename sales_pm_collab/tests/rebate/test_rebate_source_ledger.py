import contextlib
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RebateCommon

SOURCE_COLUMNS = ("settlement_line_id", "move_line_id")


@tagged("post_install", "-at_install")
class TestRebateSourceLedger(RebateCommon):
    """The source ledger has no foreign keys (LedgerMany2one): what they did, deleting the
    sources with their lines and refusing to delete a counted journal item, the engine
    does in sets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program()
        for partner in (cls.partner_a, cls.partner_b):
            cls._target(cls.program, partner, 1_000_000)
        cls.invoice_a = cls._invoice(
            cls.partner_a, 0, lines=[(cls.product_hw, 600_000), (cls.product_other, 400_000)]
        )
        cls.invoice_b = cls._invoice(cls.partner_b, 900_000)

    def setUp(self):
        super().setUp()
        # the sources of the database (demo data): left out of what the tests count
        self.other_sources = self._source_ids()

    # === helpers === #
    def _foreign_keys(self):
        """{column: constraint name} of the ledger's foreign keys."""
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT att.attname, con.conname
                      FROM pg_constraint con
                      JOIN pg_attribute att
                        ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
                     WHERE con.contype = 'f'
                       AND con.conrelid = 'rebate_settlement_source'::regclass
                    """
                )
            )
        )

    def _source_ids(self, line_ids=None):
        """Ids of the sources in the table (of ``line_ids``), read in SQL: the ORM cache
        would hide a row left behind."""
        self.env.flush_all()
        where = SQL("settlement_line_id = ANY(%s)", list(line_ids)) if line_ids else SQL("TRUE")
        ids = {
            row[0]
            for row in self.env.execute_query(
                SQL("SELECT id FROM rebate_settlement_source WHERE %s", where)
            )
        }
        return ids - getattr(self, "other_sources", set())

    def _orphans(self):
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                """
                SELECT src.id FROM rebate_settlement_source src
                 WHERE NOT EXISTS (SELECT 1 FROM rebate_settlement_line line
                                    WHERE line.id = src.settlement_line_id)
                """
            )
        )

    # === schema === #
    def test_ledger_has_no_foreign_keys_but_counts_once(self):
        self.assertFalse(set(self._foreign_keys()) & set(SOURCE_COLUMNS))
        Source = self.env["rebate.settlement.source"]
        self.assertEqual(
            [Source._fields[name].ondelete for name in SOURCE_COLUMNS], ["cascade", "restrict"]
        )
        # the exactly-once guarantee stays in the database
        [[definition]] = self.env.execute_query(
            SQL(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                "rebate_settlement_source_unique_count",
            )
        )
        self.assertIn("UNIQUE", definition)
        self.assertIn("(program_key, move_line_id)", definition)
        # one index on the journal item for the rows the unique one leaves out, none for all
        indexes = dict(
            self.env.execute_query(
                SQL(
                    "SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE tablename = 'rebate_settlement_source'"
                )
            )
        )
        self.assertNotIn("rebate_settlement_source__move_line_id_index", indexes)
        self.assertIn(
            "WHERE (((kind)::text <> 'count'::text) OR cancelled)",
            indexes["rebate_settlement_source_move_line_other"],
        )
        # the settlement line: a BRIN index, no B-tree (it cost a third of the insert)
        self.assertNotIn("rebate_settlement_source__settlement_line_id_index", indexes)
        self.assertIn(
            "USING brin (settlement_line_id) WITH (autosummarize='on')",
            indexes["rebate_settlement_source_settlement_line_brin"],
        )

    def test_update_drops_the_old_foreign_keys(self):
        """A database made before the change has both keys and their reflection: updating
        the addon (the model's init) removes them; a second update finds nothing to do."""
        cr = self.env.cr
        Source = self.env["rebate.settlement.source"]
        old = {
            "settlement_line_id": ("rebate_settlement_line", "CASCADE"),
            "move_line_id": ("account_move_line", "RESTRICT"),
        }
        for column, (table, ondelete) in old.items():
            cr.execute(
                SQL(
                    "ALTER TABLE rebate_settlement_source ADD CONSTRAINT %s FOREIGN KEY (%s) "
                    "REFERENCES %s(id) ON DELETE %s",
                    SQL.identifier(f"rebate_settlement_source_{column}_fkey"),
                    SQL.identifier(column),
                    SQL.identifier(table),
                    SQL(ondelete),
                )
            )
            self.env["ir.model.constraint"]._reflect_constraint(
                Source, f"rebate_settlement_source_{column}_fkey", "f", None, "sales_pm_collab"
            )
        for column in SOURCE_COLUMNS:
            cr.execute(
                SQL(
                    "CREATE INDEX %s ON rebate_settlement_source (%s)",
                    SQL.identifier(f"rebate_settlement_source__{column}_index"),
                    SQL.identifier(column),
                )
            )
        self.assertEqual(set(self._foreign_keys()), set(SOURCE_COLUMNS))
        Constraint = self.env["ir.model.constraint"]
        reflected = [("name", "like", "rebate_settlement_source_%_fkey"), ("type", "=", "f")]
        self.assertEqual(Constraint.search_count(reflected), 2)

        Source.init()
        self.assertFalse(self._foreign_keys())
        for column in SOURCE_COLUMNS:
            self.assertFalse(
                self.env.execute_query(
                    SQL(
                        "SELECT 1 FROM pg_indexes WHERE indexname = %s",
                        f"rebate_settlement_source__{column}_index",
                    )
                ),
                f"the B-tree index of {column} is dropped",
            )
        Constraint.invalidate_model()
        self.assertFalse(Constraint.search_count(reflected))
        Source.init()
        self.assertFalse(self._foreign_keys())
        # the unique index is no foreign key: kept
        self.assertTrue(
            self.env.execute_query(
                SQL(
                    "SELECT 1 FROM pg_indexes WHERE indexname = %s",
                    "rebate_settlement_source_unique_count",
                )
            )
        )

    # === the cascade: sources go with their lines === #
    def test_recompute_replaces_the_sources(self):
        settlement = self._settlement(self.program)
        settlement.action_compute()
        first = self._source_ids()
        self.assertEqual(len(first), 3, "three journal items counted")
        settlement.action_compute()
        second = self._source_ids()
        self.assertEqual(len(second), 3)
        self.assertFalse(first & second, "the old sources are deleted with the old lines")
        self.assertFalse(self._orphans())
        self.assertEqual(settlement.amount_total, 30_000 + 18_000)  # A at 100 %: 3 %, B 90 %: 2 %

    def test_deleting_lines_deletes_their_sources_only(self):
        settlement = self._settlement(self.program)
        settlement.action_compute()
        line_a = self._line(settlement, self.partner_a)
        line_b = self._line(settlement, self.partner_b)
        kept = self._source_ids(line_b.ids)
        self.assertEqual(len(self._source_ids(line_a.ids)), 2)
        line_a.sudo().unlink()
        self.assertFalse(self._source_ids(line_a.ids))
        self.assertEqual(self._source_ids(), kept)
        self.assertFalse(self._orphans())
        # the item is free again: a new computation counts it
        settlement.action_compute()
        self.assertEqual(len(self._source_ids()), 3)

    def test_deleting_a_settlement_deletes_its_sources_only(self):
        settled = self._settle(self.program, moves=False)
        other = self._program(name="Test other program")
        self._target(other, self.partner_a, 1_000_000)
        draft = self._settlement(other)
        draft.action_compute()
        kept = self._source_ids(settled.line_ids.ids)
        self.assertEqual(len(kept), 3)
        self.assertEqual(len(self._source_ids(draft.line_ids.ids)), 3)
        draft.unlink()
        self.assertEqual(self._source_ids(), kept)
        self.assertFalse(self._orphans())

    def test_refused_deletion_deletes_no_source(self):
        """Sources are deleted after the lines: a refused deletion (a settled line, here
        caught without a savepoint) leaves the ledger whole."""
        settlement = self._settle(self.program, moves=False)
        sources = self._source_ids()
        with contextlib.suppress(UserError):
            settlement.line_ids.sudo().unlink()
        with contextlib.suppress(UserError):
            settlement.unlink()
        self.assertTrue(settlement.line_ids.exists())
        self.assertEqual(self._source_ids(), sources)

    # === the restriction: a counted journal item stays === #
    def test_counted_journal_item_cannot_be_deleted(self):
        settlement = self._settlement(self.program)
        settlement.action_compute()
        invoice = self.invoice_a
        invoice.button_draft()
        hw_line = invoice.invoice_line_ids.filtered(lambda ln: ln.product_id == self.product_hw)
        with self.assertRaisesRegex(UserError, f"counted by rebate settlement {settlement.name}"):
            hw_line.unlink()
        # nor by a caller sending the uninstall flag (it skips at_uninstall=False checks)
        with self.assertRaisesRegex(UserError, f"counted by rebate settlement {settlement.name}"):
            hw_line.with_user(self.user_finance).with_context(_force_unlink=True).unlink()
        with self.assertRaisesRegex(UserError, "counted by rebate settlement"):
            invoice.with_user(self.user_finance).with_context(_force_unlink=True).unlink()
        # a cancelled settlement's sources still name the item (as the key did)
        settlement.action_cancel()
        self.assertEqual(settlement.state, "cancelled")
        with self.assertRaisesRegex(UserError, f"counted by rebate settlement {settlement.name}"):
            invoice.invoice_line_ids.unlink()
        with self.assertRaisesRegex(UserError, "counted by rebate settlement"):
            invoice.unlink()
        self.assertEqual(len(invoice.invoice_line_ids), 2)

    def test_corrected_journal_item_cannot_be_deleted(self):
        """A true-up correction names the journal item too (found by the other index)."""
        settlement = self._settlement(self.program)
        settlement.action_compute()
        line = self._line(settlement, self.partner_b)
        later = self._invoice(self.partner_b, 7_000, post=False)
        item = later.invoice_line_ids
        self.env["rebate.settlement.source"]._insert_adjustment_sources(
            self.program, [(line.id, {"deltas": [(item.id, 7_000, "correction")]})]
        )
        with self.assertRaisesRegex(UserError, f"counted by rebate settlement {settlement.name}"):
            item.unlink()
        self.assertTrue(item.exists())
        # in a batch with items counted nowhere: refused as well
        other = self._invoice(self.partner_b, 1_000, post=False).invoice_line_ids
        with self.assertRaisesRegex(UserError, "counted by rebate settlement"):
            (other | item).unlink()
        self.assertTrue(other.exists())

    def test_uncounted_journal_items_can_be_deleted(self):
        settlement = self._settlement(self.program)
        settlement.action_compute()
        uncounted = self._invoice(self.partner_a, 5_000, post=False)
        line = uncounted.invoice_line_ids
        line.unlink()
        self.assertFalse(line.exists())
        uncounted.unlink()
        self.assertFalse(uncounted.exists())
        self.assertEqual(len(self._source_ids()), 3)

    # === finding a settlement's sources (BRIN index: ranges, not one lookup per line) === #
    def test_sources_of_a_settlement_by_its_lines_range(self):
        """The source's settlement searches its lines' id range then the lines (one BRIN
        scan): the Sources button lists exactly the settlement's sources, for a finance
        user too (multi-company rule), not another settlement's."""
        first = self._settlement(self.program)
        first.action_compute()
        other = self._program(name="Test other program")
        self._target(other, self.partner_a, 1_000_000)
        second = self._settlement(other)
        second.action_compute()
        Source = self.env["rebate.settlement.source"].with_user(self.user_finance)
        action = first.with_user(self.user_finance).action_view_sources()
        self.assertEqual(action["domain"], [("settlement_id", "=", first.id)])
        found = Source.search(action["domain"])
        self.assertEqual(set(found.ids), self._source_ids(first.line_ids.ids))
        self.assertEqual(len(found), 3)
        self.assertEqual(found.settlement_id, first)
        self.assertEqual(
            set(Source.search([("settlement_id", "in", (first | second).ids)]).ids),
            self._source_ids((first | second).line_ids.ids),
        )
        empty = self._settlement(other, date(2025, 4, 1))
        self.assertFalse(Source.search([("settlement_id", "=", empty.id)]))
        # the SQL searches a range of line ids (what a BRIN index answers), not a join to
        # the lines (which PostgreSQL ran as one index lookup per line)
        code = self.env["rebate.settlement.source"]._search([("settlement_id", "=", first.id)])
        code = code.select().code
        self.assertRegex(code, r'"settlement_line_id" >= %s')
        self.assertRegex(code, r'"settlement_line_id" <= %s')
        self.assertNotIn("rebate_settlement_line", code)

    def test_cancelling_frees_exactly_the_settlement_items(self):
        settled = self._settle(self.program, moves=False)
        other = self._program(name="Test other program")
        self._target(other, self.partner_a, 1_000_000)
        draft = self._settlement(other)
        draft.action_compute()
        self.env["rebate.settlement.source"]._mark_cancelled(settled)
        self.env.flush_all()
        cancelled = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, cancelled FROM rebate_settlement_source WHERE id = ANY(%s)",
                    list(self._source_ids()),
                )
            )
        )
        for source_id in self._source_ids(settled.line_ids.ids):
            self.assertTrue(cancelled[source_id])
        for source_id in self._source_ids(draft.line_ids.ids):
            self.assertFalse(cancelled[source_id])
