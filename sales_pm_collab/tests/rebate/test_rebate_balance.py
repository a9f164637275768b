"""Partner rebate balances (issue 13): the ledger, settlements paying into it, and the
deduction on orders (抵扣货款): Apply Rebate, confirm uses, cancel gives back."""

from datetime import date

from dateutil.relativedelta import relativedelta
from psycopg2.errors import CheckViolation

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CONTEXTS, OLD_KEYS, RebateCommon


@tagged("post_install", "-at_install")
class TestRebateBalance(RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a stepped program paying into the order-deduction balance: partner A reaches
        # 100% of its target (3% of 100,000 = 3,000), partner B 80% (2% of 40,000 = 800)
        cls.program = cls._program(
            payout="order_deduction", journal_id=False, deduction_max_percent=50
        )
        cls._target(cls.program, cls.partner_a, 100_000)
        cls._target(cls.program, cls.partner_b, 50_000)
        cls._invoice(cls.partner_a, 100_000)
        cls._invoice(cls.partner_b, 40_000)
        cls.settlement = cls._settle(cls.program)
        cls.Move = cls.env["rebate.balance.move"]
        cls.product_hw.list_price = 1_000
        (cls.product_hw | cls.product_rebate).invoice_policy = "order"

    def _balance(self, partner, payout="order_deduction"):
        return self.Move._get_partner_balance(partner, payout, self.company)

    def _quotation(self, partner, amount, user=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": (user or self.user_rep).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_hw.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        return order

    def _rebate_lines(self, order):
        return order.order_line.filtered("rebate_program_id")

    # === the settlement credits the ledger === #
    def test_done_settlement_credits_the_balance_not_moves(self):
        self.assertEqual(self.settlement.state, "done")
        self.assertFalse(self.settlement.move_ids, "no credit note for a balance payout")
        rows = self.Move.search([("program_id", "=", self.program.id)])
        self.assertEqual(
            sorted((r.partner_id.id, r.kind, r.amount, r.payout) for r in rows),
            sorted(
                [
                    (self.partner_a.id, "credit", 3_000.0, "order_deduction"),
                    (self.partner_b.id, "credit", 800.0, "order_deduction"),
                ]
            ),
        )
        self.assertEqual(
            rows.settlement_line_id, self.settlement.line_ids.filtered(lambda ln: ln.total)
        )
        self.assertEqual(self._balance(self.partner_a), 3_000)
        self.assertEqual(self._balance(self.partner_a, "fund"), 0)
        self.assertEqual(self.settlement.balance_move_count, 2)

    def test_balance_expires_on_per_program(self):
        program = self._program(
            name="Test expiring",
            payout="order_deduction",
            journal_id=False,
            balance_validity_months=6,
        )
        self._target(program, self.partner_a, 100_000)
        settlement = self._settle(program)
        row = self.Move.search([("settlement_line_id.settlement_id", "=", settlement.id)])
        self.assertEqual(row.expires_on.month, (row.date.month + 6 - 1) % 12 + 1)

    # === the ledger is never edited === #
    def test_ledger_rows_cannot_be_created_changed_or_deleted(self):
        row = self.Move.search([("partner_id", "=", self.partner_a.id)])
        for user in (self.user_finance, self.user_channel, self.user_admin, self.user_rep):
            for _name, context in CONTEXTS:
                Move = self.Move.with_user(user).with_context(**context)
                with self.assertRaises(UserError):
                    Move.create(
                        {
                            "partner_id": self.partner_a.id,
                            "program_id": self.program.id,
                            "company_id": self.company.id,
                            "payout": "order_deduction",
                            "kind": "credit",
                            "amount": 1_000_000,
                        }
                    )
                with self.assertRaises(UserError):
                    row.with_env(Move.env).write({"amount": 1_000_000})
                with self.assertRaises(UserError):
                    row.with_env(Move.env).unlink()
        # not even the superuser edits or deletes the trail
        with self.assertRaisesRegex(UserError, "never edited"):
            row.sudo().write({"amount": 1_000_000})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            row.sudo().unlink()
        self.assertEqual(self._balance(self.partner_a), 3_000)

    # === order deduction === #
    def test_apply_rebate_up_to_max_percent_then_confirm_uses_and_cancel_gives_back(self):
        order = self._quotation(self.partner_a, 4_000)
        self.assertEqual(order.rebate_balance_available, 3_000)
        order.with_user(self.user_rep).action_apply_rebate()
        line = self._rebate_lines(order)
        # min(3,000 balance, 50% of 4,000) = 2,000
        self.assertEqual(line.price_subtotal, -2_000)
        self.assertEqual(line.product_id, self.product_rebate)
        self.assertEqual(line.rebate_program_id, self.program)
        self.assertEqual(order.amount_untaxed, 2_000)
        # applied again: replaced, not doubled
        order.with_user(self.user_rep).action_apply_rebate()
        self.assertEqual(len(self._rebate_lines(order)), 1)
        self.assertEqual(self._balance(self.partner_a), 3_000, "a quotation uses nothing")

        order.with_user(self.user_rep).action_confirm()
        use = self.Move.search([("sale_order_id", "=", order.id)])
        self.assertEqual((use.kind, use.amount, use.partner_id), ("use", -2_000, self.partner_a))
        self.assertEqual(self._balance(self.partner_a), 1_000)

        order.with_user(self.user_rep)._action_cancel()
        rows = self.Move.search([("sale_order_id", "=", order.id)], order="id")
        self.assertEqual(rows.mapped("kind"), ["use", "reversal"])
        self.assertEqual(self._balance(self.partner_a), 3_000)
        # cancelled twice (or again after a new draft) never gives back twice
        order.with_user(self.user_rep)._action_cancel()
        self.assertEqual(self._balance(self.partner_a), 3_000)

    def test_apply_is_capped_by_the_balance(self):
        order = self._quotation(self.partner_b, 10_000)
        order.with_user(self.user_channel).action_apply_rebate()
        self.assertEqual(self._rebate_lines(order).price_subtotal, -800)

    def test_invoice_carries_the_deduction_and_it_is_no_sale(self):
        order = self._quotation(self.partner_a, 4_000)
        order.action_apply_rebate()
        order.action_confirm()
        invoice = order._create_invoices()
        deduction = invoice.invoice_line_ids.filtered("rebate_program_id")
        self.assertEqual(deduction.price_subtotal, -2_000)
        invoice.write({"invoice_date": date(2025, 5, 10)})
        invoice.action_post()
        revenue = self.env["res.partner.grade.evaluation"]._kpi_revenue(
            self.partner_a, date(2025, 4, 1), date(2025, 6, 30)
        )
        self.assertEqual(revenue[self.partner_a.id], 4_000, "the deduction is no refund")
        # the rebate product never counts in a rebate base either
        bases = self.program._get_bases(date(2025, 4, 1), date(2025, 6, 30), self.partner_a.ids)
        self.assertEqual(bases[self.partner_a.id]["base"], 4_000)
        # an order deducting on a posted invoice is not cancelled behind its back
        with self.assertRaisesRegex(UserError, "posted invoice"):
            order._action_cancel()

    def test_bad_input_is_refused_at_confirmation(self):
        # more than the balance, typed over the applied price
        order = self._quotation(self.partner_a, 10_000)
        order.with_user(self.user_rep).action_apply_rebate()
        line = self._rebate_lines(order)
        self.assertEqual(line.price_subtotal, -3_000)
        line.with_user(self.user_rep).write({"price_unit": -3_500})
        with self.assertRaisesRegex(UserError, "has only"):
            order.with_user(self.user_rep).action_confirm()
        # more than the program's max % of the order
        order2 = self._quotation(self.partner_a, 1_000)
        order2.action_apply_rebate()
        self._rebate_lines(order2).write({"price_unit": -900})
        with self.assertRaisesRegex(UserError, "at most 50"):
            order2.action_confirm()
        # a positive "deduction"
        self._rebate_lines(order2).write({"price_unit": 100})
        with self.assertRaisesRegex(UserError, "negative price"):
            order2.action_confirm()
        # applied, then the order moved to another partner: that partner's balance counts
        order3 = self._quotation(self.partner_a, 2_000)
        order3.action_apply_rebate()
        order3.write({"partner_id": self.partner_c.id})
        with self.assertRaisesRegex(UserError, "has only"):
            order3.action_confirm()
        self.assertEqual(self._balance(self.partner_a), 3_000)
        self.assertEqual(order.state, "draft")

    def test_two_orders_share_one_balance(self):
        first = self._quotation(self.partner_b, 10_000)
        second = self._quotation(self.partner_b, 10_000)
        first.action_apply_rebate()
        second.action_apply_rebate()
        first.action_confirm()
        with self.assertRaisesRegex(UserError, "has only"):
            second.action_confirm()
        # both in one call: the second one finds the first one's use
        third = self._quotation(self.partner_a, 4_000)
        fourth = self._quotation(self.partner_a, 4_000)
        (third | fourth).action_apply_rebate()
        with self.assertRaisesRegex(UserError, "has only"):
            (third | fourth).action_confirm()

    def test_apply_needs_a_balance_a_quotation_and_the_role(self):
        with self.assertRaisesRegex(UserError, "no rebate balance"):
            self._quotation(self.partner_c, 1_000).action_apply_rebate()
        order = self._quotation(self.partner_a, 1_000)
        for user in (self.user_finance, self.user_employee, self.user_sales_manager):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                order.with_user(user).with_context(**OLD_KEYS).action_apply_rebate()
        self.assertFalse(self._rebate_lines(order))
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "on a quotation"):
            order.action_apply_rebate()

    def test_apply_refuses_another_currency(self):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("id", "!=", self.currency.id)], limit=1)
        )
        currency.active = True
        pricelist = self.env["product.pricelist"].create(
            {"name": "Test other currency", "currency_id": currency.id}
        )
        order = self._quotation(self.partner_a, 1_000)
        order.pricelist_id = pricelist
        with self.assertRaisesRegex(UserError, "kept in"):
            order.action_apply_rebate()

    def test_rebate_line_link_cannot_be_forged(self):
        order = self._quotation(self.partner_c, 1_000)
        for _name, context in CONTEXTS:
            with self.assertRaisesRegex(AccessError, "rebate_program_id"):
                self.env["sale.order.line"].with_user(self.user_rep).with_context(**context).create(
                    {
                        "order_id": order.id,
                        "product_id": self.product_rebate.id,
                        "price_unit": -500,
                        "rebate_program_id": self.program.id,
                    }
                )
            with self.assertRaisesRegex(AccessError, "rebate_program_id"):
                order.order_line.with_user(self.user_rep).with_context(**context).write(
                    {"rebate_program_id": self.program.id}
                )

    # === cancelling a settlement that credited balances === #
    def test_cancel_settlement_reverses_unused_credit_only(self):
        order = self._quotation(self.partner_b, 10_000)
        order.action_apply_rebate()
        order.action_confirm()
        settlement = self.settlement.with_user(self.user_finance)
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            settlement.action_cancel()
        self.assertEqual(settlement.state, "done")
        order._action_cancel()
        settlement.action_cancel()
        self.assertEqual(settlement.state, "cancelled")
        self.assertEqual(self._balance(self.partner_a), 0)
        self.assertEqual(self._balance(self.partner_b), 0)
        reversals = self.Move.search(
            [("settlement_line_id.settlement_id", "=", settlement.id), ("kind", "=", "reversal")]
        )
        self.assertEqual(sorted(reversals.mapped("amount")), [-3_000, -800])

    def test_program_settings_are_checked(self):
        for vals in (
            {"deduction_max_percent": 0},
            {"deduction_max_percent": 120},
            {"balance_validity_months": -1},
        ):
            with self.subTest(vals=vals):
                with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
                    with self.env.cr.savepoint():
                        self.program.write(vals)


@tagged("post_install", "-at_install")
class TestRebateBalanceExpiry(RebateCommon):
    """Unused balance past its credit's `expires_on` expires (the oldest credit is used
    first); the partner is reminded 30 days before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program(payout="order_deduction", journal_id=False)
        cls.Move = cls.env["rebate.balance.move"]

    def _row(self, kind, amount, expires_on=False, partner=None):
        return self.Move._record(
            [
                {
                    "partner_id": (partner or self.partner_a).id,
                    "program_id": self.program.id,
                    "company_id": self.company.id,
                    "payout": "order_deduction",
                    "kind": kind,
                    "amount": amount,
                    "date": date(2025, 1, 1),
                    "expires_on": expires_on,
                }
            ]
        )

    def _balance(self, partner=None):
        return self.Move._get_partner_balance(
            partner or self.partner_a, "order_deduction", self.company
        )

    def test_cron_expires_what_is_left_of_old_credits(self):
        today = date.today()
        self._row("credit", 1_000, expires_on=date(2025, 3, 31))
        self._row("credit", 500, expires_on=today + relativedelta(years=1))
        self._row("use", -700)
        # B: an old credit used in full, nothing to expire
        self._row("credit", 300, expires_on=date(2025, 3, 31), partner=self.partner_b)
        self._row("use", -300, partner=self.partner_b)
        self.assertEqual(self._balance(), 800)
        self.Move._cron_expire_balances()
        expiry = self.Move.search([("kind", "=", "expiry")])
        self.assertEqual((expiry.partner_id, expiry.amount), (self.partner_a, -300))
        self.assertEqual(self._balance(), 500, "the credit still valid is left")
        self.assertEqual(self._balance(self.partner_b), 0)
        # run again: nothing more expires
        self.Move._cron_expire_balances()
        self.assertEqual(self.Move.search_count([("kind", "=", "expiry")]), 1)

    def test_reminder_30_days_before(self):
        today = fields.Date.context_today(self.Move)  # the cron's today
        self._row("credit", 1_000, expires_on=today + relativedelta(days=30))
        self._row("credit", 200, expires_on=today + relativedelta(days=31), partner=self.partner_b)
        before = self.env["mail.message"].search_count([("model", "=", "res.partner")])
        self.Move._cron_expire_balances()
        messages = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "in", (self.partner_a | self.partner_b).ids)]
        )
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages.res_id, self.partner_a.id)
        self.assertIn(self.partner_a, messages.partner_ids)
        self.assertIn("expires on", str(messages.body))
        self.assertEqual(
            self.env["mail.message"].search_count([("model", "=", "res.partner")]), before + 1
        )
        self.assertFalse(self.Move.search([("kind", "=", "expiry")]))
