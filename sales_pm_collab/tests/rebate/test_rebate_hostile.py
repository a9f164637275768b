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

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import (
    CONTEXTS,
    OLD_KEYS,
    OTHER_ROLES,
    REBATE_ROLES,
    RebateHostileCommon,
)


@tagged("post_install", "-at_install")
class TestRebateHostile(RebateHostileCommon):
    """Settlements, system fields, bad input and context keys."""

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
        addon = Path(__file__).resolve().parent.parent.parent
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
