from odoo import api, fields, models
from odoo.exceptions import UserError


class RebateProgramTermMixin(models.AbstractModel):
    """A part of a program's terms (bands, special rebates): frozen with the program once
    one of its settlements is approved."""

    _name = "rebate.program.term.mixin"
    _description = "Rebate Program Term"

    program_id = fields.Many2one("rebate.program", required=True, index=True, ondelete="cascade")

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.program_id._check_terms_unlocked()
        return records

    def write(self, vals):
        self.program_id._check_terms_unlocked()
        if "program_id" in vals:
            self._check_same_program(vals["program_id"])
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self.program_id._check_terms_unlocked()

    def _check_same_program(self, program_id):
        """A term stays with the program it was created for: moved, it would change two
        programs' terms while only one of them is checked (frozen terms, band layout)."""
        if isinstance(program_id, models.BaseModel):
            program_id = program_id.id
        if isinstance(program_id, bool) or not isinstance(program_id, int):
            return  # malformed or empty: the input checks and the ORM name the field
        moved = self.filtered(lambda record: record.program_id.id != program_id)
        if moved:
            raise UserError(
                self.env._(
                    "%(term)s “%(name)s” belongs to rebate program %(program)s and cannot "
                    "move to another program: delete it there and add it to the other "
                    "program instead.",
                    term=self._description,
                    name=moved[0].display_name,
                    program=moved[0].program_id.name,
                )
            )
