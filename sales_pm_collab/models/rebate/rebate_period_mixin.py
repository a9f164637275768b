from odoo import api, fields, models


class RebatePeriodMixin(models.AbstractModel):
    """A record covering one period of a rebate program (targets, settlements): the end
    of the period follows its start, and its label reads like "2025 Q1"."""

    _name = "rebate.period.mixin"
    _description = "Rebate Program Period"

    program_id = fields.Many2one("rebate.program", required=True, index=True)
    date_from = fields.Date(string="Period Start", required=True)
    date_to = fields.Date(
        string="Period End",
        compute="_compute_date_to",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    period_label = fields.Char(string="Period", compute="_compute_period_label")

    @api.depends("program_id", "date_from")
    def _compute_date_to(self):
        for record in self:
            if record.program_id and record.date_from:
                record.date_to = record.program_id._period_bounds(record.date_from)[1]
            else:
                record.date_to = record.date_to

    @api.depends("program_id", "date_from", "date_to")
    @api.depends_context("lang")
    def _compute_period_label(self):
        for record in self:
            record.period_label = (
                record.program_id._period_label(record.date_from, record.date_to)
                if record.program_id and record.date_from and record.date_to
                else False
            )
