from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
# settlement states whose figures are final: later changes become true-up adjustments
SETTLED_STATES = ("approved", "done")
# program fields that decide the amounts: frozen once a settlement was approved
TERMS_FIELDS = {
    "period",
    "date_start",
    "basis",
    "product_categ_ids",
    "product_ids",
    "excluded_product_ids",
    "exclude_conflicts",
    "band_ids",
    "band_mode",
    "growth_rate",
    "special_ids",
    "apply_grade_multiplier",
    "cap_amount",
    "company_id",
}
HUNDRED = Decimal(100)
# longest program: more periods are a typing mistake (and a date past year 9999)
MAX_PROGRAM_YEARS = 10
# earlier is a typing mistake (and last year's base of year 1 is no date)
MIN_PROGRAM_YEAR = 1900
# key in the cursor's cache (self.env.cr.cache) of the programs whose own write is saving
# their bands: see RebateProgram._bands_checked_at_end
BANDS_DEFERRED_KEY = "sales_pm_collab.rebate_bands_deferred"
# territory conflict states whose orders' invoice lines do not count (exclude_conflicts)
CONFLICT_EXCLUDED_STATES = ("open", "penalised")


def to_decimal(value):
    """Amounts as exact decimals (floats from the ORM, Decimals from SQL)."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


class RebateProgram(models.Model):
    _name = "rebate.program"
    _description = "Rebate Program"
    _inherit = ["mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "date_start desc, name, id"
    _check_company_auto = True
    # set by the Activate / Close / Reset to Draft buttons; settlements are created on
    # their own (their program and period are checked there), never through a program
    _system_fields = ("state", "settlement_ids")

    # === FIELDS === #
    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("closed", "Closed")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    note = fields.Html(string="Terms", help="The rebate policy as agreed with the partners.")
    # --- who is eligible
    partner_ids = fields.Many2many(
        "res.partner",
        "rebate_program_partner_rel",
        "program_id",
        "partner_id",
        string="Partners",
        check_company=True,
        domain="[('parent_id', '=', False)]",
        help="Partners eligible by name. Invoices of their contacts and branches count too.",
    )
    grade_ids = fields.Many2many(
        "res.partner.grade",
        "rebate_program_grade_rel",
        "program_id",
        "grade_id",
        string="Partner Levels",
        help="Partners currently at one of these levels are eligible as well.",
    )
    # --- when
    period = fields.Selection(
        [
            ("month", "Monthly"),
            ("quarter", "Quarterly"),
            ("half_year", "Half-yearly"),
            ("year", "Yearly"),
        ],
        required=True,
        default="quarter",
        tracking=True,
    )
    date_start = fields.Date(
        string="Start Date",
        required=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
        help="First day of the first period; always the first day of a month.",
    )
    date_end = fields.Date(
        string="End Date",
        required=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self).replace(month=12, day=31),
        help="Last day of the last period.",
    )
    # --- what counts
    basis = fields.Selection(
        [("invoiced", "Invoiced"), ("paid", "Paid")],
        required=True,
        default="invoiced",
        tracking=True,
        help="Invoiced: posted customer invoices minus credit notes, untaxed, in company "
        "currency.\nPaid: only the paid part of those invoices (credit notes reconciled "
        "with an invoice count as paid).",
    )
    product_categ_ids = fields.Many2many(
        "product.category",
        "rebate_program_product_categ_rel",
        "program_id",
        "categ_id",
        string="Product Categories",
        help="Only sales of products in these categories (and their subcategories) count. "
        "Empty with no products either: every product counts.",
    )
    product_ids = fields.Many2many(
        "product.product",
        "rebate_program_product_rel",
        "program_id",
        "product_id",
        string="Products",
        check_company=True,
        help="Only sales of these products count (in addition to the categories above).",
    )
    excluded_product_ids = fields.Many2many(
        "product.product",
        "rebate_program_excluded_product_rel",
        "program_id",
        "product_id",
        string="Excluded Products",
        check_company=True,
        help="Sales of these products never count.",
    )
    exclude_conflicts = fields.Boolean(
        string="Exclude Territory Conflicts",
        tracking=True,
        help="Leave out the invoice lines of sales orders with an open or penalised "
        "territory conflict; once a channel manager accepts the conflict, they count "
        "again (settled periods are trued up).",
    )
    # --- how much
    band_ids = fields.One2many("rebate.program.band", "program_id", string="Bands", copy=True)
    band_mode = fields.Selection(
        [("whole", "Whole base"), ("marginal", "Marginal slices")],
        required=True,
        default="whole",
        tracking=True,
        help="Whole base: the rate of the band reached applies to the whole base.\n"
        "Marginal slices: each band's rate applies to the slice of the base inside it.",
    )
    growth_rate = fields.Float(
        string="Growth Rate (%)",
        digits=(5, 2),
        tracking=True,
        help="Extra rebate on the growth over the same period one year earlier, when "
        "positive (partners without sales a year earlier earn no growth rebate).",
    )
    special_ids = fields.One2many(
        "rebate.program.special", "program_id", string="Special Rebates", copy=True
    )
    apply_grade_multiplier = fields.Boolean(
        string="Apply Level Multiplier",
        tracking=True,
        help="Multiply each partner's rebate (base + growth + special, before the cap) by "
        "the rebate multiplier of its level when the settlement is computed; partners "
        "without a level keep 100%.",
    )
    cap_amount = fields.Monetary(
        string="Cap per Partner and Period",
        tracking=True,
        help="Highest rebate per partner and period; empty (0) means no cap.",
    )
    # --- payout
    payout = fields.Selection(
        [("credit_note", "Credit note"), ("vendor_bill", "Vendor bill")],
        required=True,
        default="credit_note",
        tracking=True,
        help="Credit note: deducted from what the partner owes.\nVendor bill: paid out in cash.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        tracking=True,
        domain="[('type', '=', 'sale' if payout == 'credit_note' else 'purchase')]",
        help="Journal of the credit notes or bills created for this program.",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Rebate Product",
        check_company=True,
        tracking=True,
        domain="[('type', '=', 'service')]",
        help="Service product on the generated credit notes or bills; its income or "
        "expense account is used.",
    )
    post_moves = fields.Boolean(
        string="Post Automatically",
        help="Post the credit notes or bills when they are created instead of leaving "
        "them in draft.",
    )
    target_ids = fields.One2many("rebate.target", "program_id", string="Targets")
    settlement_ids = fields.One2many("rebate.settlement", "program_id", string="Settlements")
    target_count = fields.Integer(compute="_compute_counts")
    settlement_count = fields.Integer(compute="_compute_counts")
    terms_locked = fields.Boolean(
        compute="_compute_terms_locked",
        help="Terms are frozen once a settlement of the program is approved.",
    )

    # === CONSTRAINTS === #
    _dates_check = models.Constraint(
        "CHECK(date_end > date_start)",
        "The end date of a rebate program must be after its start date.",
    )
    _growth_rate_check = models.Constraint(
        "CHECK(growth_rate >= 0 AND growth_rate <= 100)",
        "The growth rate must be between 0 and 100%.",
    )
    _cap_amount_check = models.Constraint(
        "CHECK(cap_amount IS NULL OR cap_amount >= 0)",
        "The cap of a rebate program cannot be negative; leave it empty for no cap.",
    )

    # === COMPUTE METHODS === #
    def _compute_counts(self):
        targets = dict(
            self.env["rebate.target"]._read_group(
                [("program_id", "in", self.ids)], ["program_id"], ["__count"]
            )
        )
        settlements = dict(
            self.env["rebate.settlement"]._read_group(
                [("program_id", "in", self.ids)], ["program_id"], ["__count"]
            )
        )
        for program in self:
            program.target_count = targets.get(program, 0)
            program.settlement_count = settlements.get(program, 0)

    def _compute_terms_locked(self):
        locked = self._get_locking_settlements()
        for program in self:
            program.terms_locked = bool(locked.get(program.id))

    # === CONSTRAINT METHODS === #
    @api.constrains("date_start", "date_end", "period")
    def _check_period_dates(self):
        for program in self:
            start, end = program.date_start, program.date_end
            if start.year < MIN_PROGRAM_YEAR:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the start date %(start)s is not plausible; "
                        "check the year.",
                        name=program.name,
                        start=start,
                    )
                )
            if (end.year - start.year) * 12 + end.month - start.month >= MAX_PROGRAM_YEARS * 12:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s runs from %(start)s to %(end)s: a program "
                        "covers at most %(years)s years. Check the dates, or create one "
                        "program per period of terms.",
                        name=program.name,
                        start=program.date_start,
                        end=program.date_end,
                        years=MAX_PROGRAM_YEARS,
                    )
                )
            if program.date_start.day != 1:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the start date must be the first day of a "
                        "month (periods are whole months).",
                        name=program.name,
                    )
                )
            if program.date_end not in {end for _start, end in program._get_periods()}:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the end date %(end)s is not the last day of "
                        "a %(period)s period counted from %(start)s; pick the last day of a "
                        "period, e.g. %(example)s.",
                        name=program.name,
                        end=program.date_end,
                        period=dict(program._fields["period"]._description_selection(self.env))[
                            program.period
                        ].lower(),
                        start=program.date_start,
                        example=program._period_bounds(program.date_end)[1],
                    )
                )
            program._check_records_in_periods()

    def _check_records_in_periods(self):
        """Targets and settlements cover one period each: new dates or another period
        length must keep them periods of the program (or the figures lose their period)."""
        self.ensure_one()
        periods = set(self._get_periods())
        settlements = self.settlement_ids.filtered(lambda s: s.state != "cancelled")
        for record in (*self.target_ids, *settlements):
            if (record.date_from, record.date_to) in periods:
                continue
            if record._name == "rebate.target":
                what = self.env._(
                    "the target of %(partner)s for %(from)s – %(to)s",
                    partner=record.partner_id.display_name,
                    **{"from": record.date_from, "to": record.date_to},
                )
                fix = self.env._("Delete or move those targets first")
            else:
                what = self.env._(
                    "settlement %(ref)s (%(from)s – %(to)s)",
                    ref=record.name,
                    **{"from": record.date_from, "to": record.date_to},
                )
                fix = self.env._("Cancel that settlement first, or keep the periods")
            raise ValidationError(
                self.env._(
                    "Rebate program %(name)s: with these dates and periods, %(what)s would no "
                    "longer be one period of the program. %(fix)s.",
                    name=self.name,
                    what=what,
                    fix=fix,
                )
            )

    @api.constrains("payout", "journal_id")
    def _check_journal_type(self):
        for program in self.filtered("journal_id"):
            expected = "sale" if program.payout == "credit_note" else "purchase"
            if program.journal_id.type != expected:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s pays out as %(payout)s: choose a %(type)s "
                        "journal, not %(journal)s.",
                        name=program.name,
                        payout=self.env._("credit notes")
                        if program.payout == "credit_note"
                        else self.env._("vendor bills"),
                        type=self.env._("sales") if expected == "sale" else self.env._("purchase"),
                        journal=program.journal_id.display_name,
                    )
                )

    @api.constrains("band_ids")
    def _check_bands(self):
        for program in self:
            program._check_band_layout(program.band_ids)

    def _check_band_layout(self, bands):
        """``bands`` (the program's, or what would be left of them) neither overlap nor
        leave a gap from the lowest one up; only the highest may be open-ended."""
        self.ensure_one()
        program = self
        bands = bands.sorted(lambda b: (b.attainment_from, b.id))
        for previous, band in zip(bands, bands[1:], strict=False):
            if not previous.attainment_to:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the band from %(from)s%% has no upper "
                        "limit, so it overlaps the band from %(next)s%%. Only the highest "
                        "band may be open-ended.",
                        name=program.name,
                        **{"from": previous.attainment_from, "next": band.attainment_from},
                    )
                )
            if band.attainment_from < previous.attainment_to:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the bands %(a)s and %(b)s overlap; each "
                        "band must start where the previous one ends.",
                        name=program.name,
                        a=previous.display_name,
                        b=band.display_name,
                    )
                )
            if band.attainment_from > previous.attainment_to:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: there is a gap between %(to)s%% and "
                        "%(from)s%%; each band must start where the previous one ends "
                        "(add a band with rate 0 for a range that earns nothing).",
                        name=program.name,
                        to=previous.attainment_to,
                        **{"from": band.attainment_from},
                    )
                )

    # === CRUD METHODS === #
    def write(self, vals):
        if TERMS_FIELDS & set(vals):
            self._check_terms_unlocked()
        if "band_ids" not in vals:
            return super().write(vals)
        # the bands are checked as a whole once all of the form's changes are written
        # (_check_bands, run at the end of this write), not one by one while they are (a
        # band moved before the next one is created would look like a gap)
        with self._bands_checked_at_end():
            return super().write(vals)

    @contextmanager
    def _bands_checked_at_end(self):
        """While the programs' own write applies its band commands, the bands leave the
        layout check to the program (``_check_bands`` at the end of that write).

        The marker lives in the cursor's cache (``self.env.cr.cache``): memory of this
        server transaction that no RPC argument or context key can reach or set (a
        context key could: any client sends any context), emptied on commit and
        rollback, and it only ever covers programs in the middle of a write that checks
        their bands when it ends. A band cannot change program (rebate.program.term.mixin),
        so a command of this write cannot move a band out of another program unchecked.
        """
        deferred = self.env.cr.cache.setdefault(BANDS_DEFERRED_KEY, Counter())
        deferred.update(self.ids)
        try:
            yield
        finally:
            deferred.subtract(self.ids)
            for program_id in self.ids:
                if deferred[program_id] <= 0:
                    del deferred[program_id]

    def _bands_checked_by_own_write(self):
        """The programs of ``self`` whose write is saving their bands right now."""
        deferred = self.env.cr.cache.get(BANDS_DEFERRED_KEY) or {}
        return self.filtered(lambda program: deferred.get(program.id, 0) > 0)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        settled = self.settlement_ids.filtered(lambda s: s.state not in ("draft", "computed"))
        if settled:
            raise UserError(
                self.env._(
                    "Rebate program %(name)s has settlements (%(refs)s) that were approved, "
                    "paid or cancelled: they are the audit trail and cannot be deleted. "
                    "Close or archive the program instead.",
                    name=settled[0].program_id.name,
                    refs=", ".join(settled.mapped("name")),
                )
            )
        if self.settlement_ids:
            raise UserError(
                self.env._(
                    "Rebate program %(name)s has settlements in progress (%(refs)s): delete "
                    "them first (a Rebate Accountant can), or archive the program instead.",
                    name=self.settlement_ids[0].program_id.name,
                    refs=", ".join(self.settlement_ids.mapped("name")),
                )
            )

    # === ACTION METHODS === #
    def action_activate(self):
        for program in self:
            if program.state != "draft":
                raise UserError(
                    self.env._(
                        "Only draft rebate programs can be activated (%(name)s).", name=program.name
                    )
                )
            if not program.band_ids:
                raise UserError(
                    self.env._(
                        "Rebate program %(name)s has no attainment band: add at least one "
                        "band before activating it.",
                        name=program.name,
                    )
                )
            if not (program.partner_ids or program.grade_ids or program.target_ids):
                raise UserError(
                    self.env._(
                        "Rebate program %(name)s has nobody eligible: add partners, partner "
                        "levels or targets before activating it.",
                        name=program.name,
                    )
                )
            # bands saved before their layout was enforced everywhere cannot go live
            program._check_band_layout(program.band_ids)
        self._write_system({"state": "active"})
        return True

    def action_close(self):
        for program in self:
            if program.state != "active":
                raise UserError(
                    self.env._(
                        "Only active rebate programs can be closed (%(name)s).", name=program.name
                    )
                )
        self._write_system({"state": "closed"})
        return True

    def action_draft(self):
        for program in self:
            if program.settlement_ids.filtered(lambda s: s.state != "cancelled"):
                raise UserError(
                    self.env._(
                        "Rebate program %(name)s already has settlements; it cannot go back to "
                        "draft. Close it and create a new program for new terms.",
                        name=program.name,
                    )
                )
        self._write_system({"state": "draft"})
        return True

    def action_view_settlements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_pm_collab.rebate_settlement_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action

    def action_view_targets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_pm_collab.rebate_target_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action

    def action_new_settlement(self):
        """Open a new settlement on the first period not settled yet."""
        self.ensure_one()
        taken = {
            s.date_from for s in self.settlement_ids.filtered(lambda s: s.state != "cancelled")
        }
        free = [p for p in self._get_periods() if p[0] not in taken]
        date_from, date_to = free[0] if free else (False, False)
        return {
            "type": "ir.actions.act_window",
            "res_model": "rebate.settlement",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_program_id": self.id,
                "default_date_from": date_from,
                "default_date_to": date_to,
            },
        }

    # === BUSINESS METHODS: periods === #
    def _get_periods(self):
        """[(date_from, date_to)] of every period of the program, in order."""
        self.ensure_one()
        if not (self.date_start and self.date_end and self.period):
            return []
        step = relativedelta(months=PERIOD_MONTHS[self.period])
        periods, start = [], self.date_start
        while start <= self.date_end:
            end = self._shift_date(start, step) - timedelta(days=1)
            periods.append((start, end))
            start = end + timedelta(days=1)
        return periods

    def _period_bounds(self, day):
        """The period (date_from, date_to) of the program's calendar that holds ``day``."""
        self.ensure_one()
        months = PERIOD_MONTHS[self.period]
        offset = (day.year - self.date_start.year) * 12 + day.month - self.date_start.month
        start = self._shift_date(self.date_start, relativedelta(months=(offset // months) * months))
        return start, self._shift_date(start, relativedelta(months=months)) - timedelta(days=1)

    def _shift_date(self, day, delta):
        """``day`` + ``delta``, or a message naming the date when it leaves the calendar
        (a period start typed as year 9999)."""
        try:
            return day + delta
        except (ValueError, OverflowError):
            raise ValidationError(
                self.env._(
                    "Rebate program %(name)s: %(date)s is too far from the program's periods "
                    "(%(start)s – %(end)s); check the date.",
                    name=self.name,
                    date=day,
                    start=self.date_start,
                    end=self.date_end,
                )
            ) from None

    def _is_period(self, date_from, date_to):
        self.ensure_one()
        return (date_from, date_to) in self._get_periods()

    def _period_label(self, date_from, date_to):
        self.ensure_one()
        if self.period == "month":
            return date_from.strftime("%Y-%m")
        if self.period == "quarter" and date_from.month in (1, 4, 7, 10):
            return f"{date_from.year} Q{(date_from.month - 1) // 3 + 1}"
        if self.period == "half_year" and date_from.month in (1, 7):
            return f"{date_from.year} H{1 if date_from.month == 1 else 2}"
        if self.period == "year" and date_from.month == 1:
            return str(date_from.year)
        return f"{date_from} – {date_to}"

    def _get_current_period(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        if not (self.date_start <= today <= self.date_end):
            return None
        return self._period_bounds(today)

    # === BUSINESS METHODS: terms === #
    def _get_locking_settlements(self):
        """{program id: first approved/paid settlement}: the terms can no longer change."""
        if not self.ids:
            return {}
        rows = (
            self.env["rebate.settlement"]
            .sudo()
            ._read_group(
                [("program_id", "in", self.ids), ("state", "in", SETTLED_STATES)],
                ["program_id"],
                ["id:min"],
            )
        )
        return {program.id: self.env["rebate.settlement"].browse(sid) for program, sid in rows}

    def _check_terms_unlocked(self):
        locked = self._get_locking_settlements()
        for program in self:
            if locked.get(program.id):
                raise UserError(
                    self.env._(
                        "The terms of rebate program %(name)s are frozen since settlement "
                        "%(ref)s was approved: the amounts already settled must stay "
                        "reproducible. Close this program and create a new one for new terms.",
                        name=program.name,
                        ref=locked[program.id].sudo().name,
                    )
                )

    def _get_eligible_partners(self, date_from=None):
        """Commercial partners of the program: listed ones, those currently at one of its
        levels and, for a period, those with a target in it."""
        self.ensure_one()
        # archived partners are filtered by the search below, not by reading them here
        domain = Domain("id", "in", self.with_context(active_test=False).partner_ids.ids)
        if self.grade_ids:
            domain |= Domain("grade_id", "in", self.grade_ids.ids)
        if date_from:
            targets = self.env["rebate.target"].search_fetch(
                [("program_id", "=", self.id), ("date_from", "=", date_from)], ["partner_id"]
            )
            domain |= Domain("id", "in", targets.partner_id.ids)
        # one query for any number of partners (reading them would go by a thousand)
        partners = self.env["res.partner"].search_fetch(
            domain, ["commercial_partner_id"], order="id"
        )
        return partners.commercial_partner_id

    def _get_partner_multipliers(self, partners):
        """{partner id: multiplier in %} for the partners of a computation.

        With ``apply_grade_multiplier``, the ``rebate_multiplier`` of the level (core
        ``grade_id``) of each partner's commercial entity as it is when the computation
        runs; partners without a level keep 100%, and so does everyone when the option is
        off. One query for all partners. The settlement line stores the multiplier it used:
        a later level change does not alter a computed or approved settlement (recomputing
        a computed one takes the new level), and true-ups of a settled period reuse the
        multiplier frozen on that period's line.
        """
        self.ensure_one()
        multipliers = dict.fromkeys(partners.ids, 100.0)
        if not (self.apply_grade_multiplier and partners):
            return multipliers
        rows = self._execute(
            SQL(
                """
                SELECT partner.id, grade.rebate_multiplier
                  FROM res_partner partner
                  JOIN res_partner commercial
                    ON commercial.id = COALESCE(partner.commercial_partner_id, partner.id)
                  JOIN res_partner_grade grade ON grade.id = commercial.grade_id
                 WHERE partner.id = ANY(%s) AND grade.rebate_multiplier IS NOT NULL
                """,
                partners.ids,
            )
        )
        multipliers.update((partner_id, float(rate)) for partner_id, rate in rows)
        return multipliers

    def _get_conflict_exclusion_queries(self, date_from, date_to):
        """SQL queries selecting the ids of the journal items to leave out because their
        sales order has a territory conflict (``exclude_conflicts``): a list, empty when
        nothing is excluded. Every computation (settlements, true-ups, accruals, last
        year's base of the growth rebate) applies each query as ``aml.id NOT IN (<query>)``.

        An invoice or credit note line belongs to the orders of its sales order lines
        (``sale_line_ids``; Odoo's reversal wizard and returns invoiced from the order
        fill them on credit notes too). It is left out while one of its orders has a
        conflict that is *open* (not decided yet: no rebate on a sale that may breach a
        territory) or *penalised* (ruled a cross-territory sale: the rebate is one of the
        penalties). An *accepted* conflict, the channel manager having approved the
        sale, no longer excludes it. The state at the time of the computation counts, so
        a decision taken after a period was settled is trued up: a line that becomes
        excluded is corrected out, a line that becomes accepted is counted, in the next
        settlement. Invoice lines with no sales order (typed in Accounting) always count.
        The period (``date_from``, ``date_to``) does not restrict conflicts: the order's
        conflict matters whenever it was recorded.
        """
        self.ensure_one()
        if not self.exclude_conflicts:
            return []
        return [
            SQL(
                """
                SELECT rel.invoice_line_id
                  FROM sale_territory_conflict conflict
                  JOIN sale_order_line sol ON sol.order_id = conflict.sale_order_id
                  JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                 WHERE conflict.state = ANY(%s) AND conflict.company_id = %s
                """,
                list(CONFLICT_EXCLUDED_STATES),
                self.company_id.id,
            )
        ]

    def _get_scope_product_ids(self):
        """Product ids whose sales count, or None when every product counts."""
        self.ensure_one()
        if not (self.product_ids or self.product_categ_ids):
            return None
        products = self.product_ids
        if self.product_categ_ids:
            products |= (
                self.env["product.product"]
                .with_context(active_test=False)
                .search([("categ_id", "child_of", self.product_categ_ids.ids)])
            )
        return (products - self.excluded_product_ids).ids

    def _get_special_products(self):
        """[(special, product ids)] for the special rebates of the program."""
        self.ensure_one()
        result = []
        for special in self.special_ids:
            if special.product_id:
                products = special.product_id
            else:
                products = (
                    self.env["product.product"]
                    .with_context(active_test=False)
                    .search([("categ_id", "child_of", special.categ_id.id)])
                )
            result.append((special, products.ids))
        return result

    # === BUSINESS METHODS: journal items (grouped SQL) === #
    def _execute(self, query):
        """Run a raw query after flushing: it reads tables the ORM may not have written."""
        self.env.flush_all()
        return self.env.execute_query(query)

    def _moves_cte(self, partner_ids, ranges=None):
        """SQL selecting the posted customer invoices and credit notes of the program's
        company for ``partner_ids``, with their reference date and paid ratio.

        Credit notes and invoices created by rebate settlements are left out, and so are
        their reversals: paying a rebate (or taking it back) is no return of goods nor a
        sale, it never changes the next period's base.

        The reference date of a credit note that reverses an invoice is the invoice's date:
        a return belongs to the period of the sale it cancels (quarter-end stuffing that
        comes back later is trued up). ``ranges`` filters on it.
        """
        self.ensure_one()
        ref_date = SQL("COALESCE(orig.invoice_date, move.invoice_date, move.date)")
        conditions = [
            SQL("move.state = 'posted'"),
            SQL("move.move_type IN ('out_invoice', 'out_refund')"),
            # the credit notes (and claw-back invoices) paying rebates out are no sales,
            # nor are their reversals (cancelling a paid settlement)
            SQL("move.rebate_settlement_id IS NULL"),
            SQL("orig.rebate_settlement_id IS NULL"),
            SQL("move.company_id = %s", self.company_id.id),
            SQL("move.commercial_partner_id = ANY(%s)", list(partner_ids)),
        ]
        if ranges is not None:
            conditions.append(
                SQL(
                    "(%s)",
                    SQL(" OR ").join(
                        SQL("%s BETWEEN %s AND %s", ref_date, f, t) for f, t in ranges
                    ),
                )
                if ranges
                else SQL("FALSE")
            )
        return SQL(
            """
            SELECT move.id, move.commercial_partner_id AS partner_id, %(ref_date)s AS ref_date,
                   move.amount_total_signed, move.amount_residual_signed
              FROM account_move move
              LEFT JOIN account_move orig ON orig.id = move.reversed_entry_id
             WHERE %(where)s
            """,
            ref_date=ref_date,
            where=SQL(" AND ").join(conditions),
        )

    def _amount_sql(self, moves_alias):
        """The amount a journal item (alias aml) counts for. On a paid basis, its share of
        the paid part of its invoice, from the invoice (alias ``moves_alias``)'s stored
        signed total and residual in company currency: exactly the sums of its receivable
        lines, which Odoo keeps up to date on every reconciliation."""
        self.ensure_one()
        if self.basis == "paid":
            return SQL(
                "ROUND(-aml.balance * CASE WHEN COALESCE(%(m)s.amount_total_signed, 0) = 0 "
                "THEN 1 ELSE (%(m)s.amount_total_signed - %(m)s.amount_residual_signed) "
                "/ %(m)s.amount_total_signed END, %(digits)s)",
                m=SQL.identifier(moves_alias),
                digits=self.currency_id.decimal_places,
            )
        return SQL("-aml.balance")

    def _scope_sql(self, date_from, date_to, conflicts_only=False):
        """Condition on journal item aml: product scope and exclusions (the excluded
        products, and the rebate products of the company's programs).

        With ``conflicts_only``, the items in the product scope that the territory
        conflicts leave out instead (FALSE when nothing is excluded)."""
        self.ensure_one()
        conditions = []
        scope = self._get_scope_product_ids()
        # the rebate products of the company's programs are never sales: a rebate paid
        # again by hand (a copy of a rebate credit note) does not lower the base
        rebate_products = set(
            self.env["rebate.program"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("company_id", "=", self.company_id.id), ("product_id", "!=", False)],
                ["product_id"],
            )
            .product_id.ids
        )
        excluded = set(self.excluded_product_ids.ids) | rebate_products
        if scope is not None:
            conditions.append(
                SQL("aml.product_id = ANY(%s)", [pid for pid in scope if pid not in excluded])
            )
        elif excluded:
            conditions.append(
                SQL("(aml.product_id IS NULL OR aml.product_id <> ALL(%s))", sorted(excluded))
            )
        exclusions = self._get_conflict_exclusion_queries(date_from, date_to)
        if conflicts_only:
            conditions.append(
                SQL(
                    "(%s)",
                    SQL(" OR ").join(SQL("aml.id IN (%s)", query) for query in exclusions),
                )
                if exclusions
                else SQL("FALSE")
            )
        else:
            conditions.extend(SQL("aml.id NOT IN (%s)", query) for query in exclusions)
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _items_query(
        self, date_from, date_to, partner_ids, uncounted=True, ranges=None, conflicts_only=False
    ):
        """SQL selecting the contributing journal items of a period (or of ``ranges``):
        columns move_line_id, partner_id, product_id, ref_date, amount.

        With ``uncounted``, items already counted by a non-cancelled settlement of the
        program are left out: a journal item counts once per program. With
        ``conflicts_only``, the items the territory conflicts leave out instead.
        """
        self.ensure_one()
        ranges = ranges if ranges is not None else [(date_from, date_to)]
        if ranges:
            date_from, date_to = min(r[0] for r in ranges), max(r[1] for r in ranges)
        counted = (
            SQL(
                """AND NOT EXISTS (
                    SELECT 1 FROM rebate_settlement_source src
                     WHERE src.program_key = %s AND src.move_line_id = aml.id
                       AND src.kind = 'count' AND NOT src.cancelled)""",
                self.id,
            )
            if uncounted
            else SQL()
        )
        return SQL(
            """
            WITH moves AS MATERIALIZED (%(moves)s)
            SELECT aml.id AS move_line_id, moves.partner_id, aml.product_id, moves.ref_date,
                   %(amount)s AS amount
              FROM moves
              JOIN account_move_line aml ON aml.move_id = moves.id
             WHERE aml.display_type = 'product' AND %(scope)s %(counted)s
            """,
            moves=self._moves_cte(partner_ids, ranges),
            amount=self._amount_sql("moves"),
            scope=self._scope_sql(date_from, date_to, conflicts_only=conflicts_only),
            counted=counted,
        )

    def _special_map_sql(self):
        """VALUES-like SQL of (special_id, product_id) pairs, or None without specials."""
        pairs = [
            (special.id, pid) for special, pids in self._get_special_products() for pid in pids
        ]
        if not pairs:
            return None
        return SQL(
            "SELECT unnest(%s::int[]) AS special_id, unnest(%s::int[]) AS product_id",
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )

    def _materialize_items(self, date_from, date_to, partner_ids):
        """Select the contributing (uncounted) journal items of a period once, into a
        temporary table, for a settlement computation that reads them twice (the bases,
        then the sources). Returns the table's SQL identifier; drop it with
        ``_drop_items``. The table is dropped at the end of the transaction anyway."""
        self.ensure_one()
        table = SQL.identifier(f"rebate_items_{self.id}")
        self._execute(
            SQL(
                "DROP TABLE IF EXISTS %(table)s; "
                "CREATE TEMPORARY TABLE %(table)s ON COMMIT DROP AS %(items)s",
                table=table,
                items=self._items_query(date_from, date_to, partner_ids),
            )
        )
        return table

    def _drop_items(self, table):
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", table))

    def _get_bases(self, date_from, date_to, partner_ids, uncounted=True, items=None):
        """One grouped query: {partner id: {"base": Decimal, "specials": {special id: Decimal},
        "count": int}} over the contributing journal items of the period (or over the
        table ``items`` from ``_materialize_items``)."""
        self.ensure_one()
        result = {}
        if not partner_ids:
            return result
        special_map = self._special_map_sql()
        specials_part = (
            SQL(
                """UNION ALL
                SELECT items.partner_id, sp.special_id, SUM(items.amount), COUNT(*)
                  FROM items JOIN (%s) sp ON sp.product_id = items.product_id
                 GROUP BY items.partner_id, sp.special_id""",
                special_map,
            )
            if special_map
            else SQL()
        )
        rows = self._execute(
            SQL(
                """
                WITH items AS MATERIALIZED (%(items)s)
                SELECT partner_id, NULL::int, SUM(amount), COUNT(*) FROM items GROUP BY partner_id
                %(specials)s
                """,
                items=SQL("SELECT * FROM %s", items)
                if items
                else self._items_query(date_from, date_to, partner_ids, uncounted=uncounted),
                specials=specials_part,
            )
        )
        for partner_id, special_id, amount, count in rows:
            entry = result.setdefault(partner_id, {"base": Decimal(0), "specials": {}, "count": 0})
            if special_id:
                entry["specials"][special_id] = to_decimal(amount)
            else:
                entry["base"] = to_decimal(amount)
                entry["count"] = count
        return result

    def _get_growth_bases(self, date_from, date_to, partner_ids):
        """{partner id: base of the same period one year earlier} (one grouped query)."""
        self.ensure_one()
        if not (self.growth_rate and partner_ids):
            return {}
        last_from, last_to = date_from - relativedelta(years=1), date_to - relativedelta(years=1)
        rows = self._execute(
            SQL(
                "SELECT partner_id, SUM(amount) FROM (%s) items GROUP BY partner_id",
                self._items_query(last_from, last_to, partner_ids, uncounted=False),
            )
        )
        return {partner_id: to_decimal(amount) for partner_id, amount in rows}

    def _get_conflict_excluded_bases(self, date_from, date_to, partner_ids):
        """{partner id: amount} of the period's journal items that territory conflicts
        leave out (one grouped query, none without ``exclude_conflicts``): shown on the
        settlement lines so that finance and partners see what did not count and why."""
        self.ensure_one()
        if not (self.exclude_conflicts and partner_ids):
            return {}
        rows = self._execute(
            SQL(
                "SELECT partner_id, SUM(amount) FROM (%s) items GROUP BY partner_id",
                self._items_query(
                    date_from, date_to, partner_ids, uncounted=False, conflicts_only=True
                ),
            )
        )
        return {partner_id: to_decimal(amount) for partner_id, amount in rows}

    def _get_targets(self, date_from, partner_ids=None):
        """{partner id: target amount} for the period starting on ``date_from``."""
        self.ensure_one()
        domain = Domain("program_id", "=", self.id) & Domain("date_from", "=", date_from)
        if partner_ids is not None:
            domain &= Domain("partner_id", "in", list(partner_ids))
        rows = self.env["rebate.target"].sudo()._read_group(domain, ["partner_id"], ["amount:sum"])
        return {partner.id: to_decimal(amount) for partner, amount in rows}

    # === BUSINESS METHODS: the rebate of one partner and period === #
    def _get_terms(self):
        """The program's terms as plain Decimals, read once for a whole computation."""
        self.ensure_one()
        return {
            "quantum": Decimal(1).scaleb(-self.currency_id.decimal_places),
            "mode": self.band_mode,
            "bands": [
                (
                    band,
                    to_decimal(band.attainment_from),
                    to_decimal(band.attainment_to) if band.attainment_to else None,
                    to_decimal(band.rate),
                )
                for band in self.band_ids.sorted("attainment_from")
            ],
            "growth_rate": to_decimal(self.growth_rate),
            "specials": [
                (
                    special.id,
                    special.rate_type,
                    to_decimal(special.rate),
                    to_decimal(special.factor),
                )
                for special in self.special_ids
            ],
            "cap": to_decimal(self.cap_amount) if self.cap_amount else None,
        }

    def _find_band(self, attainment, terms=None):
        """The band holding ``attainment`` (a Decimal %), or an empty recordset."""
        terms = terms or self._get_terms()
        for band, low, high, _rate in terms["bands"]:
            if attainment >= low and (high is None or attainment < high):
                return band
        return self.env["rebate.program.band"]

    def _compute_rebate(
        self, base, target, special_bases=None, growth_base=None, multiplier=100, terms=None
    ):
        """The rebate of one partner for one period, as a dict of its components.

        Pure function of its arguments and the program's terms: used by settlements,
        true-ups, accruals and projections alike. Amounts are Decimals, rounded to the
        company currency; ``attainment`` is a percentage (None without a target). Pass
        ``terms`` (``_get_terms()``) when computing many partners.
        """
        self.ensure_one()
        terms = terms or self._get_terms()

        def rounded(value):
            return value.quantize(terms["quantum"], rounding=ROUND_HALF_UP)

        base = to_decimal(base)
        target = to_decimal(target) if target else None
        result = {
            "base_amount": rounded(base),
            "target_amount": rounded(target or Decimal(0)),
            "attainment": None,
            "band": self.env["rebate.program.band"],
            "band_rate": Decimal(0),
            "base_rebate": Decimal(0),
            "growth_base": rounded(to_decimal(growth_base)),
            "growth_rebate": Decimal(0),
            "special_rebate": Decimal(0),
            "multiplier": to_decimal(multiplier),
            "capped": False,
            "total": Decimal(0),
            "warning": False,
        }
        if target:
            # exact comparison of base against target × band limit: no float drift at 80%
            attainment = base * HUNDRED / target
            result["attainment"] = attainment
            band = self._find_band(attainment, terms)
            result["band"] = band
            result["band_rate"] = to_decimal(band.rate) if band else Decimal(0)
            if terms["mode"] == "whole":
                result["base_rebate"] = rounded(max(base, 0) * result["band_rate"] / HUNDRED)
            else:
                rebate = Decimal(0)
                for _band, low_pct, high_pct, rate in terms["bands"]:
                    low = target * low_pct / HUNDRED
                    top = base if high_pct is None else min(base, target * high_pct / HUNDRED)
                    if top > low:
                        rebate += (top - low) * rate / HUNDRED
                result["base_rebate"] = rounded(rebate)
        elif base:
            result["warning"] = self.env._("No target for this period: no attainment rebate.")
        if terms["growth_rate"] and growth_base is not None and to_decimal(growth_base) > 0:
            # no sales a year earlier: nothing to grow from, no growth rebate
            growth = base - to_decimal(growth_base)
            if growth > 0:
                result["growth_rebate"] = rounded(growth * terms["growth_rate"] / HUNDRED)
        effective_rate = result["base_rebate"] * HUNDRED / base if base > 0 else Decimal(0)
        special_rebate = Decimal(0)
        for special_id, rate_type, rate, factor in terms["specials"]:
            special_base = to_decimal((special_bases or {}).get(special_id, 0))
            if special_base > 0:
                extra = effective_rate * (factor - 1) if rate_type == "multiple" else rate
                special_rebate += special_base * extra / HUNDRED
        result["special_rebate"] = rounded(special_rebate)
        subtotal = result["base_rebate"] + result["growth_rebate"] + result["special_rebate"]
        total = rounded(subtotal * result["multiplier"] / HUNDRED)
        if terms["cap"] is not None and total > terms["cap"]:
            total = rounded(terms["cap"])
            result["capped"] = True
        result["total"] = total
        return result

    def _compute_partner_rebates(
        self, date_from, date_to, partners=None, uncounted=True, items=None
    ):
        """{partner id: rebate components} for every partner of the period with sales, a
        target or sales left out, with a fixed number of queries whatever the number of
        partners. ``items``: the period's items already materialized (settlements)."""
        self.ensure_one()
        if partners is None:
            partners = self._get_eligible_partners(date_from)
        bases = self._get_bases(date_from, date_to, partners.ids, uncounted=uncounted, items=items)
        targets = self._get_targets(date_from, partners.ids)
        growth = self._get_growth_bases(date_from, date_to, partners.ids)
        excluded = self._get_conflict_excluded_bases(date_from, date_to, partners.ids)
        multipliers = self._get_partner_multipliers(partners)
        terms = self._get_terms()
        result = {}
        for partner_id in sorted(set(bases) | set(targets) | set(excluded)):
            entry = bases.get(partner_id, {"base": Decimal(0), "specials": {}, "count": 0})
            values = self._compute_rebate(
                entry["base"],
                targets.get(partner_id),
                entry["specials"],
                growth.get(partner_id, Decimal(0)) if self.growth_rate else None,
                multipliers.get(partner_id, 100.0),
                terms=terms,
            )
            values["special_bases"] = entry["specials"]
            values["item_count"] = entry["count"]
            values["conflict_excluded"] = excluded.get(partner_id, Decimal(0))
            result[partner_id] = values
        return result

    # === BUSINESS METHODS: true-up === #
    def _get_pending_adjustments(self, before, partners=None):
        """True-ups of the periods settled (approved or paid) before ``before``.

        A journal item changes a settled period when it was posted later with a reference
        date in it (a credit note reversing one of its invoices, a back-dated invoice), or
        when an item counted then is no longer what it was (its invoice cancelled or reset,
        more of it paid on a paid basis), or when the territory conflict of its order was
        decided since (accepted: the item now counts; reopened or penalised: it no longer
        does). For each affected partner and period the period's rebate is recomputed with
        the multiplier frozen on the period's line and compared with what was settled for
        it so far.

        Returns a list of dicts: partner_id, settlement (the one of the adjusted period),
        date_from, date_to, settled, recomputed (components), adjustment, base_delta,
        deltas [(move_line_id, amount, kind)].
        """
        self.ensure_one()
        Settlement = self.env["rebate.settlement"].sudo()
        settled = Settlement.search(
            [
                ("program_id", "=", self.id),
                ("state", "in", SETTLED_STATES),
                ("date_to", "<", before),
            ],
            order="date_from",
        )
        if not settled:
            return []
        by_start = {s.date_from: s for s in settled}
        partner_filter = set(partners.ids) if partners is not None else None
        # the settled lines in one query, whatever their number
        settled_lines = (
            self.env["rebate.settlement.line"]
            .sudo()
            .search_fetch(
                [("settlement_id", "in", settled.ids)],
                ["partner_id", "line_type", "period_date_from", "growth_base", "multiplier"],
            )
        )
        # partners of the settled periods: eligible now, or settled then
        period_partners = self._get_eligible_partners().ids + settled_lines.partner_id.ids
        period_partners = [
            p for p in set(period_partners) if partner_filter is None or p in partner_filter
        ]
        if not period_partners:
            return []
        ranges = [(s.date_from, s.date_to) for s in settled]
        deltas = self._get_item_deltas(ranges, period_partners, before)
        if not deltas:
            return []
        # group deltas by (partner, period start)
        affected = defaultdict(list)
        for row in deltas:
            affected[(row["partner_id"], row["period_from"])].append(row)
        keys = list(affected)
        settled_bases = self._get_settled_bases(keys, before)
        settled_totals = self._get_settled_totals(keys, before)
        special_products = {special.id: set(pids) for special, pids in self._get_special_products()}
        targets = defaultdict(dict)
        for period_from in {k[1] for k in keys}:
            targets[period_from] = self._get_targets(
                period_from, [k[0] for k in keys if k[1] == period_from]
            )
        regular_lines = {
            (line.partner_id.id, line.period_date_from): line
            for line in settled_lines
            if line.line_type == "regular"
        }
        missing_growth = defaultdict(list)
        for partner_id, period_from in keys:
            if (partner_id, period_from) not in regular_lines:
                missing_growth[period_from].append(partner_id)
        growth_fresh = {
            period_from: self._get_growth_bases(period_from, by_start[period_from].date_to, pids)
            for period_from, pids in missing_growth.items()
        }
        multipliers = self._get_partner_multipliers(
            self.env["res.partner"].browse({k[0] for k in keys})
        )
        terms = self._get_terms()
        result = []
        for key in keys:
            partner_id, period_from = key
            rows = affected[key]
            settlement = by_start[period_from]
            base_before, specials_before = settled_bases.get(key, (Decimal(0), {}))
            base_delta = sum((to_decimal(r["delta"]) for r in rows), Decimal(0))
            specials = dict(specials_before)
            for row in rows:
                for special_id, pids in special_products.items():
                    if row["product_id"] in pids:
                        specials[special_id] = specials.get(special_id, Decimal(0)) + to_decimal(
                            row["delta"]
                        )
            line = regular_lines.get(key)
            if line:
                growth_base = to_decimal(line.growth_base) if self.growth_rate else None
                multiplier = line.multiplier
            else:
                growth_base = (
                    growth_fresh.get(period_from, {}).get(partner_id, Decimal(0))
                    if self.growth_rate
                    else None
                )
                multiplier = multipliers.get(partner_id, 100.0)
            recomputed = self._compute_rebate(
                base_before + base_delta,
                targets[period_from].get(partner_id),
                specials,
                growth_base,
                multiplier,
                terms=terms,
            )
            already = settled_totals.get(key, Decimal(0))
            result.append(
                {
                    "partner_id": partner_id,
                    "settlement": settlement,
                    "date_from": settlement.date_from,
                    "date_to": settlement.date_to,
                    "settled": already,
                    "recomputed": recomputed,
                    "adjustment": recomputed["total"] - already,
                    "base_delta": base_delta,
                    "deltas": [(r["move_line_id"], r["delta"], r["kind"]) for r in rows],
                }
            )
        return result

    def _get_item_deltas(self, ranges, partner_ids, before):
        """Journal items of settled periods whose counted amount differs from what they
        count for now: new items (kind count) and changed or cancelled ones (kind
        correction). One query for all periods and partners."""
        self.ensure_one()
        period_of = SQL(
            "(SELECT r.f FROM unnest(%s::date[], %s::date[]) AS r(f, t) "
            "WHERE items.ref_date BETWEEN r.f AND r.t LIMIT 1)",
            [r[0] for r in ranges],
            [r[1] for r in ranges],
        )
        new_items = self._items_query(None, None, partner_ids, uncounted=True, ranges=ranges)
        scope = self._scope_sql(min(r[0] for r in ranges), max(r[1] for r in ranges))
        rows = self._execute(
            SQL(
                """
                WITH settled AS MATERIALIZED (
                    SELECT src.move_line_id, line.partner_id, line.period_date_from,
                           SUM(src.amount) AS amount
                      FROM rebate_settlement_source src
                      JOIN rebate_settlement_line line ON line.id = src.settlement_line_id
                     WHERE src.program_key = %(program)s AND NOT src.cancelled
                       AND line.period_date_from < %(before)s
                       AND line.partner_id = ANY(%(partners)s)
                     GROUP BY src.move_line_id, line.partner_id, line.period_date_from
                ),
                current AS (
                    SELECT settled.move_line_id, settled.partner_id, settled.period_date_from,
                           aml.product_id, settled.amount AS settled_amount,
                           CASE WHEN move.state = 'posted'
                                 AND move.move_type IN ('out_invoice', 'out_refund')
                                 AND aml.display_type = 'product' AND %(scope)s
                                THEN %(amount)s ELSE 0 END AS amount
                      FROM settled
                      JOIN account_move_line aml ON aml.id = settled.move_line_id
                      JOIN account_move move ON move.id = aml.move_id
                )
                SELECT move_line_id, partner_id, period_date_from, product_id,
                       amount - settled_amount, 'correction'
                  FROM current WHERE amount <> settled_amount
                UNION ALL
                SELECT items.move_line_id, items.partner_id, %(period_of)s, items.product_id,
                       items.amount, 'count'
                  FROM (%(new_items)s) items
                """,
                program=self.id,
                before=before,
                partners=list(partner_ids),
                scope=scope,
                amount=self._amount_sql("move"),
                period_of=period_of,
                new_items=new_items,
            )
        )
        return [
            {
                "move_line_id": move_line_id,
                "partner_id": partner_id,
                "period_from": period_from,
                "product_id": product_id,
                "delta": to_decimal(delta),
                "kind": kind,
            }
            for move_line_id, partner_id, period_from, product_id, delta, kind in rows
            if period_from and delta
        ]

    def _get_settled_bases(self, keys, before):
        """{(partner id, period start): (base, {special id: base})} counted so far."""
        self.ensure_one()
        if not keys:
            return {}
        special_map = self._special_map_sql()
        specials_part = (
            SQL(
                """UNION ALL
                SELECT s.partner_id, s.period_date_from, sp.special_id, SUM(s.amount)
                  FROM s JOIN (%s) sp ON sp.product_id = s.product_id
                 GROUP BY s.partner_id, s.period_date_from, sp.special_id""",
                special_map,
            )
            if special_map
            else SQL()
        )
        rows = self._execute(
            SQL(
                """
                WITH s AS MATERIALIZED (
                    SELECT line.partner_id, line.period_date_from, aml.product_id, src.amount
                      FROM rebate_settlement_source src
                      JOIN rebate_settlement_line line ON line.id = src.settlement_line_id
                      JOIN account_move_line aml ON aml.id = src.move_line_id
                     WHERE src.program_key = %(program)s AND NOT src.cancelled
                       AND line.period_date_from < %(before)s
                       AND (line.partner_id, line.period_date_from) IN (
                            SELECT * FROM unnest(%(pids)s::int[], %(froms)s::date[]))
                )
                SELECT partner_id, period_date_from, NULL::int, SUM(amount)
                  FROM s GROUP BY partner_id, period_date_from
                %(specials)s
                """,
                program=self.id,
                before=before,
                pids=[k[0] for k in keys],
                froms=[k[1] for k in keys],
                specials=specials_part,
            )
        )
        result = {}
        for partner_id, period_from, special_id, amount in rows:
            base, specials = result.setdefault((partner_id, period_from), (Decimal(0), {}))
            if special_id is None:
                result[(partner_id, period_from)] = (to_decimal(amount), specials)
            else:
                specials[special_id] = to_decimal(amount)
        return result

    def _get_settled_totals(self, keys, before):
        """{(partner id, period start): rebate settled so far} over non-cancelled lines."""
        self.ensure_one()
        rows = self._execute(
            SQL(
                """
                SELECT line.partner_id, line.period_date_from, SUM(line.total)
                  FROM rebate_settlement_line line
                  JOIN rebate_settlement s ON s.id = line.settlement_id
                 WHERE s.program_id = %(program)s AND s.state <> 'cancelled'
                   AND line.period_date_from < %(before)s
                   AND (line.partner_id, line.period_date_from) IN (
                        SELECT * FROM unnest(%(pids)s::int[], %(froms)s::date[]))
                 GROUP BY line.partner_id, line.period_date_from
                """,
                program=self.id,
                before=before,
                pids=[k[0] for k in keys],
                froms=[k[1] for k in keys],
            )
        )
        return {(p, f): to_decimal(total) for p, f, total in rows}

    # === BUSINESS METHODS: accrual === #
    def _get_accrual_values(self, today=None, partners=None):
        """Live figures of the current open period of active programs: a list of dicts
        (program, partner_id, date_from, date_to, base, target, attainment, earned,
        projected, pending_adjustment, liability)."""
        today = today or fields.Date.context_today(self)
        result = []
        for program in self.filtered(lambda p: p.state == "active"):
            period = program._get_current_period(today)
            if not period:
                continue
            date_from, date_to = period
            eligible = program._get_eligible_partners(date_from)
            if partners is not None:
                eligible &= partners
            if not eligible:
                continue
            rebates = program._compute_partner_rebates(
                date_from, date_to, eligible, uncounted=False
            )
            pending = defaultdict(Decimal)
            for adjustment in program._get_pending_adjustments(date_from, eligible):
                pending[adjustment["partner_id"]] += adjustment["adjustment"]
            days = Decimal((date_to - date_from).days + 1)
            elapsed = Decimal(max((min(today, date_to) - date_from).days + 1, 1))
            factor = days / elapsed
            terms = program._get_terms()
            for partner_id in sorted(set(rebates) | set(pending)):
                values = rebates.get(partner_id) or program._compute_rebate(0, None, terms=terms)
                projected = program._compute_rebate(
                    values["base_amount"] * factor,
                    values["target_amount"] or None,
                    {k: v * factor for k, v in values.get("special_bases", {}).items()},
                    values["growth_base"] if program.growth_rate else None,
                    values["multiplier"],
                    terms=terms,
                )
                result.append(
                    {
                        "program": program,
                        "partner_id": partner_id,
                        "date_from": date_from,
                        "date_to": date_to,
                        "base": values["base_amount"],
                        "target": values["target_amount"],
                        "attainment": values["attainment"],
                        "band_rate": values["band_rate"],
                        "earned": values["total"],
                        "projected": projected["total"],
                        "pending_adjustment": pending.get(partner_id, Decimal(0)),
                        "liability": values["total"] + pending.get(partner_id, Decimal(0)),
                    }
                )
        return result
