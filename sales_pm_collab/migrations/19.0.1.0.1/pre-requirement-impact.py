"""`product.requirement.impact` became a number (it was a selection of texts "0.25".."3").

Convert the column in place, so that the values survive (the ORM would otherwise move
the text column aside and start empty), and drop the selection values the field no
longer has (deleting them at the end of the update would fail on a float field).
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        SELECT data_type FROM information_schema.columns
         WHERE table_name = 'product_requirement' AND column_name = 'impact'
        """
    )
    row = cr.fetchone()
    if row and row[0] in ("character varying", "text"):
        cr.execute(
            """
            ALTER TABLE product_requirement
            ALTER COLUMN impact TYPE numeric
            USING CASE WHEN impact ~ '^[0-9]+(\\.[0-9]+)?$' THEN impact::numeric ELSE 1.0 END
            """
        )
    cr.execute(
        """
        SELECT s.id FROM ir_model_fields_selection s
          JOIN ir_model_fields f ON f.id = s.field_id
         WHERE f.model = 'product.requirement' AND f.name = 'impact'
        """
    )
    selection_ids = [selection_id for (selection_id,) in cr.fetchall()]
    if selection_ids:
        cr.execute(
            "DELETE FROM ir_model_data "
            "WHERE model = 'ir.model.fields.selection' AND res_id = ANY(%s)",
            [selection_ids],
        )
        cr.execute("DELETE FROM ir_model_fields_selection WHERE id = ANY(%s)", [selection_ids])
