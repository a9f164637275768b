from odoo import api, fields, models


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
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_locked(self):
        self.program_id._check_terms_unlocked()
