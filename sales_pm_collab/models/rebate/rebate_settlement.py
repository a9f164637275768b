from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

FINANCE_GROUP = "sales_pm_collab.group_collab_finance"
# fields only the workflow writes: its buttons (state, who and when), the sequence
# (name), the engine (lines), the payout (moves) and the program (company). Nobody sets
# them by hand, the superuser's write() neither: the workflow uses _write_workflow.
WORKFLOW_FIELDS = (
    "name",
    "company_id",
    "state",
    "line_ids",
    "regular_line_ids",
    "adjustment_line_ids",
    "move_ids",
    "computed_uid",
    "computed_date",
    "approved_uid",
    "approved_date",
    "done_uid",
    "done_date",
    "cancelled_uid",
    "cancelled_date",
)
# what a user chooses while the settlement is a draft or computed
PERIOD_FIELDS = {"program_id", "date_from", "date_to"}
# what a user may still change on an approved, paid or cancelled settlement
SETTLED_EDITABLE_FIELDS = {"note"}
# mail.thread / activity fields a client sends with any record
CHATTER_PREFIXES = ("message_", "activity_")


class RebateSettlement(models.Model):
    _name = "rebate.settlement"
    _description = "Rebate Settlement"
    _inherit = ["mail.thread", "mail.activity.mixin", "rebate.period.mixin", "collab.guard.mixin"]
    _order = "date_from desc, id desc"
    _check_company_auto = True
    _system_fields = WORKFLOW_FIELDS

    # === FIELDS === #
    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    program_id = fields.Many2one(
        "rebate.program",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
        domain="[('state', 'in', ('active', 'closed'))]",
    )
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    payout = fields.Selection(related="program_id.payout")
    apply_grade_multiplier = fields.Boolean(related="program_id.apply_grade_multiplier")
    exclude_conflicts = fields.Boolean(related="program_id.exclude_conflicts")
    date_from = fields.Date(string="Period Start", required=True, tracking=True)
    date_to = fields.Date(
        string="Period End",
        required=True,
        tracking=True,
        compute="_compute_date_to",
        store=True,
        readonly=False,
        precompute=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("computed", "Computed"),
            ("approved", "Approved"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    note = fields.Text()
    line_ids = fields.One2many(
        "rebate.settlement.line", "settlement_id", string="Lines", readonly=True
    )
    regular_line_ids = fields.One2many(
        "rebate.settlement.line",
        "settlement_id",
        string="Partner Rebates",
        readonly=True,
        domain=[("line_type", "=", "regular")],
    )
    adjustment_line_ids = fields.One2many(
        "rebate.settlement.line",
        "settlement_id",
        string="True-up Lines",
        readonly=True,
        domain=[("line_type", "=", "adjustment")],
    )
    move_ids = fields.One2many(
        "account.move", "rebate_settlement_id", string="Credit Notes / Bills", readonly=True
    )
    move_count = fields.Integer(compute="_compute_move_count")
    partner_count = fields.Integer(string="Partners", compute="_compute_amounts", store=True)
    warning_count = fields.Integer(string="Warnings", compute="_compute_amounts", store=True)
    amount_base_rebate = fields.Monetary(
        string="Base Rebates", compute="_compute_amounts", store=True
    )
    amount_growth_rebate = fields.Monetary(
        string="Growth Rebates", compute="_compute_amounts", store=True
    )
    amount_special_rebate = fields.Monetary(
        string="Special Rebates", compute="_compute_amounts", store=True
    )
    amount_adjustment = fields.Monetary(
        string="Adjustments", compute="_compute_amounts", store=True
    )
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True, tracking=True
    )
    computed_uid = fields.Many2one("res.users", string="Computed by", readonly=True, copy=False)
    computed_date = fields.Datetime(string="Computed on", readonly=True, copy=False)
    approved_uid = fields.Many2one("res.users", string="Approved by", readonly=True, copy=False)
    approved_date = fields.Datetime(string="Approved on", readonly=True, copy=False)
    done_uid = fields.Many2one("res.users", string="Paid out by", readonly=True, copy=False)
    done_date = fields.Datetime(string="Paid out on", readonly=True, copy=False)
    cancelled_uid = fields.Many2one("res.users", string="Cancelled by", readonly=True, copy=False)
    cancelled_date = fields.Datetime(string="Cancelled on", readonly=True, copy=False)

    # === CONSTRAINTS === #
    _unique_period = models.UniqueIndex(
        "(program_id, date_from) WHERE state <> 'cancelled'",
        "This period of the program already has a settlement: a period is settled once. "
        "Open the existing settlement, or cancel it first.",
    )

    # === COMPUTE METHODS === #
    @api.depends(
        "line_ids.total",
        "line_ids.base_rebate",
        "line_ids.growth_rebate",
        "line_ids.special_rebate",
        "line_ids.adjustment_amount",
        "line_ids.warning",
        "line_ids.partner_id",
    )
    def _compute_amounts(self):
        # one grouped query for stored settlements (thousands of lines each), rather than
        # reading every line; new records (forms) sum their lines in memory
        stored = self.filtered("id")
        totals = {}
        if stored:
            rows = self.env["rebate.settlement.line"]._read_group(
                [("settlement_id", "in", stored.ids)],
                ["settlement_id"],
                [
                    "base_rebate:sum",
                    "growth_rebate:sum",
                    "special_rebate:sum",
                    "adjustment_amount:sum",
                    "total:sum",
                    "partner_id:count_distinct",
                    "warning:count",
                ],
            )
            totals = {settlement: values for settlement, *values in rows}
        for settlement in self:
            if settlement.id:
                values = totals.get(settlement, [0.0] * 5 + [0, 0])
            else:
                lines = settlement.line_ids
                values = [
                    *(
                        sum(lines.mapped(fname))
                        for fname in (
                            "base_rebate",
                            "growth_rebate",
                            "special_rebate",
                            "adjustment_amount",
                            "total",
                        )
                    ),
                    len(lines.partner_id),
                    len(lines.filtered("warning")),
                ]
            (
                settlement.amount_base_rebate,
                settlement.amount_growth_rebate,
                settlement.amount_special_rebate,
                settlement.amount_adjustment,
                settlement.amount_total,
                settlement.partner_count,
                settlement.warning_count,
            ) = values

    def _compute_move_count(self):
        counts = self._count_by("account.move", "rebate_settlement_id")
        for settlement in self:
            settlement.move_count = counts.get(settlement, 0)

    # === CONSTRAINT METHODS === #
    @api.constrains("program_id", "date_from", "date_to")
    def _check_period(self):
        for settlement in self:
            program = settlement.program_id
            if not program._is_period(settlement.date_from, settlement.date_to):
                start, end = program._period_bounds(settlement.date_from)
                raise ValidationError(
                    self.env._(
                        "A settlement covers exactly one period of its program: "
                        "%(from)s – %(to)s is not a period of %(program)s (%(period)s periods "
                        "from %(start)s to %(end)s). Did you mean %(p_start)s – %(p_end)s?",
                        program=program.name,
                        period=dict(program._fields["period"]._description_selection(self.env))[
                            program.period
                        ].lower(),
                        start=program.date_start,
                        end=program.date_end,
                        p_start=start,
                        p_end=end,
                        **{"from": settlement.date_from, "to": settlement.date_to},
                    )
                )

    # === CRUD METHODS === #
    @api.model_create_multi
    def create(self, vals_list):
        self._check_workflow_fields_untouched(vals_list)
        for vals in vals_list:
            # on no record: create() called on records (copy() does) excludes none of them
            self.browse()._check_period_free(vals.get("program_id"), vals.get("date_from"))
        # the guard (collab.guard.mixin) refuses workflow fields and malformed values
        settlements = super().create(vals_list)
        for settlement in settlements.filtered(lambda s: s.name == "/"):
            settlement._write_workflow(
                {"name": self.env["ir.sequence"].next_by_code("rebate.settlement") or "/"}
            )
        return settlements

    def write(self, vals):
        """What a user changes: the note always, the program and period while the
        settlement is a draft or computed. The same for the superuser: the workflow
        writes its own fields with ``_write_workflow``, no context key opens this."""
        self._check_workflow_fields_untouched([vals])
        business = {key for key in vals if not key.startswith(CHATTER_PREFIXES)}
        changed = business - SETTLED_EDITABLE_FIELDS
        locked = self.filtered(lambda s: s.state not in ("draft", "computed"))
        if locked and changed:
            raise UserError(
                self.env._(
                    "Settlement %(ref)s is %(state)s: it can no longer be edited. "
                    "Cancel it (and its credit notes or bills) and settle the period "
                    "again if it is wrong.",
                    ref=locked[0].name,
                    state=locked[0]._state_label(),
                )
            )
        new_period = bool(changed & PERIOD_FIELDS)
        if new_period:
            for settlement in self:
                settlement._check_period_free(
                    vals.get("program_id", settlement.program_id.id),
                    vals.get("date_from", settlement.date_from),
                )
        computed = self.filtered(lambda s: s.state == "computed")
        result = super().write(vals)
        if new_period and computed:
            # another period or program: the computed lines no longer apply
            computed._clear_lines()
            computed._write_workflow({"state": "draft"})
        return result

    def _check_workflow_fields_untouched(self, vals_list):
        """Refuse the workflow's fields to every write() and create(), the superuser's too
        (a clear message naming them; the guard says the same to users)."""
        names = [name for vals in vals_list for name in vals if name in WORKFLOW_FIELDS]
        if names:
            labels = ", ".join(
                f"“{self._fields[name]._description_string(self.env)}” ({name})"
                for name in dict.fromkeys(names)
            )
            raise AccessError(
                self.env._(
                    "Rebate settlement: %(fields)s cannot be set by hand; the settlement's "
                    "reference, state, lines and totals are set by its buttons (Compute, "
                    "Approve, Create Credit Notes / Bills, Cancel).",
                    fields=labels,
                )
            )

    def _write_workflow(self, vals):
        """Write the fields the workflow owns (state, who and when, reference).

        For the action methods, which checked the caller's role and the settlement's
        state on the server first. Private (no RPC call reaches it) and decided by the
        code, not by a context key. It skips this model's own ``write`` (which refuses
        these fields to everyone and freezes settled settlements; an addon extending
        rebate.settlement's ``write`` is skipped too), not the ORM's nor mail's: access
        rights are checked, and tracking names the user.
        """
        if not self.env.su:
            self.check_access("write")
        return super(RebateSettlement, self.sudo()).write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        settled = self.filtered(lambda s: s.state not in ("draft", "computed"))
        if settled:
            raise UserError(
                self.env._(
                    "Settlement %(ref)s is %(state)s and belongs to the audit trail: it cannot "
                    "be deleted.",
                    ref=settled[0].name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        settled[0].state
                    ].lower(),
                )
            )

    def unlink(self):
        """The database deletes the lines with their settlement; their sources (no
        foreign key) are deleted here, in one statement after them."""
        line_ids = self.sudo().line_ids.ids
        result = super().unlink()
        self.env["rebate.settlement.source"]._delete_for_lines(line_ids)
        return result

    def _check_period_free(self, program_id, date_from):
        """A friendly message before the partial unique index refuses the row."""
        if isinstance(program_id, models.BaseModel):
            program_id = program_id.id
        if not (program_id and date_from) or isinstance(program_id, bool):
            return
        try:
            date_from = fields.Date.to_date(date_from)
        except (ValueError, TypeError):
            # malformed: the input checks (collab.guard.mixin) name the field
            return
        if not isinstance(program_id, int) or not date_from:
            return
        other = self.sudo().search(
            [
                ("program_id", "=", program_id),
                ("date_from", "=", date_from),
                ("state", "!=", "cancelled"),
                ("id", "not in", self.ids),
            ],
            limit=1,
        )
        if other:
            raise ValidationError(
                self.env._(
                    "The period %(period)s of %(program)s already has a settlement "
                    "(%(ref)s): a period is settled once. Open it, or cancel it first.",
                    period=other.period_label,
                    program=other.program_id.name,
                    ref=other.name,
                )
            )

    # === ACTION METHODS === #
    def action_compute(self):
        """Compute (or recompute) the rebate lines of draft or computed settlements."""
        for settlement in self._each_locked():
            settlement._check_computable()
            # selected once: counted for the threshold, then computed (20,000 partners
            # are read in 0.3 s)
            partners = settlement.program_id.sudo()._get_eligible_partners(settlement.date_from)
            if settlement._queue_job("rebate_compute", total=len(partners)):
                # above the company's threshold of partners: a background job computes it
                continue
            settlement._generate_lines(partners)
            settlement._write_step("computed")
        return True

    def _check_computable(self):
        self.ensure_one()
        if self.state not in ("draft", "computed"):
            raise UserError(
                self.env._(
                    "Settlement %(ref)s is already approved: it cannot be recomputed. "
                    "Later changes of its period are trued up in the next settlement.",
                    ref=self.name,
                )
            )
        if self.program_id.state == "draft":
            raise UserError(
                self.env._(
                    "Rebate program %(name)s is still a draft: activate it before settling it.",
                    name=self.program_id.name,
                )
            )

    def action_approve(self):
        self._check_finance()
        for settlement in self._each_locked():
            if settlement.state != "computed":
                raise UserError(
                    self.env._(
                        "Only computed settlements can be approved; %(ref)s is %(state)s.",
                        ref=settlement.name,
                        state=settlement._state_label(),
                    )
                )
            settlement._write_step("approved")
        return True

    def action_create_moves(self):
        """One credit note (or bill) per partner, in one batch; the settlement is done."""
        self._check_finance()
        for settlement in self._each_locked():
            # a payout job that failed half-way resumes: the partners not paid yet
            resume = settlement._payout_failed()
            if settlement.state == "done" or (settlement.move_ids and not resume):
                raise UserError(
                    self.env._(
                        "The credit notes or bills of settlement %(ref)s were already "
                        "created: a settlement is paid out once.",
                        ref=settlement.name,
                    )
                )
            if settlement.state != "approved":
                raise UserError(
                    self.env._(
                        "Settlement %(ref)s must be approved before its credit notes or "
                        "bills are created (it is %(state)s).",
                        ref=settlement.name,
                        state=settlement._state_label(),
                    )
                )
            if settlement._queue_job("rebate_payout", force=resume):
                continue
            settlement._create_moves()
            settlement._write_step("done")
        return True

    def action_cancel(self):
        for settlement in self._each_locked():
            if settlement.state == "cancelled":
                continue
            # the state as locked: approved meanwhile by someone else counts as approved
            if settlement.state in ("approved", "done"):
                self._check_finance()
            open_moves = settlement.move_ids.filtered(lambda m: not m._is_rebate_neutralized())
            if open_moves:
                raise UserError(
                    self.env._(
                        "Settlement %(ref)s has credit notes or bills that are still valid "
                        "(%(moves)s): cancel or reverse them first, then cancel the "
                        "settlement.",
                        ref=settlement.name,
                        moves=", ".join(open_moves.mapped("display_name")),
                    )
                )
            later = (
                self.env["rebate.settlement.line"]
                .sudo()
                .search(
                    [
                        ("adjusted_settlement_id", "=", settlement.id),
                        ("settlement_id.state", "!=", "cancelled"),
                        ("settlement_id", "!=", settlement.id),
                    ],
                    limit=1,
                )
            )
            if later:
                raise UserError(
                    self.env._(
                        "Settlement %(later)s carries true-up adjustments of %(ref)s: cancel "
                        "%(later)s first.",
                        later=later.settlement_id.name,
                        ref=settlement.name,
                    )
                )
            # balance credits (order deduction, special fund) are taken back, if unused
            settlement._reverse_balance_credits()
            settlement._write_step("cancelled")
            # the journal items counted by this settlement may be counted again
            self.env["rebate.settlement.source"]._mark_cancelled(settlement)
        return True

    def action_view_moves(self):
        self.ensure_one()
        action_ref = (
            "account.action_move_out_refund_type"
            if self.payout == "credit_note"
            else "account.action_move_in_invoice_type"
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(action_ref)
        action["domain"] = [("rebate_settlement_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_sources(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.rebate_settlement_source_action",
            # the source's settlement_id searches the lines' id range (BRIN index)
            domain=[("settlement_id", "=", self.id)],
            context={"search_default_group_partner": 1},
        )

    # === BUSINESS METHODS === #
    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state].lower()

    def _check_finance(self):
        self._check_role(
            [FINANCE_GROUP],
            self.env._(
                "Only Rebate Accountants can approve settlements, create their credit "
                "notes or bills, send statements or cancel approved settlements."
            ),
        )

    def _each_locked(self):
        """The settlements of self one by one, each locked for this transaction first
        (`_lock_for_processing`), once the user's right to change them is checked: the
        loop of every workflow button."""
        self.check_access("write")
        for settlement in self:
            settlement._lock_for_processing()
            settlement._check_no_job()
            yield settlement

    def _write_step(self, state):
        """Move to the workflow `state`, recording who and when (its _uid and _date)."""
        self._write_workflow(
            {"state": state, f"{state}_uid": self.env.uid, f"{state}_date": fields.Datetime.now()}
        )

    def _lock_for_processing(self):
        """Lock the settlement row for this transaction or fail at once.

        Two people pressing Compute/Approve/Create on the same settlement: the second one
        gets a clear message immediately instead of waiting or doubling the work.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM rebate_settlement WHERE id = %s FOR UPDATE NOWAIT", self.id)
                )
        except LockNotAvailable:
            raise UserError(
                self.env._(
                    "Settlement %(ref)s is being processed by someone else right now "
                    "(compute, approval or payout). Wait until it is finished, then reload.",
                    ref=self.name,
                )
            ) from None
        # what another transaction committed before we got the lock
        self.invalidate_recordset()
