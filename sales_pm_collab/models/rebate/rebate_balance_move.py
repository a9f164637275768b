from dateutil.relativedelta import relativedelta
from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount

# program payouts that credit a partner rebate balance instead of a credit note or bill
BALANCE_PAYOUTS = ("order_deduction", "fund")


class RebateBalanceMove(models.Model):
    """The ledger of the partner rebate balances (抵扣货款 and 专项基金): one row per credit
    (a settlement paid into the balance), use (an order's deduction, an approved fund
    claim), expiry or reversal, signed, in company currency. Rows are written by the
    server's workflows only and never changed nor deleted: a balance is the grouped sum
    of its rows (`_get_balances`), never a stored running total."""

    _name = "rebate.balance.move"
    _description = "Rebate Balance Move"
    _inherit = ["collab.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"
    # what the partner's fund page shows of its balance moves (not the settlement line,
    # order or note behind a move)
    _portal_fields = (
        "partner_id",
        "program_id",
        "company_id",
        "currency_id",
        "payout",
        "kind",
        "amount",
        "date",
        "expires_on",
        "claim_id",
    )
    _system_fields = (
        "partner_id",
        "program_id",
        "company_id",
        "payout",
        "settlement_line_id",
        "amount",
        "kind",
        "sale_order_id",
        "claim_id",
        "date",
        "expires_on",
        "note",
    )

    partner_id = fields.Many2one("res.partner", required=True, index=True, readonly=True)
    program_id = fields.Many2one(
        "rebate.program",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    payout = fields.Selection(
        [("order_deduction", "Order deduction"), ("fund", "Special fund")],
        string="Balance",
        required=True,
        readonly=True,
        help="The balance the row belongs to: deduction on orders (抵扣货款) or special "
        "fund (专项基金).",
    )
    kind = fields.Selection(
        [
            ("credit", "Credit"),
            ("use", "Use"),
            ("expiry", "Expiry"),
            ("reversal", "Reversal"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    amount = fields.Monetary(
        required=True, readonly=True, help="Positive adds to the balance, negative takes off."
    )
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    expires_on = fields.Date(readonly=True, help="Unused credit expires after this day.")
    settlement_line_id = fields.Many2one(
        "rebate.settlement.line", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    settlement_id = fields.Many2one(related="settlement_line_id.settlement_id", string="Settlement")
    sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", readonly=True, index="btree_not_null"
    )
    claim_id = fields.Many2one(
        "rebate.fund.claim", string="Fund Claim", readonly=True, index="btree_not_null"
    )
    note = fields.Char(readonly=True)

    _amount_sign = models.Constraint(
        "CHECK((kind IN ('credit', 'reversal') AND amount <> 0)"
        " OR (kind IN ('use', 'expiry') AND amount < 0))",
        "A rebate balance credit or reversal moves an amount; a use or an expiry takes it off.",
    )

    # === CRUD: create only, by the server === #
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Rebate balance moves are written by the workflows only (settlements, "
                    "orders, fund claims, expiry): nobody creates them by hand."
                )
            )
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "The rebate balance ledger is never edited: a correction is a new move "
                "(a reversal), written by the workflow."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("The rebate balance ledger is an audit trail: its moves cannot be deleted.")
        )

    # === BUSINESS METHODS === #
    @api.model
    def _get_balances(self, partners, payout, company, programs=None):
        """{(partner, program): available balance} of the commercial `partners` for one
        kind of balance (`payout`), one grouped sum over the ledger (what expired is
        already taken off by its expiry rows)."""
        domain = [
            ("partner_id", "in", partners.ids),
            ("payout", "=", payout),
            ("company_id", "=", company.id),
        ]
        if programs is not None:
            domain.append(("program_id", "in", programs.ids))
        rows = self.sudo()._read_group(domain, ["partner_id", "program_id"], ["amount:sum"])
        return {
            (partner.with_env(self.env), program.with_env(self.env)): amount
            for partner, program, amount in rows
        }

    @api.model
    def _get_partner_balance(self, partner, payout, company, program=None):
        """The available balance of one commercial partner (of one program, if given)."""
        balances = self._get_balances(
            partner, payout, company, programs=program if program is not None else None
        )
        return sum(balances.values(), 0.0)

    @api.model
    def _get_balance_figures(self, partners, programs):
        """{(partner id, program id): {credited, used, expired, open}} of the commercial
        `partners` in `programs`, for statements and accruals, in one grouped query:
        credited = settlements paid in, used = orders and fund claims net of what
        their cancellation gave back, expired = expiries and the credits taken back by a
        cancelled settlement, open = what is left (their signed sum). Used and expired
        are signed (negative takes off)."""
        if not partners or not programs:
            return {}
        self.flush_model(
            ["partner_id", "program_id", "kind", "amount", "sale_order_id", "claim_id"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner_id, program_id,
                       SUM(amount) FILTER (WHERE kind = 'credit'),
                       SUM(amount) FILTER (WHERE kind = 'use'
                                              OR (kind = 'reversal'
                                                  AND (sale_order_id IS NOT NULL
                                                       OR claim_id IS NOT NULL))),
                       SUM(amount) FILTER (WHERE kind = 'expiry'
                                              OR (kind = 'reversal'
                                                  AND sale_order_id IS NULL
                                                  AND claim_id IS NULL)),
                       SUM(amount)
                  FROM rebate_balance_move
                 WHERE partner_id = ANY(%s) AND program_id = ANY(%s)
                 GROUP BY partner_id, program_id
                """,
                partners.ids,
                programs.ids,
            )
        )
        return {
            (partner_id, program_id): {
                "credited": credited or 0.0,
                "used": used or 0.0,
                "expired": expired or 0.0,
                "open": total or 0.0,
            }
            for partner_id, program_id, credited, used, expired, total in rows
        }

    @api.model
    def _lock_partner_balance(self, partners):
        """Lock the rebate balance of commercial `partners` for this transaction, at once
        or with a clear message: two orders or claims racing for one balance never both
        spend it. The lock is the partner's row (FOR NO KEY UPDATE: records pointing to
        the partner can still be created meanwhile)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id "
                        "FOR NO KEY UPDATE NOWAIT",
                        sorted(partners.ids),
                    )
                )
        except LockNotAvailable:
            raise UserError(
                self.env._(
                    "The rebate balance of %(partner)s is being used by another order or "
                    "claim right now. Try again in a moment: the balance is then checked "
                    "again.",
                    partner=", ".join(partners.mapped("display_name")),
                )
            ) from None
        # rows other transactions committed before we got the lock
        self.invalidate_model()

    @api.model
    def _record(self, vals_list):
        """Write ledger rows for a workflow step decided on the server."""
        return self.sudo().create(vals_list)

    # === EXPIRY === #
    @api.model
    def _get_expiring(self, on_date):
        """{(partner, program, payout, company): amount} of balance that is expired on
        `on_date`: whatever a balance holds beyond its credits still valid that day (uses
        take the oldest credit first). A few grouped reads whatever the number of rows."""
        Move = self.sudo()
        # (partner, program) with a credit whose validity ended before on_date
        stale = Move._read_group(
            [("kind", "=", "credit"), ("expires_on", "<", on_date)],
            ["partner_id", "program_id"],
        )
        if not stale:
            return {}
        partners = self.env["res.partner"].union(*(p for p, _prog in stale))
        programs = self.env["rebate.program"].union(*(prog for _p, prog in stale))
        keys = set(stale)
        balances = Move._read_group(
            [("partner_id", "in", partners.ids), ("program_id", "in", programs.ids)],
            ["partner_id", "program_id", "payout", "company_id"],
            ["amount:sum"],
        )
        valid_credits = Move.search(
            [
                ("partner_id", "in", partners.ids),
                ("program_id", "in", programs.ids),
                ("kind", "=", "credit"),
                "|",
                ("expires_on", "=", False),
                ("expires_on", ">=", on_date),
            ]
        )
        valid = {}
        for row in valid_credits:
            key = (row.partner_id, row.program_id)
            valid[key] = valid.get(key, 0.0) + row.amount
        # credits taken back by a cancelled settlement are no longer valid either
        if valid_credits:
            for partner, program, amount in Move._read_group(
                [
                    ("kind", "=", "reversal"),
                    ("settlement_line_id", "in", valid_credits.settlement_line_id.ids),
                ],
                ["partner_id", "program_id"],
                ["amount:sum"],
            ):
                valid[(partner, program)] = valid.get((partner, program), 0.0) + amount
        result = {}
        for partner, program, payout, company, amount in balances:
            if (partner, program) not in keys:
                continue
            expired = amount - max(valid.get((partner, program), 0.0), 0.0)
            if company.currency_id.compare_amounts(expired, 0) > 0:
                result[(partner, program, payout, company)] = expired
        return result

    @api.model
    def _cron_expire_balances(self):
        """Daily: expire the unused balance past its credits' `expires_on` (an expiry
        row each), and remind the partners whose credit expires in 30 days."""
        today = fields.Date.context_today(self)
        expiring = self._get_expiring(today)
        if expiring:
            partners = self.env["res.partner"].union(*(key[0] for key in expiring))
            self._lock_partner_balance(partners)
            # figures again under the lock
            expiring = self._get_expiring(today)
            self._record(
                [
                    {
                        "partner_id": partner.id,
                        "program_id": program.id,
                        "company_id": company.id,
                        "payout": payout,
                        "kind": "expiry",
                        "amount": -amount,
                        "date": today,
                        "note": self.env._("Expired unused balance"),
                    }
                    for (partner, program, payout, company), amount in expiring.items()
                ]
            )
        self._send_expiry_reminders(today)

    @api.model
    def _send_expiry_reminders(self, today):
        """Tell each partner (its chatter, by e-mail) what of its balance expires in 30
        days: the balance beyond the credits still valid after that day."""
        in_30_days = today + relativedelta(days=30)
        due = self.sudo()._read_group(
            [("kind", "=", "credit"), ("expires_on", "=", in_30_days)],
            ["partner_id", "program_id"],
        )
        if not due:
            return
        expiring = self._get_expiring(in_30_days + relativedelta(days=1))
        for (partner, program, _payout, company), amount in expiring.items():
            if (partner, program) not in due:
                continue
            partner = partner.with_context(lang=partner.lang or self.env.lang)
            partner.sudo().message_post(
                body=partner.env._(
                    "%(amount)s of your %(program)s rebate balance expires on %(date)s: use "
                    "it before then.",
                    amount=format_amount(partner.env, amount, company.currency_id),
                    program=program.sudo().name,
                    date=in_30_days,
                ),
                partner_ids=partner.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
