from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user
from odoo.tools import SQL

from ..common import CollabCommon

# the stepped bands of the spec: below 80% nothing, 80–100% 2%, 100–120% 3%, from 120% 5%
STEPPED_BANDS = ((80, 100, 2), (100, 120, 3), (120, 0, 5))


class RebateCommon(CollabCommon):
    """Partners, products, journals and helpers for the rebate tests (no demo data used)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        if not cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        ):
            cls.env["account.chart.template"].try_loading(
                "generic_coa", company=cls.company, install_demo=False
            )
        cls.currency = cls.company.currency_id
        cls.sale_journal = cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.purchase_journal = cls.env["account.journal"].search(
            [("type", "=", "purchase"), ("company_id", "=", cls.company.id)], limit=1
        )
        Partner = cls.env["res.partner"]
        cls.partner_a, cls.partner_b, cls.partner_c, cls.partner_d = Partner.create(
            [
                {"name": "Test 华东分销 A", "is_company": True, "email": "a@rebate.example.com"},
                {"name": "Test 华南分销 B", "is_company": True, "email": "b@rebate.example.com"},
                {"name": "Test 华北代理 C", "is_company": True, "email": "c@rebate.example.com"},
                {"name": "Test 西南代理 D", "is_company": True, "email": "d@rebate.example.com"},
            ]
        )
        Category = cls.env["product.category"]
        cls.categ_hw = Category.create({"name": "Test rebate hardware"})
        cls.categ_hw_child = Category.create(
            {"name": "Test rebate terminals", "parent_id": cls.categ_hw.id}
        )
        cls.categ_new = Category.create({"name": "Test rebate new products"})
        Product = cls.env["product.product"]
        cls.product_hw = Product.create(
            {"name": "Test terminal", "type": "consu", "categ_id": cls.categ_hw_child.id}
        )
        cls.product_new = Product.create(
            {"name": "Test live module", "type": "service", "categ_id": cls.categ_new.id}
        )
        cls.product_other = Product.create(
            {"name": "Test spare part", "type": "consu", "categ_id": cls.categ_hw.id}
        )
        cls.product_rebate = Product.create(
            {"name": "Test channel rebate", "type": "service", "taxes_id": [Command.clear()]}
        )

    # === helpers === #
    @classmethod
    def _program(cls, bands=STEPPED_BANDS, **vals):
        values = {
            "name": "Test stepped rebate",
            "period": "quarter",
            "date_start": date(2025, 1, 1),
            "date_end": date(2025, 12, 31),
            "partner_ids": [
                Command.set((cls.partner_a | cls.partner_b | cls.partner_c | cls.partner_d).ids)
            ],
            "band_ids": [
                Command.create({"attainment_from": low, "attainment_to": high, "rate": rate})
                for low, high, rate in bands
            ],
            "journal_id": cls.sale_journal.id,
            "product_id": cls.product_rebate.id,
        }
        values.update(vals)
        program = cls.env["rebate.program"].create(values)
        program.action_activate()
        return program

    @classmethod
    def _target(cls, program, partner, amount, date_from=date(2025, 1, 1)):
        return cls.env["rebate.target"].create(
            {
                "program_id": program.id,
                "partner_id": partner.id,
                "date_from": date_from,
                "amount": amount,
            }
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        amount,
        invoice_date=date(2025, 2, 15),
        product=None,
        move_type="out_invoice",
        post=True,
        currency=None,
        reversed_entry=None,
        lines=None,
    ):
        """A customer invoice (or credit note) of untaxed ``amount`` (or ``lines``:
        [(product, amount)])."""
        lines = lines or [(product or cls.product_hw, amount)]
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "date": invoice_date,
                "journal_id": cls.sale_journal.id,
                "currency_id": (currency or cls.currency).id,
                "reversed_entry_id": reversed_entry.id if reversed_entry else False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": line_product.id,
                            "quantity": 1,
                            "price_unit": line_amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for line_product, line_amount in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _refund(cls, invoice, amount, refund_date=date(2025, 4, 10), product=None):
        """A credit note reversing part of ``invoice``."""
        return cls._invoice(
            invoice.partner_id,
            amount,
            invoice_date=refund_date,
            product=product or invoice.invoice_line_ids[:1].product_id,
            move_type="out_refund",
            reversed_entry=invoice,
        )

    @classmethod
    def _pay(cls, invoice, amount, pay_date=date(2025, 3, 20)):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": pay_date})
            ._create_payments()
        )

    @classmethod
    def _settlement(cls, program, date_from=date(2025, 1, 1)):
        return cls.env["rebate.settlement"].create(
            {"program_id": program.id, "date_from": date_from}
        )

    @classmethod
    def _settle(cls, program, date_from=date(2025, 1, 1), moves=True):
        """Compute, approve and (optionally) pay out a settlement, as the accountant."""
        settlement = cls._settlement(program, date_from)
        settlement.action_compute()
        settlement.action_approve()
        if moves:
            settlement.action_create_moves()
        return settlement

    @staticmethod
    def _line(settlement, partner, line_type="regular"):
        return settlement.line_ids.filtered(
            lambda ln: ln.partner_id == partner and ln.line_type == line_type
        )


# the context keys the rebates used to trust (removed): a client may still send them
OLD_KEYS = {
    "rebate_workflow": True,
    "rebate_engine": True,
    "rebate_bands_checked_by_program": True,
}
CONTEXTS = (("no key", {}), ("old internal keys", OLD_KEYS))
# roles that work on rebates, then roles that have nothing to do with them
REBATE_ROLES = ("user_channel", "user_finance", "user_admin", "user_sysadmin")
OTHER_ROLES = ("user_rep", "user_employee", "user_sales_manager", "user_portal")


class RebateHostileCommon(RebateCommon):
    """The hostile client of the rebate tests: programs, settlements and moves, and the
    attack helpers (each role, once without and once with the old internal context keys,
    each attack in a savepoint, the refusal and nothing changed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # an Odoo administrator (Settings) who also administers the app
        cls.user_sysadmin = new_test_user(
            cls.env,
            login="t_sysadmin",
            groups="base.group_user,base.group_system,sales_pm_collab.group_collab_admin",
        )
        cls.program = cls._program(
            special_ids=[Command.create({"product_id": cls.product_new.id, "rate": 1})]
        )
        cls._target(cls.program, cls.partner_a, 1_000_000)
        cls._target(cls.program, cls.partner_b, 500_000)
        cls._invoice(cls.partner_a, 900_000)
        cls._invoice(cls.partner_b, 600_000)
        # Q1 is settled and paid out (two credit notes), Q2 is being prepared
        cls.settlement = cls._settle(cls.program)
        cls.draft_q2 = cls._settlement(cls.program, date(2025, 4, 1))
        cls.other_program = cls._program(name="Test other program")
        cls.invoice_q2 = cls._invoice(cls.partner_a, 1_000, invoice_date=date(2025, 5, 2))

    # === helpers === #
    def _as(self, records, role, context):
        return records.with_user(getattr(self, role)).with_context(**context)

    def _snapshot(self):
        """Everything an attack on the settled period could change, read from the
        database."""
        self.env.invalidate_all()
        Settlement = self.env["rebate.settlement"].sudo()
        settlements = Settlement.search(
            [("program_id", "in", (self.program | self.other_program).ids)], order="id"
        )
        return {
            "settlements": [
                (
                    s.id,
                    s.name,
                    s.state,
                    s.program_id.id,
                    s.date_from,
                    s.date_to,
                    s.computed_uid.id,
                    s.approved_uid.id,
                    s.approved_date,
                    s.done_uid.id,
                    s.done_date,
                    s.cancelled_uid.id,
                    s.amount_total,
                    s.note,
                )
                for s in settlements
            ],
            "lines": [
                (line.id, line.settlement_id.id, line.partner_id.id, line.total, line.move_id.id)
                for line in settlements.line_ids.sorted("id")
            ],
            "sources": self.env.execute_query(
                SQL(
                    "SELECT id, settlement_line_id, move_line_id, amount, kind, cancelled "
                    "FROM rebate_settlement_source ORDER BY id"
                )
            ),
            "moves": self.env.execute_query(
                SQL(
                    "SELECT id, state, move_type, rebate_settlement_id, amount_total "
                    "FROM account_move ORDER BY id"
                )
            ),
            "bands": self.env.execute_query(
                SQL(
                    "SELECT id, program_id, attainment_from, attainment_to, rate "
                    "FROM rebate_program_band ORDER BY id"
                )
            ),
            "programs": self.env.execute_query(
                SQL("SELECT id, state, name FROM rebate_program ORDER BY id")
            ),
        }

    def _assert_all_refused(self, attacks, roles, records):
        """Run every attack as every role, without and with the old keys: refused (a
        message, not a traceback) and nothing changed."""
        before = self._snapshot()
        for role in roles:
            for context_name, context in CONTEXTS:
                for name, attack in attacks.items():
                    with self.subTest(role=role, context=context_name, attack=name):
                        with self.assertRaises(UserError), self.env.cr.savepoint():
                            attack(self._as(records, role, context))
                        self.assertEqual(self._snapshot(), before)

    # === the settled period === #
    def _settlement_attacks(self):
        program, settlement = self.program, self.settlement
        line = settlement.line_ids.sorted("id")[0]
        source = line.source_ids[0]
        credit_note = settlement.move_ids[0]
        new_period = {"program_id": program.id, "date_from": "2025-01-01"}

        def on(record, attacked):
            return record.with_env(attacked.env)

        return {
            # the demo database attack: re-open the paid settlement, then settle again
            "reopen: state, approver, payer": lambda s: s.write(
                {
                    "state": "approved",
                    "approved_uid": self.user_channel.id,
                    "done_uid": False,
                    "done_date": False,
                }
            ),
            "state": lambda s: s.write({"state": "computed"}),
            "approved_uid": lambda s: s.write({"approved_uid": self.user_channel.id}),
            "approved_date": lambda s: s.write({"approved_date": "2025-01-02 00:00:00"}),
            "done_uid": lambda s: s.write({"done_uid": False}),
            "done_date": lambda s: s.write({"done_date": False}),
            "cancelled_uid": lambda s: s.write({"cancelled_uid": self.user_channel.id}),
            "name": lambda s: s.write({"name": "RBT/forged"}),
            "line_ids: clear": lambda s: s.write({"line_ids": [Command.clear()]}),
            "line_ids: change an amount": lambda s: s.write(
                {"line_ids": [Command.update(line.id, {"total": 0})]}
            ),
            "line_ids: add a line": lambda s: s.write(
                {
                    "line_ids": [
                        Command.create(
                            {
                                "partner_id": self.partner_c.id,
                                "period_date_from": "2025-01-01",
                                "period_date_to": "2025-03-31",
                                "total": 1_000_000,
                            }
                        )
                    ]
                }
            ),
            "regular_line_ids: delete": lambda s: s.write(
                {"regular_line_ids": [Command.delete(line.id)]}
            ),
            "move_ids: unlink the credit notes": lambda s: s.write({"move_ids": [Command.clear()]}),
            "program_id": lambda s: s.write({"program_id": self.other_program.id}),
            "date_from": lambda s: s.write({"date_from": "2025-04-01"}),
            "date_to": lambda s: s.write({"date_to": "2025-06-30"}),
            "amount_total": lambda s: s.write({"amount_total": 0}),
            "second settlement of the period": lambda s: s.create(new_period),
            "second settlement, already done": lambda s: s.create(
                dict(new_period, state="done", name="RBT/forged")
            ),
            "second settlement through default_ keys": lambda s: s.with_context(
                default_state="done", default_name="RBT/forged"
            ).create(new_period),
            "copy of the settlement": lambda s: s.copy(),
            "draft moved onto the settled period": lambda s: on(self.draft_q2, s).write(
                {"date_from": "2025-01-01"}
            ),
            "recompute": lambda s: s.action_compute(),
            "approve again": lambda s: s.action_approve(),
            "pay out again": lambda s: s.action_create_moves(),
            "cancel while its credit notes are valid": lambda s: s.action_cancel(),
            "delete": lambda s: s.unlink(),
            "line: write": lambda s: on(line, s).write({"total": 0}),
            "line: create": lambda s: s.env["rebate.settlement.line"].create(
                {
                    "settlement_id": s.id,
                    "partner_id": self.partner_c.id,
                    "period_date_from": "2025-01-01",
                    "period_date_to": "2025-03-31",
                    "total": 1_000_000,
                }
            ),
            "line: delete": lambda s: on(line, s).unlink(),
            "source: write": lambda s: on(source, s).write({"amount": 0}),
            "source: free the journal item": lambda s: on(source, s).write({"cancelled": True}),
            "source: create": lambda s: s.env["rebate.settlement.source"].create(
                {
                    "settlement_line_id": line.id,
                    "move_line_id": self.invoice_q2.invoice_line_ids.id,
                    "program_key": program.id,
                    "amount": 1_000,
                }
            ),
            "source: delete": lambda s: on(source, s).unlink(),
            "credit note: unlink from the settlement": lambda s: on(credit_note, s).write(
                {"rebate_settlement_id": False}
            ),
            "credit note: delete": lambda s: on(credit_note, s).unlink(),
            "invoice: disguised as a rebate payout": lambda s: on(self.invoice_q2, s).write(
                {"rebate_settlement_id": settlement.id}
            ),
            "invoice: created as a rebate payout": lambda s: s.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_a.id,
                    "invoice_date": "2025-05-03",
                    "journal_id": self.sale_journal.id,
                    "rebate_settlement_id": settlement.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": self.product_hw.id, "quantity": 1, "price_unit": 10}
                        )
                    ],
                }
            ),
            "partner: accrued rebate": lambda s: on(self.partner_a, s).write(
                {"rebate_accrued_amount": 1_000_000}
            ),
        }
