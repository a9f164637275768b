from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..models.rebate.rebate_balance_move import BALANCE_PAYOUTS


class RebateAccrualReport(models.TransientModel):
    """Live accrual of the current open period, per program and partner.

    Rebates depend on attainment bands, so they cannot be a plain SQL view: the rows are
    computed by the programs' grouped queries each time the report is opened.
    """

    _name = "rebate.accrual.report"
    _description = "Rebate Accrual"
    _inherit = ["collab.guard.mixin"]
    _order = "program_id, liability_amount desc"
    _transient_max_hours = 4.0
    # figures of the programs, computed by action_open: nobody types them
    _system_fields = (
        "program_id",
        "company_id",
        "partner_id",
        "grade_id",
        "date_from",
        "date_to",
        "period_label",
        "base_amount",
        "target_amount",
        "attainment",
        "band_rate",
        "earned_amount",
        "projected_amount",
        "pending_adjustment",
        "liability_amount",
        "balance_open",
    )

    program_id = fields.Many2one("rebate.program", readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", readonly=True)
    grade_id = fields.Many2one("res.partner.grade", string="Partner Level", readonly=True)
    date_from = fields.Date(string="Period Start", readonly=True)
    date_to = fields.Date(string="Period End", readonly=True)
    period_label = fields.Char(string="Period", readonly=True)
    base_amount = fields.Monetary(string="Base to Date", readonly=True)
    target_amount = fields.Monetary(string="Target", readonly=True)
    attainment = fields.Float(
        string="Attainment (%)", digits=(7, 2), readonly=True, aggregator="avg"
    )
    band_rate = fields.Float(string="Band Rate (%)", digits=(5, 2), readonly=True, aggregator="avg")
    earned_amount = fields.Monetary(string="Earned to Date", readonly=True)
    projected_amount = fields.Monetary(
        string="Projected", readonly=True, help="Rebate of the period at the current run rate."
    )
    pending_adjustment = fields.Monetary(
        string="Pending True-ups", readonly=True, help="True-ups of settled periods to come."
    )
    liability_amount = fields.Monetary(
        string="Liability", readonly=True, help="Earned to date plus pending true-ups."
    )

    balance_open = fields.Monetary(
        string="Open Balance",
        readonly=True,
        help="What the partner has left today of its rebate balance in the program "
        "(order deduction or special fund): settled rebates not used, expired nor "
        "reversed. Not part of the liability of the open period.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Rebate accruals are computed when the report is opened."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("Rebate accruals are computed when the report is opened."))
        return super().write(vals)

    @api.model
    def action_open(self):
        """Recompute the figures of the active programs the user can read, then show them."""
        programs = self.env["rebate.program"].search([("state", "=", "active")])
        self.search([("create_uid", "=", self.env.uid)]).unlink()
        accruals = programs._get_accrual_values()
        # the partners' levels in one read, not one write per row
        partners = self.env["res.partner"].browse({values["partner_id"] for values in accruals})
        levels = {partner.id: partner.grade_id.id for partner in partners}
        # open rebate balances of the programs paying into one: one grouped query
        balance_programs = programs.filtered(lambda p: p.payout in BALANCE_PAYOUTS)
        balances = self.env["rebate.balance.move"]._get_balance_figures(partners, balance_programs)
        vals_list = []
        for values in accruals:
            program = values["program"]
            vals_list.append(
                {
                    "program_id": program.id,
                    "company_id": program.company_id.id,
                    "partner_id": values["partner_id"],
                    "grade_id": levels[values["partner_id"]],
                    "date_from": values["date_from"],
                    "date_to": values["date_to"],
                    "period_label": program._period_label(values["date_from"], values["date_to"]),
                    "base_amount": float(values["base"]),
                    "target_amount": float(values["target"]),
                    "attainment": float(values["attainment"] or 0),
                    "band_rate": float(values["band_rate"]),
                    "earned_amount": float(values["earned"]),
                    "projected_amount": float(values["projected"]),
                    "pending_adjustment": float(values["pending_adjustment"]),
                    "liability_amount": float(values["liability"]),
                    "balance_open": balances.get((values["partner_id"], program.id), {"open": 0.0})[
                        "open"
                    ],
                }
            )
        # the user's own rows (create_uid, see the record rule), with the figures the
        # server computed
        rows = self.sudo().create(vals_list).sudo(False)
        return self._window_action(
            "sales_pm_collab.rebate_accrual_report_action", domain=[("id", "in", rows.ids)]
        )
