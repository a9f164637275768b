from datetime import date

import psycopg2
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateSettlement(RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program()
        cls._target(cls.program, cls.partner_a, 1_000_000)
        cls._target(cls.program, cls.partner_b, 1_000_000)
        cls._target(cls.program, cls.partner_c, 1_000_000)
        cls.invoice_a = cls._invoice(cls.partner_a, 1_000_000)
        cls.invoice_b = cls._invoice(cls.partner_b, 800_000)
        cls.invoice_c = cls._invoice(cls.partner_c, 500_000)  # below the bands: no rebate

    def test_workflow_to_credit_notes(self):
        settlement = self._settlement(self.program).with_user(self.user_finance)
        self.assertTrue(settlement.name.startswith("RBT/"))
        self.assertEqual(settlement.date_to, date(2025, 3, 31), "the period end follows the start")
        settlement.action_compute()
        self.assertEqual(settlement.state, "computed")
        self.assertEqual(settlement.computed_uid, self.user_finance)
        self.assertEqual(settlement.amount_total, 46_000)
        settlement.action_approve()
        self.assertEqual(
            (settlement.state, settlement.approved_uid), ("approved", self.user_finance)
        )
        self.assertTrue(settlement.approved_date)
        settlement.action_create_moves()
        self.assertEqual(settlement.state, "done")
        moves = settlement.move_ids
        self.assertEqual(len(moves), 2, "one move per partner with a rebate; none for 0")
        self.assertEqual(set(moves.mapped("move_type")), {"out_refund"})
        self.assertEqual(set(moves.mapped("state")), {"draft"})
        line_a = self._line(settlement, self.partner_a)
        self.assertEqual(line_a.move_id.partner_id, self.partner_a)
        self.assertEqual(line_a.move_id.amount_total, 30_000)
        self.assertEqual(line_a.move_id.invoice_line_ids.product_id, self.product_rebate)
        self.assertEqual(line_a.move_id.journal_id, self.sale_journal)
        self.assertEqual(self._line(settlement, self.partner_b).move_id.amount_total, 16_000)
        self.assertFalse(self._line(settlement, self.partner_c).move_id)
        # never twice
        with self.assertRaisesRegex(UserError, "already created"):
            settlement.action_create_moves()
        self.assertEqual(len(settlement.move_ids), 2)
        # everything is frozen now
        with self.assertRaisesRegex(UserError, "already approved"):
            settlement.action_compute()

    def test_posted_vendor_bills(self):
        program = self._program(
            name="Test cash rebate",
            payout="vendor_bill",
            journal_id=self.purchase_journal.id,
            post_moves=True,
        )
        self._target(program, self.partner_a, 1_000_000)
        settlement = self._settle(program)
        move = settlement.move_ids
        self.assertEqual((move.move_type, move.state), ("in_invoice", "posted"))
        self.assertEqual(move.amount_total, 30_000)
        self.assertEqual(move.partner_id, self.partner_a)

    def test_errors_creating_moves_without_journal_or_product(self):
        program = self._program(name="Test no payout", journal_id=False, product_id=False)
        self._target(program, self.partner_a, 1_000_000)
        settlement = self._settle(program, moves=False)
        with self.assertRaisesRegex(UserError, "needs a journal and a rebate product"):
            settlement.action_create_moves()
        self.assertEqual(settlement.state, "approved")
        self.assertFalse(settlement.move_ids)

    def test_wrong_journal_type(self):
        with self.assertRaisesRegex(ValidationError, "choose a purchase journal"):
            self.program.write({"payout": "vendor_bill"})

    def test_approve_requires_rebate_accountant(self):
        settlement = self._settlement(self.program).with_user(self.user_channel)
        settlement.action_compute()
        self.assertEqual(settlement.state, "computed", "channel managers compute drafts")
        with self.assertRaisesRegex(AccessError, "Only Rebate Accountants"):
            settlement.action_approve()
        settlement.with_user(self.user_finance).action_approve()
        with self.assertRaisesRegex(AccessError, "Only Rebate Accountants"):
            settlement.action_create_moves()
        self.assertEqual(settlement.state, "approved")

    def test_approve_only_computed(self):
        settlement = self._settlement(self.program)
        with self.assertRaisesRegex(UserError, "Only computed settlements"):
            settlement.action_approve()

    def test_edit_approved_settlement(self):
        settlement = self._settle(self.program, moves=False)
        with self.assertRaisesRegex(UserError, "can no longer be edited"):
            settlement.date_from = date(2025, 4, 1)
        # settled lines: not even the engine (superuser) changes them
        with self.assertRaisesRegex(UserError, "read-only"):
            settlement.line_ids[0].sudo().total = 1
        # users never edit lines (the test runs as superuser: act as the accountant)
        with self.assertRaisesRegex(UserError, "computed"):
            settlement.line_ids[0].with_user(self.user_finance).total = 1
        with self.assertRaisesRegex(UserError, "never change"):
            settlement.line_ids.source_ids[0].amount = 1
        settlement.note = "Checked against the distributor's figures"  # notes stay editable

    def test_state_only_through_buttons(self):
        settlement = self._settlement(self.program)
        with self.assertRaisesRegex(UserError, "by its buttons"):
            settlement.state = "done"

    def test_changing_period_of_computed_settlement_resets_it(self):
        settlement = self._settlement(self.program)
        settlement.action_compute()
        settlement.date_from = date(2025, 4, 1)
        self.assertEqual(settlement.state, "draft")
        self.assertEqual(settlement.date_to, date(2025, 6, 30))
        self.assertFalse(settlement.line_ids)

    def test_delete_program_with_a_settlement_in_progress(self):
        """A program whose period is only computed says what to delete first (not the
        database's "another record requires it"); once it is gone, the program goes."""
        program = self._program(name="Test short-lived")
        self._target(program, self.partner_a, 1_000_000)
        settlement = self._settlement(program)
        settlement.action_compute()
        as_finance = program.with_user(self.user_finance)
        with self.assertRaisesRegex(UserError, "settlements in progress .*delete them first"):
            as_finance.unlink()
        settlement.with_user(self.user_finance).unlink()
        as_finance.unlink()
        self.assertFalse(program.exists())

    def test_delete_settled(self):
        settlement = self._settle(self.program)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            settlement.unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            settlement.line_ids.sudo().unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            settlement.line_ids.source_ids.sudo().unlink()
        with self.assertRaisesRegex(UserError, "pays out rebate settlement"):
            settlement.move_ids.unlink()
        self.invoice_a.button_draft()
        with self.assertRaisesRegex(UserError, "was counted by rebate settlement"):
            self.invoice_a.invoice_line_ids.unlink()
        with self.assertRaisesRegex(UserError, "was counted by rebate settlement"):
            self.invoice_a.unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.program.unlink()
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.program.target_ids[0].amount = 5

    def test_draft_settlement_can_be_deleted(self):
        settlement = self._settlement(self.program)
        settlement.action_compute()
        sources = settlement.line_ids.source_ids
        self.assertTrue(sources)
        settlement.unlink()
        self.assertFalse(sources.exists(), "sources go with their settlement")

    def test_period_must_be_a_program_period(self):
        with self.assertRaisesRegex(ValidationError, "exactly one period"):
            self.env["rebate.settlement"].create(
                {
                    "program_id": self.program.id,
                    "date_from": date(2025, 2, 1),
                    "date_to": date(2025, 4, 30),
                }
            )
        with self.assertRaisesRegex(ValidationError, "Did you mean 2026-01-01"):
            self._settlement(self.program, date(2026, 1, 1))

    def test_program_must_be_active(self):
        draft = self.env["rebate.program"].create(
            {"name": "Test draft", "date_start": date(2025, 1, 1), "date_end": date(2025, 12, 31)}
        )
        settlement = self._settlement(draft)
        with self.assertRaisesRegex(UserError, "activate it"):
            settlement.action_compute()

    # === exactly once === #
    def test_one_settlement_per_period(self):
        first = self._settlement(self.program)
        with self.assertRaisesRegex(ValidationError, "already has a settlement"):
            self._settlement(self.program)
        # the database enforces it, whatever the ORM does
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        """INSERT INTO rebate_settlement (name, program_id, company_id, date_from,
                                   date_to, state)
                           VALUES ('RBT/SQL', %s, %s, '2025-01-01', '2025-03-31', 'draft')""",
                        self.program.id,
                        self.company.id,
                    )
                )
        # a cancelled settlement frees its period
        first.action_cancel()
        second = self._settlement(self.program)
        self.assertEqual(second.state, "draft")

    def test_journal_item_counts_once_per_program(self):
        settlement = self._settle(self.program)
        source = self._line(settlement, self.partner_a).source_ids
        other_line = self._line(settlement, self.partner_b)
        # a direct SQL attempt to count the same journal item again is refused
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL(
                        """INSERT INTO rebate_settlement_source (settlement_line_id,
                                   program_key, move_line_id, amount, kind, cancelled)
                           VALUES (%s, %s, %s, 1, 'count', FALSE)""",
                        other_line.id,
                        self.program.id,
                        source.move_line_id.id,
                    )
                )
        # another program may count it
        other_program = self._program(name="Test other program")
        self._target(other_program, self.partner_a, 1_000_000)
        other = self._settlement(other_program)
        other.action_compute()
        self.assertEqual(
            self._line(other, self.partner_a).source_ids.move_line_id, source.move_line_id
        )

    def test_sources_only_by_computing(self):
        line = self._settle(self.program).line_ids[0]
        with self.assertRaisesRegex(UserError, "recorded by computing"):
            self.env["rebate.settlement.source"].create(
                {
                    "settlement_line_id": line.id,
                    "program_key": self.program.id,
                    "move_line_id": self.invoice_c.invoice_line_ids.id,
                }
            )

    # === cancelling === #
    def test_cancel_done_requires_moves_cancelled_or_reversed(self):
        settlement = self._settle(self.program)
        with self.assertRaisesRegex(UserError, "cancel or reverse them first"):
            settlement.action_cancel()
        move_a, move_b = settlement.move_ids
        move_a.button_cancel()
        move_b.action_post()
        with self.assertRaisesRegex(UserError, "still valid"):
            settlement.action_cancel()
        reversal = move_b._reverse_moves(cancel=True)
        self.assertEqual(reversal.state, "posted")
        settlement.action_cancel()
        self.assertEqual(settlement.state, "cancelled")
        self.assertTrue(all(settlement.line_ids.source_ids.mapped("cancelled")))
        # the period can be settled again, counting the same journal items
        again = self._settlement(self.program)
        again.action_compute()
        self.assertEqual(again.amount_total, 46_000)

    def test_cancel_approved_requires_accountant(self):
        settlement = self._settle(self.program, moves=False)
        with self.assertRaisesRegex(AccessError, "Only Rebate Accountants"):
            settlement.with_user(self.user_channel).action_cancel()
        settlement.with_user(self.user_finance).action_cancel()
        self.assertEqual(settlement.state, "cancelled")

    def test_cancel_decides_on_the_state_it_locked(self):
        """A channel manager who opened a computed settlement that an accountant approved
        meanwhile cannot cancel it: the state is read again once the row is locked."""
        settlement = self._settlement(self.program)
        settlement.action_compute()
        as_channel = settlement.with_user(self.user_channel)
        self.assertEqual(as_channel.state, "computed")  # what the channel manager's form shows
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE rebate_settlement SET state = 'approved' WHERE id = %s", settlement.id)
        )  # approved by another transaction, committed before the lock is taken
        with self.assertRaisesRegex(AccessError, "Only Rebate Accountants"):
            as_channel.action_cancel()
        settlement.invalidate_recordset()
        self.assertEqual(settlement.state, "approved")

    def test_negative_net_becomes_an_invoice(self):
        """A partner whose true-up exceeds its new rebate owes the difference: a customer
        invoice (or a vendor refund for cash payouts)."""
        settlement = self._settle(self.program)
        self._refund(self.invoice_a, 300_000, refund_date=date(2025, 4, 5))
        q2 = self._settle(self.program, date(2025, 4, 1))
        move = self._line(q2, self.partner_a, "adjustment").move_id
        self.assertEqual(move.move_type, "out_invoice")
        self.assertEqual(move.amount_total, 30_000, "1,000,000 → 700,000: the 3% rebate is lost")
        self.assertTrue(settlement.move_ids)

    def test_rebate_moves_are_no_sales(self):
        """The credit notes (or claw-back invoices) of a settlement never count as sales of
        the partner in a later period, nor as a return of the settled one."""
        self._target(self.program, self.partner_a, 1_000_000, date(2025, 4, 1))
        self.program.post_moves = True
        with freeze_time("2025-04-10"):
            q1 = self._settle(self.program)
        credit_note = self._line(q1, self.partner_a).move_id
        self.assertEqual(
            (credit_note.state, credit_note.invoice_date, credit_note.amount_total),
            ("posted", date(2025, 4, 10), 30_000),
        )
        self._invoice(self.partner_a, 800_000, invoice_date=date(2025, 5, 5))
        q2 = self._settlement(self.program, date(2025, 4, 1))
        q2.action_compute()
        line = self._line(q2, self.partner_a)
        self.assertEqual((line.base_amount, line.item_count, line.total), (800_000, 1, 16_000))
        self.assertFalse(q2.adjustment_line_ids)
        self.assertNotIn(credit_note, line.source_ids.move_line_id.move_id)

    def test_reversed_rebate_credit_note_is_no_sale(self):
        """Reversing a rebate credit note (to cancel a paid settlement) makes a customer
        invoice for the rebate product: no sale of the partner either, it neither raises
        the base nor counts as a source of the next period."""
        self._target(self.program, self.partner_a, 1_000_000, date(2025, 4, 1))
        self.program.post_moves = True
        with freeze_time("2025-04-10"):
            q1 = self._settle(self.program)
        credit_note = self._line(q1, self.partner_a).move_id
        with freeze_time("2025-05-10"):
            reversal = credit_note._reverse_moves(
                default_values_list=[
                    {"invoice_date": date(2025, 5, 10), "date": date(2025, 5, 10)}
                ],
                cancel=True,
            )
        self.assertEqual((reversal.move_type, reversal.state), ("out_invoice", "posted"))
        # the rebate paid again by hand (Reverse and create invoice: a copy not linked to
        # any settlement) is no return of goods either
        reissued = self._invoice(
            self.partner_a,
            30_000,
            invoice_date=date(2025, 5, 10),
            product=self.product_rebate,
            move_type="out_refund",
        )
        self._invoice(self.partner_a, 800_000, invoice_date=date(2025, 5, 5))
        q2 = self._settlement(self.program, date(2025, 4, 1))
        q2.action_compute()
        line = self._line(q2, self.partner_a)
        self.assertEqual((line.base_amount, line.item_count, line.total), (800_000, 1, 16_000))
        self.assertFalse((reversal | reissued) & line.source_ids.move_line_id.move_id)

    def test_new_settlement_action_picks_next_period(self):
        self._settle(self.program)
        action = self.program.action_new_settlement()
        self.assertEqual(action["context"]["default_date_from"], date(2025, 4, 1))
        self.assertEqual(action["context"]["default_date_to"], date(2025, 6, 30))

    def test_terms_frozen_after_approval(self):
        self._settle(self.program, moves=False)
        self.assertTrue(self.program.terms_locked)
        with self.assertRaisesRegex(UserError, "frozen"):
            self.program.band_mode = "marginal"
        with self.assertRaisesRegex(UserError, "frozen"):
            self.program.band_ids[0].rate = 4
        with self.assertRaisesRegex(UserError, "frozen"):
            self.program.write({"band_ids": [Command.create({"attainment_from": 500, "rate": 9})]})
        self.program.name = "Test renamed"  # the name is not a term
