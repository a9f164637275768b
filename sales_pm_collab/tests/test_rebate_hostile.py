"""The rebates against a hostile client (issue 10).

Every attack is made as RPC makes it: ``record.with_user(user).with_context(keys)`` then a
public method, once without and once with the internal context keys the addon used to
trust. Each must be refused with a message (a UserError: AccessError and ValidationError
are ones), and nothing may have changed: settlements (state, who and when, period,
totals), lines, sources, moves, bands, programs. A refused RPC call rolls its
transaction back, so each attack runs in a savepoint.
"""

from datetime import date
from pathlib import Path

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.sales_pm_collab.models.rebate.rebate_program_terms import BANDS_DEFERRED_KEY
from odoo.addons.sales_pm_collab.tests.rebate_common import RebateCommon

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


@tagged("post_install", "-at_install")
class TestRebateHostile(RebateCommon):
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

    # --- helpers -------------------------------------------------------------------------
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

    # --- the settled period ----------------------------------------------------------------
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

    def test_settled_period_cannot_be_reopened_nor_paid_twice(self):
        self.assertEqual(self.settlement.state, "done")
        self.assertEqual(len(self.settlement.move_ids), 2)
        self._assert_all_refused(
            self._settlement_attacks(), REBATE_ROLES + OTHER_ROLES, self.settlement
        )
        # and the settlement still pays out once: no second credit note for the period
        moves = self.env["account.move"].search(
            [("rebate_settlement_id.program_id", "=", self.program.id)]
        )
        self.assertEqual(moves, self.settlement.move_ids)

    def test_refusals_name_what_is_wrong(self):
        settlement = self.settlement.with_user(self.user_channel).with_context(**OLD_KEYS)
        with self.assertRaisesRegex(
            AccessError, r"\(state\).*\(approved_uid\).*set by its buttons"
        ):
            settlement.write({"state": "approved", "approved_uid": self.user_channel.id})
        with self.assertRaisesRegex(UserError, "can no longer be edited"):
            settlement.write({"date_from": "2025-04-01"})
        with self.assertRaisesRegex(ValidationError, "already has a settlement"):
            settlement.create({"program_id": self.program.id, "date_from": "2025-01-01"})
        with self.assertRaisesRegex(AccessError, "Settlement lines are computed"):
            settlement.line_ids[0].write({"total": 0})
        with self.assertRaisesRegex(AccessError, "audit trail"):
            settlement.with_user(self.user_finance).line_ids.source_ids[0].write({"amount": 0})
        with self.assertRaisesRegex(AccessError, r"\(rebate_settlement_id\) cannot be set"):
            self.invoice_q2.with_user(self.user_finance).write(
                {"rebate_settlement_id": self.settlement.id}
            )

    def test_workflow_still_works_for_its_roles(self):
        """The refusals leave the buttons working: the channel manager computes, the
        accountant approves and pays out; notes stay editable on a paid settlement."""
        self._target(self.program, self.partner_a, 1_000, date_from=date(2025, 4, 1))
        draft = self.draft_q2.with_user(self.user_channel).with_context(**OLD_KEYS)
        draft.action_compute()
        self.assertEqual(draft.state, "computed")
        self.assertEqual(draft.computed_uid, self.user_channel)
        # a new period while computed: back to draft, lines gone
        draft.write({"date_from": "2025-07-01"})
        self.assertEqual((draft.state, draft.date_to), ("draft", date(2025, 9, 30)))
        self.assertFalse(draft.line_ids)
        draft.write({"date_from": "2025-04-01"})
        draft.action_compute()
        as_finance = draft.with_user(self.user_finance)
        as_finance.action_approve()
        as_finance.action_create_moves()
        self.assertEqual(as_finance.state, "done")
        self.assertEqual(as_finance.done_uid, self.user_finance)
        self.assertEqual(as_finance.amount_total, 30)
        self.assertEqual(len(as_finance.move_ids), 1)
        self.assertEqual(as_finance.move_ids.rebate_settlement_id, draft)
        self.assertEqual(as_finance.move_ids.create_uid, self.user_finance)
        self.settlement.with_user(self.user_finance).note = "Checked with the distributors"
        new = (
            self.env["rebate.settlement"]
            .with_user(self.user_channel)
            .create({"program_id": self.program.id, "date_from": "2025-10-01"})
        )
        self.assertRegex(new.name, r"^RBT/")

    # --- bands ---------------------------------------------------------------------------------
    def _band_program(self):
        program = self.env["rebate.program"].create(
            {
                "name": "Test hostile bands",
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
                "partner_ids": [Command.set(self.partner_c.ids)],
                "band_ids": [
                    Command.create({"attainment_from": low, "attainment_to": high, "rate": rate})
                    for low, high, rate in ((0, 80, 0), (80, 100, 2), (100, 0, 3))
                ],
            }
        )
        return program, *program.band_ids.sorted("attainment_from")

    def test_band_layout_cannot_be_forged(self):
        program, low, middle, top = self._band_program()
        other_band = self.other_program.band_ids[0]

        def band(vals):
            return dict({"program_id": program.id, "rate": 1}, **vals)

        def on(record, attacked):
            return record.with_env(attacked.env)

        attacks = {
            "overlapping band on its own": lambda p: p.env["rebate.program.band"].create(
                band({"attainment_from": 50, "attainment_to": 90})
            ),
            "second open band on its own": lambda p: p.env["rebate.program.band"].create(
                band({"attainment_from": 150})
            ),
            "band stretched over the next": lambda p: on(low, p).write({"attainment_to": 90}),
            "band opened at the top of the middle": lambda p: on(middle, p).write(
                {"attainment_to": 0}
            ),
            "gap by deleting a band": lambda p: on(middle, p).unlink(),
            "overlap through the program form": lambda p: p.write(
                {
                    "band_ids": [
                        Command.create({"attainment_from": 90, "attainment_to": 120, "rate": 1})
                    ]
                }
            ),
            "second open band through the program form": lambda p: p.write(
                {"band_ids": [Command.create({"attainment_from": 150, "rate": 9})]}
            ),
            "gap through the program form": lambda p: p.write(
                {"band_ids": [Command.delete(middle.id)]}
            ),
            "band taken from another program": lambda p: p.write(
                {"band_ids": [Command.link(other_band.id)]}
            ),
            "band moved to another program": lambda p: on(top, p).write(
                {"program_id": self.other_program.id}
            ),
            "band given a malformed program": lambda p: on(top, p).write({"program_id": "abc"}),
            "overlapping bands in a new program": lambda p: p.create(
                {
                    "name": "Test forged",
                    "date_start": "2025-01-01",
                    "date_end": "2025-12-31",
                    "band_ids": [
                        Command.create({"attainment_from": 0, "attainment_to": 90, "rate": 1}),
                        Command.create({"attainment_from": 80, "rate": 2}),
                    ],
                }
            ),
            "activated by writing the state": lambda p: p.write({"state": "active"}),
            "settlement forged through the program": lambda p: p.write(
                {"settlement_ids": [Command.create({"date_from": "2025-01-01"})]}
            ),
        }
        self._assert_all_refused(attacks, REBATE_ROLES, program)
        self.assertFalse(self.env.cr.cache.get(BANDS_DEFERRED_KEY), "no marker left behind")

    def test_program_form_saves_bands_at_once(self):
        """The program form's save: a band moved before the next one is, checked once at
        the end; the marker never outlives the write, even a failed one."""
        program, low, middle, _top = self._band_program()
        as_channel = program.with_user(self.user_channel).with_context(**OLD_KEYS)
        as_channel.write(
            {
                "band_ids": [
                    Command.update(low.id, {"attainment_to": 70}),
                    Command.update(middle.id, {"attainment_from": 70}),
                ]
            }
        )
        self.assertEqual(program.band_ids.mapped("attainment_from"), [0, 70, 100])
        self.assertFalse(self.env.cr.cache.get(BANDS_DEFERRED_KEY))
        with self.assertRaisesRegex(ValidationError, "gap"), self.env.cr.savepoint():
            as_channel.write({"band_ids": [Command.update(low.id, {"attainment_to": 60})]})
        self.assertFalse(self.env.cr.cache.get(BANDS_DEFERRED_KEY))
        # right after the program's write, a band on its own is checked again
        with self.assertRaisesRegex(ValidationError, "gap"), self.env.cr.savepoint():
            low.with_user(self.user_channel).with_context(**OLD_KEYS).attainment_to = 60

    def test_program_with_forged_bands_cannot_be_activated(self):
        """Bands saved through the old hole (overlapping, two open ones) keep their
        program from going live, whatever the context says."""
        program, _low, _middle, top = self._band_program()
        self.env.cr.execute(
            SQL(
                "INSERT INTO rebate_program_band (program_id, company_id, attainment_from, "
                "attainment_to, rate) VALUES (%s, %s, 150, NULL, 9)",
                program.id,
                program.company_id.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(len(program.band_ids), 4)
        self.assertFalse(top.attainment_to)
        for role in ("user_channel", "user_finance", "user_admin"):
            for context_name, context in CONTEXTS:
                with self.subTest(role=role, context=context_name):
                    with (
                        self.assertRaisesRegex(ValidationError, "open-ended"),
                        self.env.cr.savepoint(),
                    ):
                        self._as(program, role, context).action_activate()
                    program.invalidate_recordset()
                    self.assertEqual(program.state, "draft")

    def test_program_state_only_through_buttons(self):
        program, *_bands = self._band_program()
        program.target_ids = [
            Command.create(
                {"partner_id": self.partner_c.id, "date_from": "2025-01-01", "amount": 100}
            )
        ]
        for role in ("user_channel", "user_finance"):
            for context_name, context in CONTEXTS:
                with self.subTest(role=role, context=context_name):
                    as_user = self._as(program, role, context)
                    for state in ("active", "closed", "draft"):
                        with self.assertRaisesRegex(AccessError, r"\(state\) cannot be set"):
                            as_user.write({"state": state})
                    # a default_state key is dropped: a new program is a draft
                    created = as_user.with_context(default_state="active").create(
                        {
                            "name": "Test default",
                            "date_start": "2025-01-01",
                            "date_end": "2025-12-31",
                        }
                    )
                    self.assertEqual(created.state, "draft")
                    as_user.action_activate()
                    self.assertEqual(program.state, "active")
                    as_user.action_close()
                    self.assertEqual(program.state, "closed")
                    as_user.action_draft()
                    self.assertEqual(program.state, "draft")

    # --- input ---------------------------------------------------------------------------------
    def test_bad_input_is_refused_with_a_message(self):
        """Malformed values from a client: a ValidationError naming the problem, not a
        traceback, and nothing created or changed."""
        program_id = self.program.id
        settlement = {"program_id": program_id, "date_from": "2025-07-01"}
        program = {"name": "Test input", "date_start": "2025-01-01", "date_end": "2025-12-31"}
        target = {
            "program_id": program_id,
            "partner_id": self.partner_c.id,
            "date_from": "2025-07-01",
            "amount": 1000,
        }
        band = {"program_id": self.other_program.id, "attainment_from": 500, "rate": 1}
        cases = [
            # (model, values, what the message says)
            ("rebate.settlement", dict(settlement, date_from="2025-13-45"), "Period Start"),
            ("rebate.settlement", dict(settlement, date_from="next quarter"), "Period Start"),
            ("rebate.settlement", dict(settlement, date_from=20250701), "Period Start"),
            ("rebate.settlement", dict(settlement, date_from="9999-10-01"), "too far"),
            ("rebate.settlement", dict(settlement, date_from="2025-07-15"), "exactly one period"),
            ("rebate.settlement", dict(settlement, date_to="2025-12-31"), "exactly one period"),
            ("rebate.settlement", dict(settlement, program_id="abc"), "Program"),
            ("rebate.settlement", dict(settlement, program_id=[program_id]), "Program"),
            ("rebate.program", dict(program, period="weekly"), "one of month"),
            ("rebate.program", dict(program, basis="cash"), "one of invoiced"),
            ("rebate.program", dict(program, band_mode="steps"), "one of whole"),
            ("rebate.program", dict(program, payout="cash"), "one of credit_note"),
            ("rebate.program", dict(program, date_start="first of January"), "Start Date"),
            ("rebate.program", dict(program, date_end="2099-12-31"), "at most 10 years"),
            ("rebate.program", dict(program, date_end="9999-12-31"), "at most 10 years"),
            ("rebate.program", dict(program, date_end="2035-01-31", period="month"), "10 years"),
            ("rebate.program", dict(program, date_start="0001-01-01"), "not plausible"),
            ("rebate.program", dict(program, cap_amount=1e308), "sensible size"),
            ("rebate.program", dict(program, cap_amount="lots"), "a number"),
            ("rebate.program", dict(program, growth_rate=float("nan")), "sensible size"),
            ("rebate.target", dict(target, amount="a million"), "a number"),
            ("rebate.target", dict(target, amount=1e300), "sensible size"),
            ("rebate.target", dict(target, date_from="Q3"), "Period Start"),
            ("rebate.target", dict(target, date_from="9999-10-01"), "too far"),
            ("rebate.target", dict(target, partner_id="Test 华北代理 C"), "Partner"),
            ("rebate.program.band", dict(band, rate="two"), "Rate"),
            ("rebate.program.band", dict(band, attainment_from=1e300), "sensible size"),
            (
                "rebate.program.special",
                {"program_id": self.other_program.id, "categ_id": self.categ_hw.id, "factor": "x"},
                "Factor",
            ),
            (
                "rebate.program.special",
                {
                    "program_id": self.other_program.id,
                    "categ_id": self.categ_hw.id,
                    "rate_type": "x",
                },
                "one of percent",
            ),
        ]
        before = self._snapshot()
        for role in ("user_channel", "user_finance"):
            for context_name, context in CONTEXTS:
                for model, vals, message in cases:
                    with self.subTest(role=role, context=context_name, model=model, vals=vals):
                        Model = self.env[model].with_user(getattr(self, role))
                        count = Model.sudo().search_count([])
                        with (
                            self.assertRaisesRegex(ValidationError, message),
                            self.env.cr.savepoint(),
                        ):
                            Model.with_context(**context).create(vals)
                        self.assertEqual(Model.sudo().search_count([]), count)
                        self.assertEqual(self._snapshot(), before)
                with self.subTest(role=role, context=context_name, longest_program=True):
                    longest = self._as(self.env["rebate.program"], role, context).create(
                        dict(program, date_end="2034-12-31", period="year")
                    )
                    self.assertEqual(len(longest._get_periods()), 10)
                    longest.unlink()
                with self.subTest(role=role, context=context_name, write="date_from"):
                    draft = self._as(self.draft_q2, role, context)
                    for value in ("2025-02-30", "soon", "9999-10-01"):
                        with (
                            self.assertRaises(ValidationError),
                            self.env.cr.savepoint(),
                        ):
                            draft.write({"date_from": value})
                    self.assertEqual(self._snapshot(), before)

    # --- reports and system-owned fields -------------------------------------------------------
    @freeze_time("2025-05-10")
    def test_accrual_figures_are_computed_not_typed(self):
        # a return of a settled sale (a pending true-up) and sales in the open period
        self._refund(self.settlement.line_ids.source_ids.move_line_id.move_id[0], 100_000)
        for model, figure in (
            ("rebate.accrual.report", "liability_amount"),
            ("rebate.pending.adjustment", "adjustment_amount"),
        ):
            for role in ("user_channel", "user_finance", "user_admin"):
                for context_name, context in CONTEXTS:
                    with self.subTest(model=model, role=role, context=context_name):
                        Report = self._as(self.env[model], role, context)
                        count = Report.sudo().search_count([])
                        for vals in (
                            {"program_id": self.program.id, "company_id": self.company.id},
                            {figure: 1e9},
                            {},
                        ):
                            with self.assertRaises(AccessError), self.env.cr.savepoint():
                                Report.create(vals)
                        self.assertEqual(Report.sudo().search_count([]), count)
                        # opening the report computes the user's own rows
                        rows = Report.browse(Report.action_open()["domain"][0][2])
                        self.assertTrue(rows)
                        self.assertEqual(rows.create_uid, getattr(self, role))
                        figures = rows.mapped(figure)
                        with self.assertRaises(AccessError), self.env.cr.savepoint():
                            rows.write({figure: 1e9})
                        rows.invalidate_recordset()
                        self.assertEqual(rows.mapped(figure), figures)

    def test_system_fields(self):
        """Engine output is system-owned field by field (a new field must be listed), and
        the workflow fields are refused to users."""
        for model in ("rebate.settlement.line", "rebate.settlement.source"):
            Model = self.env[model]
            missing = set(Model._fields) - set(Model._collab_system_field_names())
            self.assertLessEqual(missing, set(models_magic_fields(Model)), model)
        expected = {
            "rebate.settlement": {
                "name",
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
                "amount_total",
                "amount_adjustment",
                "partner_count",
            },
            "rebate.program": {"state", "settlement_ids", "terms_locked", "settlement_count"},
            "rebate.program.band": {"company_id"},
            "rebate.target": {"company_id"},
            "account.move": {"rebate_settlement_id"},
            "res.partner": {"rebate_accrued_amount", "rebate_accrued_visible"},
        }
        for model, names in expected.items():
            with self.subTest(model=model):
                self.assertLessEqual(names, set(self.env[model]._collab_system_field_names()))
        # what users legitimately edit stays editable
        self.assertFalse(
            {"note", "program_id", "date_from", "date_to"}
            & self.env["rebate.settlement"]._collab_system_field_names()
        )
        self.assertFalse(
            {"band_ids", "special_ids", "target_ids", "partner_ids", "cap_amount", "period"}
            & self.env["rebate.program"]._collab_system_field_names()
        )

    def test_no_context_key_opens_anything(self):
        """The rebates read none of the removed internal keys any more."""
        addon = Path(__file__).resolve().parent.parent
        for path in sorted(addon.rglob("*")):
            if path.suffix not in (".py", ".xml", ".js") or "tests" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for key in OLD_KEYS:
                with self.subTest(path=str(path.relative_to(addon)), key=key):
                    self.assertNotIn(key, text)


def models_magic_fields(model):
    """Fields every model has (id, create/write uid and date, display_name)."""
    return {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}
