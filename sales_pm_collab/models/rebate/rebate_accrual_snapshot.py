from odoo import api, fields, models


class RebateAccrualSnapshot(models.Model):
    """The rebate liability accrued to date per program and partner, as of the last daily
    run: what the Channel & Rebates dashboard charts.

    Rebates depend on attainment bands, special rebates and grade multipliers (computed
    by the programs in Python), so they cannot be a SQL view: the daily cron replaces the
    rows with the programs' live accrual figures (the Rebate Accruals report), and the
    date of the run is on each row (at most a day behind).
    """

    _name = "rebate.accrual.snapshot"
    _description = "Rebate Liability Accrued to Date"
    _inherit = ["collab.guard.mixin"]
    _order = "snapshot_date desc, program_id, liability_amount desc"
    # figures of the programs, written by the daily cron only (users only read: the
    # access rights grant no create, write or unlink, and the mixin refuses these fields)
    _system_fields = (
        "snapshot_date",
        "program_id",
        "company_id",
        "partner_id",
        "date_from",
        "date_to",
        "earned_amount",
        "pending_adjustment",
        "liability_amount",
    )

    snapshot_date = fields.Date(string="Computed On", readonly=True, index=True)
    program_id = fields.Many2one("rebate.program", readonly=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    partner_id = fields.Many2one("res.partner", readonly=True, index=True)
    date_from = fields.Date(string="Period Start", readonly=True)
    date_to = fields.Date(string="Period End", readonly=True)
    earned_amount = fields.Monetary(string="Earned to Date", readonly=True)
    pending_adjustment = fields.Monetary(
        string="Pending True-ups", readonly=True, help="True-ups of settled periods to come."
    )
    liability_amount = fields.Monetary(
        string="Liability", readonly=True, help="Earned to date plus pending true-ups."
    )

    @api.model
    def _cron_refresh(self):
        """Replace the rows with today's accrual of every active program (one set of
        grouped queries per program, as the Rebate Accruals report)."""
        programs = self.env["rebate.program"].sudo().search([("state", "=", "active")])
        values = []
        for program in programs:
            today = fields.Date.context_today(program.with_company(program.company_id))
            for accrual in program.with_company(program.company_id)._get_accrual_values(today):
                values.append(
                    {
                        "snapshot_date": today,
                        "program_id": program.id,
                        "company_id": program.company_id.id,
                        "partner_id": accrual["partner_id"],
                        "date_from": accrual["date_from"],
                        "date_to": accrual["date_to"],
                        "earned_amount": float(accrual["earned"]),
                        "pending_adjustment": float(accrual["pending_adjustment"]),
                        "liability_amount": float(accrual["liability"]),
                    }
                )
        snapshots = self.sudo().create(values)
        # replaced: every row but today's goes (programs ended since, former partners)
        self.sudo().search([("id", "not in", snapshots.ids)]).unlink()
        return snapshots
