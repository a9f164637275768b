"""Special fund claims (专项基金, issue 13): filed with proof, checked by the channel
manager, approved (and paid) once by the Rebate Accountant, within the fund."""

import base64
from datetime import date

from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CONTEXTS, OLD_KEYS, RebateCommon


@tagged("post_install", "-at_install")
class TestRebateFundClaim(RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # partner A's special fund: 3% of 100,000 = 3,000
        cls.program = cls._program(
            name="Test marketing fund",
            payout="fund",
            fund_move_type="vendor_bill",
            journal_id=cls.purchase_journal.id,
        )
        cls._target(cls.program, cls.partner_a, 100_000)
        cls._invoice(cls.partner_a, 100_000)
        cls.settlement = cls._settle(cls.program)
        cls.Move = cls.env["rebate.balance.move"]

    def _fund(self, partner=None):
        return self.Move._get_partner_balance(
            partner or self.partner_a, "fund", self.company, self.program
        )

    def _claim(self, amount=1_000, proof=True, user=None, **vals):
        Claim = self.env["rebate.fund.claim"].with_user(user or self.user_channel)
        claim = Claim.create(
            {
                "partner_id": self.partner_a.id,
                "program_id": self.program.id,
                "amount": amount,
                "purpose": "exhibition",
                "description": "2025 成都零售展 B12 展位",
                **vals,
            }
        )
        if proof:
            attachment = self.env["ir.attachment"].create(
                {
                    "name": "展位发票.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4 booth invoice"),
                    "res_model": "rebate.fund.claim",
                    "res_id": claim.id,
                }
            )
            claim.write({"attachment_ids": [(4, attachment.id)]})
        return claim

    def test_settlement_credits_the_fund(self):
        self.assertFalse(self.settlement.move_ids)
        self.assertEqual(self._fund(), 3_000)
        self.assertEqual(
            self.Move._get_partner_balance(self.partner_a, "order_deduction", self.company), 0
        )

    def test_claim_workflow_pays_a_bill_and_uses_the_fund_once(self):
        claim = self._claim(1_200)
        self.assertTrue(claim.name.startswith("FC/"))
        self.assertEqual(claim.fund_available, 3_000)
        claim.action_submit()
        self.assertEqual(claim.state, "submitted")
        # the channel manager checks, the accountant approves: not the other way round
        with self.assertRaises(AccessError):
            claim.with_user(self.user_finance).action_check()
        claim.with_user(self.user_channel).action_check()
        with self.assertRaises(AccessError):
            claim.with_user(self.user_channel).action_approve()
        claim.with_user(self.user_finance).action_approve()
        self.assertEqual(claim.state, "approved")
        self.assertEqual(claim.approved_uid, self.user_finance)
        bill = claim.move_id
        self.assertEqual(
            (bill.move_type, bill.partner_id, bill.amount_untaxed, bill.rebate_fund_claim_id),
            ("in_invoice", self.partner_a, 1_200, claim),
        )
        use = self.Move.search([("claim_id", "=", claim.id)])
        self.assertEqual((use.kind, use.amount), ("use", -1_200))
        self.assertEqual(self._fund(), 1_800)
        # approving twice never pays twice
        with self.assertRaisesRegex(UserError, "only once"):
            claim.with_user(self.user_finance).action_approve()
        self.assertEqual(len(self.Move.search([("claim_id", "=", claim.id)])), 1)
        self.assertEqual(
            self.env["account.move"].search_count([("rebate_fund_claim_id", "=", claim.id)]), 1
        )

    def test_credit_note_per_program(self):
        self.program.write({"fund_move_type": "credit_note", "journal_id": self.sale_journal.id})
        claim = self._claim(500)
        claim.action_submit()
        claim.action_check()
        claim.with_user(self.user_finance).action_approve()
        self.assertEqual(claim.move_id.move_type, "out_refund")
        # a fund credit note is no return of goods: no lower revenue, no lower base
        claim.move_id.with_user(self.user_finance).action_post()
        revenue = self.env["res.partner.grade.evaluation"]._kpi_revenue(
            self.partner_a, date(2025, 1, 1), date.today()
        )
        self.assertEqual(revenue[self.partner_a.id], 100_000)

    def test_claim_above_the_fund_is_refused(self):
        claim = self._claim(3_500)
        with self.assertRaisesRegex(ValidationError, "above the"):
            claim.action_submit()
        # two claims within the fund each, more than it together: the second approval fails
        first, second = self._claim(2_000), self._claim(2_000)
        (first | second).action_submit()
        (first | second).action_check()
        first.with_user(self.user_finance).action_approve()
        with self.assertRaisesRegex(ValidationError, "above the"):
            second.with_user(self.user_finance).action_approve()
        self.assertEqual(second.state, "checked")
        self.assertEqual(self._fund(), 1_000)

    def test_bad_input(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
            with self.env.cr.savepoint():
                self._claim(-100)
        claim = self._claim(100, proof=False)
        with self.assertRaisesRegex(ValidationError, "no proof"):
            claim.action_submit()
        other = self._program(name="Test credit notes")
        with self.assertRaisesRegex(ValidationError, "does not pay"):
            self._claim(100, program_id=other.id)
        contact = self.env["res.partner"].create(
            {"name": "Test 王经理", "parent_id": self.partner_a.id}
        )
        with self.assertRaisesRegex(ValidationError, "partner company"):
            self._claim(100, partner_id=contact.id)

    def test_reject_needs_a_reason_and_is_final(self):
        claim = self._claim(100)
        claim.action_submit()
        wizard = self.env["rebate.fund.claim.reject"].with_user(self.user_channel)
        with self.assertRaisesRegex(UserError, "Say why"):
            wizard.create({"claim_ids": claim.ids, "reason": "  "}).action_reject()
        wizard.create({"claim_ids": claim.ids, "reason": "展位发票缺失"}).action_reject()
        self.assertEqual((claim.state, claim.reject_reason), ("rejected", "展位发票缺失"))
        with self.assertRaises(UserError):
            claim.action_check()
        with self.assertRaises(UserError):
            claim.with_user(self.user_finance).action_approve()
        self.assertEqual(self._fund(), 3_000)

    def test_hostile_client(self):
        claim = self._claim(1_000)
        claim.action_submit()
        forged = {
            "state": lambda c: c.write({"state": "approved"}),
            "approved_uid": lambda c: c.write({"approved_uid": self.user_finance.id}),
            "move_id": lambda c: c.write({"move_id": self.settlement.id}),
            "amount after submit": lambda c: c.write({"amount": 3_000}),
            "name": lambda c: c.write({"name": "FC/forged"}),
            "created approved": lambda c: c.create(
                {
                    "partner_id": self.partner_a.id,
                    "program_id": self.program.id,
                    "amount": 10,
                    "state": "approved",
                }
            ),
        }
        for role in ("user_channel", "user_finance", "user_admin"):
            for context_name, context in CONTEXTS:
                for name, attack in forged.items():
                    with self.subTest(role=role, context=context_name, attack=name):
                        with self.assertRaises(UserError), self.env.cr.savepoint():
                            attack(claim.with_user(getattr(self, role)).with_context(**context))
        claim.invalidate_recordset()
        self.assertEqual((claim.state, claim.amount, claim.move_id.id), ("submitted", 1_000, False))
        # roles without rebates read no claim nor ledger
        for role in ("user_rep", "user_employee", "user_sales_manager"):
            with self.assertRaises(AccessError):
                claim.with_user(getattr(self, role)).with_context(**OLD_KEYS).read(["amount"])
            with self.assertRaises(AccessError):
                self.Move.with_user(getattr(self, role)).search([])
        self.assertEqual(self._fund(), 3_000)
