from psycopg2.errors import LockNotAvailable

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

CHANNEL_GROUP = "sales_pm_collab.group_collab_channel_manager"
FINANCE_GROUP = "sales_pm_collab.group_collab_finance"
# what the partner (or a user for it) fills in while the claim is a draft
CLAIM_FIELDS = {"partner_id", "program_id", "amount", "purpose", "description", "attachment_ids"}


class RebateFundClaim(models.Model):
    """A partner's claim on its special fund (专项基金): an amount, a purpose and proof.
    The channel manager checks it, the Rebate Accountant approves it: approval pays the
    partner (a vendor bill or a credit note, as the program says) and uses the fund (a
    `use` row of the ledger, under a lock of the partner's balance); or it is rejected
    with a reason."""

    _name = "rebate.fund.claim"
    _description = "Rebate Fund Claim"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # what the partner's claim pages show (not who checked or approved it in the company,
    # the accounting entry or the fund's balance moves)
    _portal_fields = (
        "name",
        "partner_id",
        "program_id",
        "company_id",
        "currency_id",
        "amount",
        "purpose",
        "description",
        "attachment_ids",
        "state",
        "reject_reason",
        "submitted_date",
        "access_url",
        "access_token",
    )
    _system_fields = (
        "name",
        "state",
        "company_id",
        "reject_reason",
        "move_id",
        "submitted_date",
        "checked_uid",
        "checked_date",
        "approved_uid",
        "approved_date",
        "balance_move_ids",
    )

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    program_id = fields.Many2one(
        "rebate.program",
        string="Fund Program",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('payout', '=', 'fund')]",
    )
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True)
    purpose = fields.Selection(
        [
            ("exhibition", "Exhibition"),
            ("advertising", "Advertising"),
            ("training", "Training"),
            ("promotion", "Store promotion"),
            ("other", "Other"),
        ],
        required=True,
        default="exhibition",
        tracking=True,
    )
    description = fields.Text(help="What the fund paid for: event, media, dates, people.")
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "rebate_fund_claim_attachment_rel",
        "claim_id",
        "attachment_id",
        string="Proof",
        help="Invoices, contracts, photos of the event: at least one document.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("checked", "Checked"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    move_id = fields.Many2one(
        "account.move", string="Bill / Credit Note", readonly=True, copy=False
    )
    balance_move_ids = fields.One2many("rebate.balance.move", "claim_id", readonly=True)
    fund_available = fields.Monetary(
        compute="_compute_fund_available",
        help="The partner's special fund of this program, not yet used.",
    )
    submitted_date = fields.Datetime(readonly=True, copy=False)
    checked_uid = fields.Many2one("res.users", string="Checked by", readonly=True, copy=False)
    checked_date = fields.Datetime(string="Checked on", readonly=True, copy=False)
    approved_uid = fields.Many2one("res.users", string="Approved by", readonly=True, copy=False)
    approved_date = fields.Datetime(string="Approved on", readonly=True, copy=False)

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "A fund claim asks for an amount above zero."
    )

    # === COMPUTE === #
    @api.depends("partner_id", "program_id")
    def _compute_fund_available(self):
        Move = self.env["rebate.balance.move"]
        for claim in self:
            if not (claim.partner_id and claim.program_id):
                claim.fund_available = 0.0
                continue
            claim.fund_available = Move._get_partner_balance(
                claim.partner_id.commercial_partner_id,
                "fund",
                claim.program_id.sudo().company_id,
                claim.program_id,
            )

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for claim in self:
            claim.access_url = f"/my/fund/claims/{claim.id}"
        return result

    # === CONSTRAINTS === #
    @api.constrains("program_id")
    def _check_fund_program(self):
        for claim in self:
            if claim.program_id.payout != "fund":
                raise ValidationError(
                    self.env._(
                        "Fund claims are paid from a special fund: %(program)s does not pay "
                        "its rebate into one.",
                        program=claim.program_id.name,
                    )
                )

    @api.constrains("partner_id")
    def _check_commercial_partner(self):
        for claim in self:
            if claim.partner_id != claim.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "A fund claim is filed for the partner company (%(company)s), not one "
                        "of its contacts.",
                        company=claim.partner_id.commercial_partner_id.display_name,
                    )
                )

    # === CRUD === #
    @api.model_create_multi
    def create(self, vals_list):
        claims = super().create(vals_list)
        for claim in claims:
            claim._write_system(
                {"name": self.env["ir.sequence"].next_by_code("rebate.fund.claim") or "/"}
            )
        return claims

    def write(self, vals):
        business = set(vals) & CLAIM_FIELDS
        if business and not self.env.su:
            locked = self.filtered(lambda c: c.state != "draft")
            if locked:
                raise UserError(
                    self.env._(
                        "Fund claim %(ref)s is %(state)s: only a draft can be changed.",
                        ref=locked[0].name,
                        state=locked[0]._state_label(),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda c: c.state != "draft"):
            raise UserError(self.env._("Only draft fund claims can be deleted; reject the others."))

    # === ACTIONS === #
    def action_submit(self):
        self.check_access("write")
        for claim in self:
            claim._lock_claim()
            if claim.state != "draft":
                raise UserError(
                    self.env._("Fund claim %(ref)s was already submitted.", ref=claim.name)
                )
            claim._check_claimable()
        self._write_system({"state": "submitted", "submitted_date": fields.Datetime.now()})
        return True

    def action_check(self):
        self._check_role([CHANNEL_GROUP], self.env._("Only channel managers check fund claims."))
        self.check_access("write")
        for claim in self:
            claim._lock_claim()
            if claim.state != "submitted":
                raise UserError(
                    self.env._(
                        "Only submitted fund claims can be checked; %(ref)s is %(state)s.",
                        ref=claim.name,
                        state=claim._state_label(),
                    )
                )
        self._write_system(
            {"state": "checked", "checked_uid": self.env.uid, "checked_date": fields.Datetime.now()}
        )
        return True

    def action_approve(self):
        """Pay the claim (vendor bill or credit note) and use the fund, exactly once."""
        self._check_role(
            [FINANCE_GROUP], self.env._("Only Rebate Accountants approve fund claims.")
        )
        self.check_access("write")
        Move = self.env["rebate.balance.move"]
        for claim in self:
            claim._lock_claim()
            if claim.state != "checked":
                raise UserError(
                    self.env._(
                        "Fund claim %(ref)s is %(state)s: only a claim checked by the channel "
                        "manager can be approved, and only once.",
                        ref=claim.name,
                        state=claim._state_label(),
                    )
                )
            Move._lock_partner_balance(claim.partner_id)
            claim._check_claimable()
            move = claim._create_payout_move()
            Move._record(
                [
                    {
                        "partner_id": claim.partner_id.id,
                        "program_id": claim.program_id.id,
                        "company_id": claim.company_id.id,
                        "payout": "fund",
                        "kind": "use",
                        "amount": -claim.amount,
                        "claim_id": claim.id,
                        "date": fields.Date.context_today(claim),
                        "note": claim.name,
                    }
                ]
            )
            claim._write_system(
                {
                    "state": "approved",
                    "move_id": move.id,
                    "approved_uid": self.env.uid,
                    "approved_date": fields.Datetime.now(),
                }
            )
        return True

    def _reject(self, reason):
        """Reject with the reason the partner reads (the reject wizard calls this)."""
        self._check_role(
            [CHANNEL_GROUP, FINANCE_GROUP],
            self.env._("Only channel managers and Rebate Accountants reject fund claims."),
        )
        self.check_access("write")
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the fund claim is rejected: the partner reads it."))
        for claim in self:
            claim._lock_claim()
            if claim.state not in ("submitted", "checked"):
                raise UserError(
                    self.env._(
                        "Only submitted or checked fund claims can be rejected; %(ref)s is "
                        "%(state)s.",
                        ref=claim.name,
                        state=claim._state_label(),
                    )
                )
        self._write_system({"state": "rejected", "reject_reason": reason.strip()})
        for claim in self:
            claim.message_post(
                body=self.env._("Fund claim rejected: %(reason)s", reason=reason.strip()),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=claim.partner_id.ids,
            )
        return True

    def action_open_reject_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Fund Claim"),
            "res_model": "rebate.fund.claim.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids},
        }

    def action_view_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "form",
            "res_id": self.move_id.id,
        }

    # === BUSINESS METHODS === #
    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state].lower()

    def _lock_claim(self):
        """Lock the claim row at once or say someone else is on it (a second click)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM rebate_fund_claim WHERE id = %s FOR UPDATE NOWAIT", self.id)
                )
        except LockNotAvailable:
            raise UserError(
                self.env._(
                    "Fund claim %(ref)s is being processed by someone else right now; reload "
                    "in a moment.",
                    ref=self.name,
                )
            ) from None
        self.invalidate_recordset()

    def _check_claimable(self):
        """Amount above zero, proof attached, within the partner's available fund."""
        self.ensure_one()
        currency = self.currency_id
        if currency.compare_amounts(self.amount, 0) <= 0:
            raise ValidationError(self.env._("A fund claim asks for an amount above zero."))
        if not self.attachment_ids:
            raise ValidationError(
                self.env._(
                    "Fund claim %(ref)s has no proof: attach the invoices, contracts or photos "
                    "of what the fund paid for.",
                    ref=self.name,
                )
            )
        available = self.env["rebate.balance.move"]._get_partner_balance(
            self.partner_id, "fund", self.company_id, self.program_id
        )
        if currency.compare_amounts(self.amount, available) > 0:
            raise ValidationError(
                self.env._(
                    "Fund claim %(ref)s asks for %(amount)s, above the %(available)s left in "
                    "the %(program)s fund of %(partner)s.",
                    ref=self.name,
                    amount=format_amount(self.env, self.amount, currency),
                    available=format_amount(self.env, available, currency),
                    program=self.program_id.sudo().name,
                    partner=self.partner_id.display_name,
                )
            )

    def _create_payout_move(self):
        """The vendor bill (or credit note) paying the claim to the partner."""
        self.ensure_one()
        program = self.program_id.sudo()
        if not program.journal_id or not program.product_id:
            raise UserError(
                self.env._(
                    "Rebate program %(name)s needs a journal and a rebate product to pay fund "
                    "claims: set them on the program (Payout tab).",
                    name=program.name,
                )
            )
        credit_note = program._get_move_payout() == "credit_note"
        move = self.env["account.move"].create(
            {
                "move_type": "out_refund" if credit_note else "in_invoice",
                "partner_id": self.partner_id.id,
                "journal_id": program.journal_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "invoice_date": fields.Date.context_today(self),
                "ref": f"{self.name} – {program.name}",
                "invoice_origin": self.name,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": program.product_id.id,
                            "name": self.env._(
                                "Special fund claim %(ref)s: %(purpose)s",
                                ref=self.name,
                                purpose=dict(
                                    self._fields["purpose"]._description_selection(self.env)
                                )[self.purpose],
                            ),
                            "quantity": 1,
                            "price_unit": self.amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move._write_system({"rebate_fund_claim_id": self.id})
        if program.post_moves:
            move.action_post()
        return move

    # === PORTAL === #
    @api.model
    def _portal_summary(self, partner):
        """What the portal shows a partner (its commercial entity `partner`): balances
        [{program, payout, amount}], its ledger rows and its fund claims, newest first."""
        partner = partner.commercial_partner_id
        Move = self.env["rebate.balance.move"].sudo()
        balances = []
        for payout in ("fund", "order_deduction"):
            for company in self.env.user.company_ids:
                for (_partner, program), amount in Move._get_balances(
                    partner, payout, company
                ).items():
                    balances.append(
                        {
                            "program": program.sudo().name,
                            "program_id": program.id,
                            "payout": payout,
                            "payout_label": dict(
                                Move._fields["payout"]._description_selection(self.env)
                            )[payout],
                            "amount": amount,
                            "currency": company.currency_id,
                        }
                    )
        rows = Move.search([("partner_id", "=", partner.id)], limit=80)
        claims = self.sudo().search([("partner_id", "=", partner.id)])
        return {"balances": balances, "rows": rows, "claims": claims}

    @api.model
    def _portal_fund_programs(self, partner):
        """The fund programs a partner may claim on: those that credited its fund."""
        partner = partner.commercial_partner_id
        rows = (
            self.env["rebate.balance.move"]
            .sudo()
            ._read_group(
                [("partner_id", "=", partner.id), ("payout", "=", "fund")],
                ["program_id"],
                ["amount:sum"],
            )
        )
        return [(program.sudo(), amount) for program, amount in rows]

    @api.model
    def _portal_file_claim(self, partner, values, files):
        """File and submit a claim from the portal for the commercial `partner`: the
        program must be one of its funds, the amount above zero and within the fund, one
        document at least (files: [(name, bytes, mimetype)]). Raises ValidationError with
        what to fix; creates nothing then."""
        partner = partner.commercial_partner_id
        programs = dict((p.id, p) for p, _amount in self._portal_fund_programs(partner))
        try:
            program_id = int(values.get("program_id") or 0)
        except ValueError:
            program_id = 0
        if program_id not in programs:
            raise ValidationError(self.env._("Choose one of your special funds."))
        try:
            amount = float(values.get("amount") or 0)
        except ValueError:
            amount = 0.0
        if amount <= 0 or amount > 1e12:
            raise ValidationError(self.env._("Enter the amount claimed, above zero."))
        purposes = dict(self._fields["purpose"]._description_selection(self.env))
        purpose = values.get("purpose")
        if purpose not in purposes:
            raise ValidationError(self.env._("Choose the purpose of the claim."))
        description = (values.get("description") or "").strip()[:4000]
        files = [f for f in files if f[1]]
        if not files:
            raise ValidationError(
                self.env._("Attach the invoices, contracts or photos of what the fund paid for.")
            )
        if any(len(content) > 10 * 1024 * 1024 for _name, content, _mime in files):
            raise ValidationError(self.env._("Each document may be up to 10 MB."))
        with self.env.cr.savepoint():
            claim = self.sudo().create(
                {
                    "partner_id": partner.id,
                    "program_id": program_id,
                    "amount": amount,
                    "purpose": purpose,
                    "description": description,
                }
            )
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {
                            "name": name[:200] or "document",
                            "raw": content,
                            "res_model": self._name,
                            "res_id": claim.id,
                        }
                        for name, content, _mime in files
                    ]
                )
            )
            claim.write({"attachment_ids": [Command.set(attachments.ids)]})
            claim.action_submit()
            claim.message_post(
                body=self.env._("Claim filed on the portal."),
                author_id=self.env.user.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return claim
