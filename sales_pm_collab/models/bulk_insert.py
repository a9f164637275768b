"""The one bulk insert of the addon's engines.

The rebate engine records thousands of rows per settlement (its lines, the journal items
of its true-ups): values it computed itself, plain numbers and ids, on models without
chatter. Going through the ORM's `create` would cost about 1 ms per row (currency
rounding of each monetary field, company checks, defaults); `bulk_insert` writes them
in one statement instead. Models with a chatter (mail.thread) are created with the
ORM's `create`, which batches too, so that their overrides run; the exceptions are the
draft partner evaluations of `create_for_partners` (no message, follower or tracking for
a draft, every field given by the engine: see `_insert_evaluations`) and the chatter rows
of the feedback SLA cron (activities, followers, notes, tracking values: the rows the
ORM writes, checked against it by the tests; see customer_feedback_sla_bulk.py).
"""

import json

from odoo.tools import SQL

# the SQL array type of each kind of field bulk_insert writes
ARRAY_TYPES = {
    "many2one": "int4",
    "integer": "int4",
    "float": "numeric",
    "monetary": "numeric",
    "char": "varchar",
    "selection": "varchar",
    "boolean": "bool",
    "date": "date",
    "json": "jsonb",
    "text": "text",
    "html": "text",
    "datetime": "timestamp",
    "many2one_reference": "int4",
}


def bulk_insert(model, vals_list):
    """Insert one row per dict of `vals_list` into the table of `model` in one statement
    (an array per column, unnested), as the server: no `create` override, default,
    constraint method or computed field runs, so the values must be complete (a missing
    key is NULL; stored related fields included). The magic columns are filled when the
    model has them. Returns the new records, in the order of `vals_list`."""
    if not vals_list:
        return model.browse()
    names = sorted(set().union(*vals_list))
    columns, arrays = [], []
    for name in names:
        field = model._fields[name]
        values = []
        for vals in vals_list:
            value = vals.get(name)
            if field.type == "boolean":
                value = bool(value)
            elif field.type == "json" and value is not None and value is not False:
                value = json.dumps(value)
            elif value is False:
                value = None
            values.append(value)
        columns.append(SQL.identifier(name))
        arrays.append(SQL("%s::%s[]", values, SQL(ARRAY_TYPES[field.type])))
    magic_columns, magic_values = SQL(), SQL()
    if model._log_access:
        now, uid = model.env.cr.now(), model.env.uid
        magic_columns = SQL(", create_uid, create_date, write_uid, write_date")
        magic_values = SQL(", %(uid)s, %(now)s, %(uid)s, %(now)s", uid=uid, now=now)
    model.env.flush_all()
    model.env.cr.execute(
        SQL(
            """
            INSERT INTO %(table)s (%(columns)s%(magic_columns)s)
            SELECT *%(magic_values)s FROM unnest(%(arrays)s)
            RETURNING id
            """,
            table=SQL.identifier(model._table),
            columns=SQL(", ").join(columns),
            magic_columns=magic_columns,
            arrays=SQL(", ").join(arrays),
            magic_values=magic_values,
        )
    )
    ids = [row[0] for row in model.env.cr.fetchall()]
    model.invalidate_model()
    return model.browse(ids)
