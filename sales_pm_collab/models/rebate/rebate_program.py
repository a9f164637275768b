from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

# settlement states whose figures are final: later changes become true-up adjustments
SETTLED_STATES = ("approved", "done")


def to_decimal(value):
    """Amounts as exact decimals (floats from the ORM, Decimals from SQL)."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


class RebateProgram(models.Model):
    """A rebate program: who is eligible, what counts, the terms (bands, growth and
    special rebates, level multiplier, cap) and the payout. Beside this file: its terms,
    frozen once settled (`rebate_program_terms`), its periods (`rebate_program_period`),
    the journal items it counts
    (`rebate_program_items`), the band math (`rebate_program_compute`), true-ups
    (`rebate_program_trueup`) and accruals (`rebate_program_accrual`)."""

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
    # === who is eligible === #
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
    # === when === #
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
    # === what counts === #
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
    # === how much === #
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
    # === payout === #
    payout = fields.Selection(
        [
            ("credit_note", "Credit note"),
            ("vendor_bill", "Vendor bill"),
            ("order_deduction", "Deduction on orders"),
            ("fund", "Special fund"),
        ],
        required=True,
        default="credit_note",
        tracking=True,
        help="Credit note: deducted from what the partner owes.\nVendor bill: paid out in "
        "cash.\nDeduction on orders (抵扣货款): credits the partner's rebate balance, "
        "which salespeople deduct on its next quotations as a discount line.\nSpecial "
        "fund (专项基金): credits the partner's fund, spent through approved fund claims "
        "(exhibitions, advertising, training).",
    )
    journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        tracking=True,
        domain="[('type', '=', 'sale' if (payout == 'credit_note' or (payout == 'fund' "
        "and fund_move_type == 'credit_note')) else 'purchase')]",
        help="Journal of the credit notes or bills created for this program (for a special "
        "fund: of the approved claims).",
    )
    deduction_max_percent = fields.Float(
        string="Max Deduction per Order (%)",
        digits=(5, 2),
        default=100.0,
        tracking=True,
        help="Highest share of a quotation's untaxed amount the rebate balance may take "
        "off (100%: the whole order).",
    )
    balance_validity_months = fields.Integer(
        string="Balance Valid (Months)",
        tracking=True,
        help="Months a credited balance stays usable after the settlement pays it in; "
        "unused balance then expires (the partner is reminded 30 days before). 0: never "
        "expires.",
    )
    fund_move_type = fields.Selection(
        [("vendor_bill", "Vendor bill"), ("credit_note", "Credit note")],
        string="Fund Claims Paid By",
        default="vendor_bill",
        tracking=True,
        help="An approved fund claim is paid to the partner by a vendor bill (cash) or a "
        "credit note (taken off what it owes).",
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
    _deduction_max_percent_check = models.Constraint(
        "CHECK(deduction_max_percent > 0 AND deduction_max_percent <= 100)",
        "The highest deduction per order must be more than 0 and at most 100%.",
    )
    _balance_validity_check = models.Constraint(
        "CHECK(balance_validity_months IS NULL OR balance_validity_months >= 0)",
        "The validity of a rebate balance cannot be negative; 0 means it never expires.",
    )
    _cap_amount_check = models.Constraint(
        "CHECK(cap_amount IS NULL OR cap_amount >= 0)",
        "The cap of a rebate program cannot be negative; leave it empty for no cap.",
    )

    # === COMPUTE METHODS === #
    def _compute_counts(self):
        targets = self._count_by("rebate.target", "program_id")
        settlements = self._count_by("rebate.settlement", "program_id")
        for program in self:
            program.target_count = targets.get(program, 0)
            program.settlement_count = settlements.get(program, 0)

    def _compute_terms_locked(self):
        locked = self._get_locking_settlements()
        for program in self:
            program.terms_locked = bool(locked.get(program.id))

    # === CONSTRAINT METHODS === #
    @api.constrains("payout", "journal_id", "fund_move_type")
    def _check_journal_type(self):
        for program in self.filtered("journal_id"):
            if program.payout == "order_deduction":
                continue
            credit_note = program._get_move_payout() == "credit_note"
            expected = "sale" if credit_note else "purchase"
            if program.journal_id.type != expected:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s pays out as %(payout)s: choose a %(type)s "
                        "journal, not %(journal)s.",
                        name=program.name,
                        payout=self.env._("credit notes")
                        if credit_note
                        else self.env._("vendor bills"),
                        type=self.env._("sales") if expected == "sale" else self.env._("purchase"),
                        journal=program.journal_id.display_name,
                    )
                )

    # === CRUD METHODS === #
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
        return self._window_action(
            "sales_pm_collab.rebate_settlement_action",
            domain=[("program_id", "=", self.id)],
            context={"default_program_id": self.id},
        )

    def action_view_targets(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.rebate_target_action",
            domain=[("program_id", "=", self.id)],
            context={"default_program_id": self.id},
        )

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

    # === BUSINESS METHODS: payout === #
    def _get_move_payout(self):
        """The kind of move the program creates: credit_note or vendor_bill (a fund pays
        its claims as the program says; order deductions create none)."""
        self.ensure_one()
        if self.payout == "fund":
            return self.fund_move_type or "vendor_bill"
        return self.payout

    # === BUSINESS METHODS: who and what counts === #
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

    def _get_targets(self, date_from, partner_ids=None):
        """{partner id: target amount} for the period starting on ``date_from``."""
        self.ensure_one()
        domain = Domain("program_id", "=", self.id) & Domain("date_from", "=", date_from)
        if partner_ids is not None:
            domain &= Domain("partner_id", "in", list(partner_ids))
        rows = self.env["rebate.target"].sudo()._read_group(domain, ["partner_id"], ["amount:sum"])
        return {partner.id: to_decimal(amount) for partner, amount in rows}

    # === BUSINESS METHODS: the rebates of a period === #
    def _get_partner_rebates(self, date_from, date_to, partners=None, uncounted=True, items=None):
        """{partner id: rebate components} for every partner of the period with sales, a
        target or sales left out, with a fixed number of queries whatever the number of
        partners. ``items``: the period's items already materialized (settlements)."""
        self.ensure_one()
        if partners is None:
            partners = self._get_eligible_partners(date_from)
        bases = self._get_bases(date_from, date_to, partners.ids, uncounted=uncounted, items=items)
        targets = self._get_targets(date_from, partners.ids)
        growth = self._get_growth_bases(date_from, date_to, partners.ids, items=items)
        excluded = self._get_conflict_excluded_bases(date_from, date_to, partners.ids, items=items)
        multipliers = self._get_partner_multipliers(partners)
        terms = self._get_terms()
        result = {}
        for partner_id in sorted(set(bases) | set(targets) | set(excluded)):
            entry = bases.get(partner_id, {"base": Decimal(0), "specials": {}, "count": 0})
            values = self._get_rebate(
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
