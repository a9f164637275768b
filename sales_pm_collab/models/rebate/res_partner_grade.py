from odoo import api, fields, models


class ResPartnerGrade(models.Model):
    """The level's rebate multiplier: programs with "Apply Level Multiplier" multiply the
    rebate of the level's partners by it (`rebate.program._get_partner_multipliers`)."""

    _name = "res.partner.grade"
    _inherit = ["res.partner.grade", "collab.guard.mixin"]
    # rebate programs use the levels too: a shared level is changed only with access to
    # every company that has programs
    _shared_config_used_by = ("rebate.program",)

    rebate_multiplier = fields.Float(
        string="Rebate Multiplier (%)",
        default=100.0,
        help="Rebate programs multiply the rebate of partners of this grade by this "
        "percentage (100: unchanged).",
    )

    _rebate_multiplier_positive = models.Constraint(
        "CHECK(rebate_multiplier IS NULL OR rebate_multiplier >= 0)",
        "The rebate multiplier of a grade cannot be negative.",
    )

    @api.model
    def _grade_ranges(self):
        return {**super()._grade_ranges(), "rebate_multiplier": (0, 1000)}
