from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..bulk_insert import bulk_insert


class RebateSettlementLine(models.Model):
    _name = "rebate.settlement.line"
    _description = "Rebate Settlement Line"
    _inherit = ["collab.guard.mixin"]
    _order = "settlement_id, line_type desc, period_date_from, partner_id, id"
    _check_company_auto = True
    # what the partner's statement page shows of its lines: a portal user reads nothing
    # else, also over RPC (engine figures such as source amounts, excluded conflicts,
    # the recomputation, warnings stay internal)
    _portal_fields = (
        "settlement_id",
        "program_id",
        "company_id",
        "currency_id",
        "state",
        "partner_id",
        "line_type",
        "period_date_from",
        "period_date_to",
        "period_label",
        "has_target",
        "target_amount",
        "base_amount",
        "attainment",
        "band_rate",
        "base_rebate",
        "growth_rebate",
        "special_rebate",
        "multiplier",
        "capped",
        "total",
        "adjustment_amount",
        "move_id",
    )
    # engine output, every field of it: computed by the settlement (_bulk_create, in SQL)
    # and linked to its credit notes (_link_moves), never written by a user
    _system_fields = (
        "settlement_id",
        "program_id",
        "company_id",
        "currency_id",
        "state",
        "partner_id",
        "line_type",
        "period_date_from",
        "period_date_to",
        "period_label",
        "adjusted_settlement_id",
        "has_target",
        "target_amount",
        "base_amount",
        "item_count",
        "conflict_excluded_amount",
        "attainment",
        "band_id",
        "band_rate",
        "base_rebate",
        "growth_base",
        "growth_rebate",
        "special_base",
        "special_rebate",
        "multiplier",
        "settled_amount",
        "recomputed_amount",
        "adjustment_amount",
        "capped",
        "total",
        "move_id",
        "warning",
        "adjustment_reference",
        "source_ids",
    )

    settlement_id = fields.Many2one(
        "rebate.settlement", required=True, index=True, ondelete="cascade", readonly=True
    )
    program_id = fields.Many2one(related="settlement_id.program_id", store=True, index=True)
    company_id = fields.Many2one(related="settlement_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(related="settlement_id.state", string="Settlement State")
    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, readonly=True, check_company=True
    )
    line_type = fields.Selection(
        [("regular", "Period rebate"), ("adjustment", "True-up adjustment")],
        required=True,
        default="regular",
        readonly=True,
    )
    period_date_from = fields.Date(
        string="Period Start",
        required=True,
        readonly=True,
        help="The period the line settles: the settlement's own period, or for a true-up "
        "the earlier period it adjusts.",
    )
    period_date_to = fields.Date(string="Period End", required=True, readonly=True)
    # the program's period name: the line's own label, also for a portal user who reads
    # no program
    period_label = fields.Char(string="Period", compute="_compute_period_label", compute_sudo=True)
    adjusted_settlement_id = fields.Many2one(
        "rebate.settlement",
        string="Adjusts",
        readonly=True,
        index="btree_not_null",
        help="The settlement of the earlier period this true-up corrects.",
    )
    has_target = fields.Boolean(readonly=True)
    target_amount = fields.Monetary(string="Target", readonly=True)
    base_amount = fields.Monetary(
        string="Base",
        readonly=True,
        help="Untaxed sales that count, net of credit notes, in company currency. On a "
        "true-up: the change of the period's base.",
    )
    item_count = fields.Integer(string="Journal Items", readonly=True)
    conflict_excluded_amount = fields.Monetary(
        string="Left Out (Territory Conflicts)",
        readonly=True,
        help="Untaxed sales of the period that did not count because their sales order has "
        "an open or penalised territory conflict (programs excluding conflicts).",
    )
    attainment = fields.Float(string="Attainment (%)", digits=(7, 2), readonly=True)
    band_id = fields.Many2one("rebate.program.band", readonly=True, ondelete="set null")
    band_rate = fields.Float(string="Band Rate (%)", digits=(5, 2), readonly=True)
    base_rebate = fields.Monetary(readonly=True)
    growth_base = fields.Monetary(
        string="Last Year's Base", readonly=True, help="Base of the same period one year earlier."
    )
    growth_rebate = fields.Monetary(readonly=True)
    special_base = fields.Monetary(readonly=True)
    special_rebate = fields.Monetary(readonly=True)
    multiplier = fields.Float(string="Multiplier (%)", digits=(5, 2), default=100.0, readonly=True)
    settled_amount = fields.Monetary(
        string="Settled Before", readonly=True, help="Rebate already settled for that period."
    )
    recomputed_amount = fields.Monetary(
        string="Recomputed", readonly=True, help="Rebate of that period with today's figures."
    )
    adjustment_amount = fields.Monetary(
        string="Adjustment",
        readonly=True,
        help="True-up of an earlier settled period: recomputed minus settled.",
    )
    capped = fields.Boolean(readonly=True, help="The rebate was limited by the program's cap.")
    total = fields.Monetary(readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Credit Note / Bill", readonly=True, ondelete="restrict", copy=False
    )
    warning = fields.Char(readonly=True)
    adjustment_reference = fields.Char(
        string="True-up of",
        readonly=True,
        help="The settled period this true-up corrects, what was settled and what it is now.",
    )
    source_ids = fields.One2many(
        "rebate.settlement.source", "settlement_line_id", string="Sources", readonly=True
    )

    @api.depends("settlement_id.program_id", "period_date_from", "period_date_to")
    @api.depends_context("lang")
    def _compute_period_label(self):
        for line in self:
            line.period_label = line.settlement_id.program_id._period_label(
                line.period_date_from, line.period_date_to
            )

    @api.depends("partner_id", "period_label", "line_type")
    def _compute_display_name(self):
        for line in self:
            if line.line_type == "adjustment":
                line.display_name = self.env._(
                    "%(partner)s – true-up %(period)s",
                    partner=line.partner_id.name,
                    period=line.period_label,
                )
            else:
                line.display_name = f"{line.partner_id.name} – {line.period_label}"

    @api.model_create_multi
    def create(self, vals_list):
        self._check_engine()
        return super().create(vals_list)

    def write(self, vals):
        self._check_engine()
        frozen = self.filtered(lambda ln: ln.settlement_id.state not in ("draft", "computed"))
        # a settled line still gets its payout and its partner's sign-off
        if frozen and set(vals) - {"move_id"} - set(self._collab_class_union("_signoff_fields")):
            raise UserError(
                self.env._(
                    "The lines of settlement %(ref)s are settled and read-only.",
                    ref=frozen[0].settlement_id.name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        frozen = self.filtered(lambda ln: ln.settlement_id.state not in ("draft", "computed"))
        if frozen:
            raise UserError(
                self.env._(
                    "The lines of settlement %(ref)s are settled: they cannot be deleted.",
                    ref=frozen[0].settlement_id.name,
                )
            )

    def unlink(self):
        """Delete the lines' sources with them (the ledger has no foreign key): one
        statement, after the lines, so that a refused deletion deleted nothing."""
        line_ids = self.ids
        result = super().unlink()
        self.env["rebate.settlement.source"]._delete_for_lines(line_ids)
        return result

    def _check_engine(self):
        """Lines are the engine's output: only the server (``env.su``) writes them."""
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Settlement lines are computed: recompute the settlement instead of "
                    "editing its lines."
                )
            )

    @api.model
    def _bulk_create(self, settlement, vals_list):
        """Insert the computed lines of ``settlement`` in one statement (`bulk_insert`:
        plain numbers the engine computed, no per-record ORM work), with the stored
        related fields of their settlement."""
        common = {
            "program_id": settlement.program_id.id,
            "company_id": settlement.company_id.id,
        }
        return bulk_insert(self, [{**common, **vals} for vals in vals_list])

    @api.model
    def _link_moves(self, pairs):
        """Link lines to the credit notes or bills paying them out, [(line id, move id)],
        in one statement (one ORM write per partner costs seconds for 2,000 partners)."""
        if not pairs:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE rebate_settlement_line line
                   SET move_id = link.move_id, write_uid = %s, write_date = %s
                  FROM unnest(%s::int[], %s::int[]) AS link(line_id, move_id)
                 WHERE line.id = link.line_id
                """,
                self.env.uid,
                self.env.cr.now(),
                [pair[0] for pair in pairs],
                [pair[1] for pair in pairs],
            )
        )
        self.invalidate_model(["move_id", "write_uid", "write_date"])

    def action_view_sources(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.rebate_settlement_source_action",
            domain=[("settlement_line_id", "=", self.id)],
            context={},
        )

    def _move_line_label(self):
        self.ensure_one()
        program = self.settlement_id.program_id
        if self.line_type == "adjustment":
            return self.env._(
                "Rebate true-up %(program)s %(period)s (%(ref)s)",
                program=program.name,
                period=self.period_label,
                ref=self.adjusted_settlement_id.name,
            )
        return self.env._(
            "Rebate %(program)s %(period)s", program=program.name, period=self.period_label
        )

    def _get_statement_move_reference(self):
        """The line's credit note or bill as statements print it: its number and its
        reference, whole (the move's display name shortens a reference past 50
        characters to "[...]", and the reference names the settlement and period)."""
        self.ensure_one()
        move = self.move_id
        if not move:
            return ""
        name = move._get_move_display_name()
        return f"{name} ({move.ref})" if move.ref else name

    def _get_statement_balance(self):
        """The partner's rebate balance in the line's program for its statement
        ({credited, used, expired, open, date}), or False when the program pays by
        credit note or bill."""
        self.ensure_one()
        figures = self.settlement_id._get_statement_balances(self.partner_id).get(
            self.partner_id.id
        )
        if figures is None:
            return False
        return dict(figures, date=fields.Date.context_today(self))

    def _get_statement_documents(self):
        """Invoices and credit notes counted for this line's partner in its settlement,
        one entry per document and period: [{name, date, period, amount}]."""
        self.ensure_one()
        program = self.settlement_id.program_id
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.name, move.invoice_date, line.period_date_from,
                       line.period_date_to, SUM(src.amount)
                  FROM rebate_settlement_source src
                  JOIN rebate_settlement_line line ON line.id = src.settlement_line_id
                  JOIN account_move_line aml ON aml.id = src.move_line_id
                  JOIN account_move move ON move.id = aml.move_id
                 WHERE line.settlement_id = %s AND line.partner_id = %s
                 GROUP BY move.id, move.name, move.invoice_date, line.period_date_from,
                          line.period_date_to
                 ORDER BY line.period_date_from, move.invoice_date, move.name
                """,
                self.settlement_id.id,
                self.partner_id.id,
            )
        )
        return [
            {
                "name": name,
                "date": invoice_date,
                "period": program._period_label(date_from, date_to),
                "amount": float(amount),
            }
            for name, invoice_date, date_from, date_to, amount in rows
        ]
