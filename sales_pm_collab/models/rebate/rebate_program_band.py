from odoo import api, fields, models


class RebateProgramBand(models.Model):
    _name = "rebate.program.band"
    _description = "Rebate Attainment Band"
    _inherit = ["rebate.program.term.mixin", "collab.guard.mixin"]
    _order = "program_id, attainment_from, id"
    # follows the program
    _system_fields = ("company_id",)

    program_id = fields.Many2one("rebate.program", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    attainment_from = fields.Float(
        string="From (%)",
        digits=(7, 2),
        required=True,
        help="Lowest target attainment of the band, in % (included).",
    )
    attainment_to = fields.Float(
        string="Up to (%)",
        digits=(7, 2),
        help="Attainment where the next band starts, in % (excluded). Empty (0) for the "
        "highest, open-ended band.",
    )
    rate = fields.Float(
        string="Rate (%)", digits=(5, 2), required=True, help="Rebate rate of the band, in %."
    )

    _rate_check = models.Constraint(
        "CHECK(rate >= 0 AND rate <= 100)",
        "The rate of a rebate band must be between 0 and 100%.",
    )
    _from_check = models.Constraint(
        "CHECK(attainment_from >= 0)",
        "A rebate band cannot start below 0% attainment.",
    )
    _to_check = models.Constraint(
        "CHECK(attainment_to IS NULL OR attainment_to = 0 OR attainment_to > attainment_from)",
        "A rebate band must end above where it starts; leave the upper limit empty for "
        "the highest band.",
    )

    @api.constrains("program_id", "attainment_from", "attainment_to")
    def _check_program_bands(self):
        """Bands created or changed on their own (import, RPC) keep their program's bands
        free of overlaps and gaps; a program saving its bands (the program form) checks
        them once when all of its changes are written (rebate.program.write)."""
        programs = self.program_id
        for program in programs - programs._bands_checked_by_own_write():
            program._check_band_layout(program.band_ids)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_gap(self):
        programs = self.program_id
        for program in programs - programs._bands_checked_by_own_write():
            program._check_band_layout(program.band_ids - self)

    @api.depends("attainment_from", "attainment_to", "rate")
    def _compute_display_name(self):
        for band in self:
            if band.attainment_to:
                band.display_name = self.env._(
                    "%(low)s–%(high)s%%: %(rate)s%%",
                    low=f"{band.attainment_from:g}",
                    high=f"{band.attainment_to:g}",
                    rate=f"{band.rate:g}",
                )
            else:
                band.display_name = self.env._(
                    "from %(low)s%%: %(rate)s%%",
                    low=f"{band.attainment_from:g}",
                    rate=f"{band.rate:g}",
                )
