from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .rebate_program import SETTLED_STATES


class RebateTarget(models.Model):
    _name = "rebate.target"
    _description = "Rebate Target"
    _inherit = ["rebate.period.mixin", "collab.guard.mixin"]
    _order = "date_from desc, program_id, partner_id"
    _check_company_auto = True
    # follows the program
    _system_fields = ("company_id",)

    program_id = fields.Many2one(
        "rebate.program",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('state', '!=', 'closed')]",
    )
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        check_company=True,
        domain="[('parent_id', '=', False)]",
    )
    # date_from, date_to (the end follows the start), period_label: rebate.period.mixin
    amount = fields.Monetary(
        string="Target",
        required=True,
        help="Sales target of the partner for the period, untaxed, in company currency.",
    )

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)",
        "A rebate target must be greater than zero; delete the target of a partner who has "
        "none (its sales then earn no attainment rebate).",
    )
    _unique_partner_period = models.UniqueIndex(
        "(program_id, partner_id, date_from)",
        "A partner has one target per program and period; change the existing one.",
    )

    @api.constrains("program_id", "date_from", "date_to")
    def _check_period(self):
        for target in self:
            program = target.program_id
            if not program._is_period(target.date_from, target.date_to):
                periods = program._get_periods()
                raise ValidationError(
                    self.env._(
                        "The target of %(partner)s (%(from)s – %(to)s) is not one period of "
                        "rebate program %(program)s; its periods run from %(first)s to "
                        "%(last)s, e.g. %(example)s.",
                        partner=target.partner_id.display_name,
                        program=program.name,
                        first=periods[0][0] if periods else program.date_start,
                        last=periods[-1][1] if periods else program.date_end,
                        example=(f"{periods[0][0]} – {periods[0][1]}" if periods else ""),
                        **{"from": target.date_from, "to": target.date_to},
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        targets = super().create(vals_list)
        targets._check_not_settled()
        return targets

    def write(self, vals):
        self._check_not_settled()
        result = super().write(vals)
        if {"program_id", "date_from", "partner_id"} & set(vals):
            self._check_not_settled()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        self._check_not_settled()

    def _check_not_settled(self):
        """Targets of an approved or paid period are part of its audit trail."""
        if not self:
            return
        settlements = (
            self.env["rebate.settlement"]
            .sudo()
            .search(
                [
                    ("program_id", "in", self.program_id.ids),
                    ("date_from", "in", self.mapped("date_from")),
                    ("state", "in", SETTLED_STATES),
                ]
            )
        )
        settled = {(s.program_id.id, s.date_from): s for s in settlements}
        for target in self:
            settlement = settled.get((target.program_id.id, target.date_from))
            if settlement:
                raise UserError(
                    self.env._(
                        "The target of %(partner)s for %(period)s cannot change: settlement "
                        "%(ref)s of that period is approved. Later changes are handled as "
                        "true-up adjustments.",
                        partner=target.partner_id.display_name,
                        period=target.period_label,
                        ref=settlement.name,
                    )
                )
