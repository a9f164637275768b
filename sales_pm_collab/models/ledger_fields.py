"""A Many2one without a database foreign key, for the rows an engine writes in bulk.

The rebate engine records a settlement's source ledger (`rebate.settlement.source`, one
row per journal item of the period: 200,000 rows for 2,000 partners, 2,000,000 for 20,000)
in one ``INSERT … SELECT``. A foreign key costs PostgreSQL a lookup and a key-share row
lock in the referenced table for every inserted row: with the two keys of a source
(its settlement line, its journal item) that was 4.4 s of the 8.2 s the insert took for
2,000 partners. The ids the engine writes come from rows it has just read or inserted in
the same transaction, so the keys check nothing the engine does not already know.

`LedgerMany2one` is an ordinary Many2one for everything but the database (the UI, search,
group-by, related fields, ``ondelete`` as documentation), and declares no foreign key.
What the keys did is then the model's job, in sets: deleting the rows with the record
they point to (``ondelete="cascade"``) and refusing to delete a referenced record
(``ondelete="restrict"``). See `rebate.settlement.source` for how the ledger does it.
"""

from odoo import fields


class LedgerMany2one(fields.Many2one):
    """Many2one whose column has no foreign key: the model enforces its ``ondelete``."""

    def update_db_foreign_key(self, model, column):
        """No foreign key (see the module's docstring); an existing one is dropped by the
        model (`rebate.settlement.source.init`) when the addon is updated."""
        return
