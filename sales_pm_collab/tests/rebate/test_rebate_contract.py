import json
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import call_kw
from odoo.tests import tagged

from .common import RebateCommon

# the names of the issue: model -> {field: (type, comodel or selection keys)}
CONTRACT = {
    "rebate.program": {
        "name": ("char", None),
        "partner_ids": ("many2many", "res.partner"),
        "grade_ids": ("many2many", "res.partner.grade"),
        "period": ("selection", ["month", "quarter", "half_year", "year"]),
        "date_start": ("date", None),
        "date_end": ("date", None),
        "basis": ("selection", ["invoiced", "paid"]),
        "product_categ_ids": ("many2many", "product.category"),
        "product_ids": ("many2many", "product.product"),
        "excluded_product_ids": ("many2many", "product.product"),
        "exclude_conflicts": ("boolean", None),
        "band_ids": ("one2many", "rebate.program.band"),
        "band_mode": ("selection", ["whole", "marginal"]),
        "growth_rate": ("float", None),
        "special_ids": ("one2many", "rebate.program.special"),
        "apply_grade_multiplier": ("boolean", None),
        "cap_amount": ("monetary", None),
        "payout": ("selection", ["credit_note", "vendor_bill", "order_deduction", "fund"]),
        "journal_id": ("many2one", "account.journal"),
        "product_id": ("many2one", "product.product"),
        "state": ("selection", ["draft", "active", "closed"]),
        "target_ids": ("one2many", "rebate.target"),
        "company_id": ("many2one", "res.company"),
    },
    "rebate.program.band": {
        "program_id": ("many2one", "rebate.program"),
        "attainment_from": ("float", None),
        "attainment_to": ("float", None),
        "rate": ("float", None),
    },
    "rebate.program.special": {
        "program_id": ("many2one", "rebate.program"),
        "product_id": ("many2one", "product.product"),
        "categ_id": ("many2one", "product.category"),
        "rate": ("float", None),
    },
    "rebate.target": {
        "program_id": ("many2one", "rebate.program"),
        "partner_id": ("many2one", "res.partner"),
        "date_from": ("date", None),
        "date_to": ("date", None),
        "amount": ("monetary", None),
    },
    "rebate.settlement": {
        "name": ("char", None),
        "program_id": ("many2one", "rebate.program"),
        "date_from": ("date", None),
        "date_to": ("date", None),
        "state": ("selection", ["draft", "computed", "approved", "done", "cancelled"]),
        "line_ids": ("one2many", "rebate.settlement.line"),
        "move_ids": ("one2many", "account.move"),
        "amount_base_rebate": ("monetary", None),
        "amount_growth_rebate": ("monetary", None),
        "amount_special_rebate": ("monetary", None),
        "amount_adjustment": ("monetary", None),
        "amount_total": ("monetary", None),
        "computed_uid": ("many2one", "res.users"),
        "computed_date": ("datetime", None),
        "approved_uid": ("many2one", "res.users"),
        "approved_date": ("datetime", None),
        "company_id": ("many2one", "res.company"),
    },
    "rebate.settlement.line": {
        "settlement_id": ("many2one", "rebate.settlement"),
        "partner_id": ("many2one", "res.partner"),
        "target_amount": ("monetary", None),
        "base_amount": ("monetary", None),
        "attainment": ("float", None),
        "band_id": ("many2one", "rebate.program.band"),
        "band_rate": ("float", None),
        "base_rebate": ("monetary", None),
        "growth_base": ("monetary", None),
        "growth_rebate": ("monetary", None),
        "special_rebate": ("monetary", None),
        "multiplier": ("float", None),
        "adjustment_amount": ("monetary", None),
        "capped": ("boolean", None),
        "total": ("monetary", None),
        "move_id": ("many2one", "account.move"),
        "warning": ("char", None),
    },
    "rebate.settlement.source": {
        "settlement_line_id": ("many2one", "rebate.settlement.line"),
        "move_line_id": ("many2one", "account.move.line"),
        "amount": ("monetary", None),
    },
    # issue 13: the partner rebate balance and fund claims
    "rebate.balance.move": {
        "partner_id": ("many2one", "res.partner"),
        "program_id": ("many2one", "rebate.program"),
        "settlement_line_id": ("many2one", "rebate.settlement.line"),
        "amount": ("monetary", None),
        "kind": ("selection", ["credit", "use", "expiry", "reversal"]),
        "sale_order_id": ("many2one", "sale.order"),
        "claim_id": ("many2one", "rebate.fund.claim"),
        "date": ("date", None),
        "expires_on": ("date", None),
    },
    "rebate.fund.claim": {
        "partner_id": ("many2one", "res.partner"),
        "program_id": ("many2one", "rebate.program"),
        "amount": ("monetary", None),
        "purpose": (
            "selection",
            ["exhibition", "advertising", "training", "promotion", "other"],
        ),
        "attachment_ids": ("many2many", "ir.attachment"),
        "state": ("selection", ["draft", "submitted", "checked", "approved", "rejected"]),
        "move_id": ("many2one", "account.move"),
    },
}


@tagged("post_install", "-at_install")
class TestRebateContract(RebateCommon):
    """The names of the issue are a contract (RPC, exports, BI): the fields with their
    meaning, and the methods called the way a client calls them (`/web/dataset/call_kw`:
    ids, JSON results), working for the roles that may and refused to the others."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program()
        cls._target(cls.program, cls.partner_a, 1_000_000)
        cls._invoice(cls.partner_a, 1_000_000)

    def _rpc(self, user, model, method, ids, *args, **kwargs):
        result = call_kw(self.env[model].with_user(user), method, [ids, *args], kwargs)
        json.dumps(result)  # what the client gets back must serialise
        return result

    def test_fields(self):
        for model, fields in CONTRACT.items():
            described = self.env[model].fields_get(attributes=("type", "relation", "selection"))
            for name, (ftype, detail) in fields.items():
                with self.subTest(model=model, field=name):
                    self.assertEqual(described[name]["type"], ftype)
                    if ftype == "selection":
                        self.assertEqual([key for key, _ in described[name]["selection"]], detail)
                    elif detail:
                        self.assertEqual(described[name]["relation"], detail)
        for model in ("rebate.program", "rebate.settlement"):
            self.assertIsInstance(self.env[model], self.env.registry["mail.thread"], model)
        self.assertEqual(self.env["account.move"]._fields["rebate_settlement_id"].type, "many2one")

    def test_band_meaning(self):
        """attainment_from inclusive, attainment_to exclusive, empty = open top band."""
        program = self.program
        band_80, band_100, band_120 = program.band_ids.sorted("attainment_from")
        for attainment, band in (
            (80, band_80),
            (99.999, band_80),
            (100, band_100),
            (120, band_120),
        ):
            with self.subTest(attainment=attainment):
                self.assertEqual(program._get_rebate(attainment * 10_000, 1_000_000)["band"], band)
        self.assertFalse(program._get_rebate(79.99 * 10_000, 1_000_000)["band"])
        self.assertEqual(program._get_rebate(10**9, 1_000_000)["band"], band_120)

    def test_eligibility_partners_plus_current_level(self):
        grade = self.env["res.partner.grade"].create({"name": "Test contract level"})
        program = self._program(
            name="Test eligibility",
            partner_ids=[Command.set(self.partner_a.ids)],
            grade_ids=[Command.set(grade.ids)],
        )
        self.assertEqual(program._get_eligible_partners(), self.partner_a)
        self.partner_b.grade_id = grade
        self.assertEqual(program._get_eligible_partners(), self.partner_a | self.partner_b)
        self.partner_b.grade_id = False  # "currently": leaving the level leaves the program
        self.assertEqual(program._get_eligible_partners(), self.partner_a)

    def test_settlement_methods_over_rpc(self):
        program = self._rpc(
            self.user_finance,
            "rebate.program",
            "create",
            {
                "name": "Test RPC program",
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "partner_ids": [Command.set(self.partner_a.ids)],
                "band_ids": [Command.create({"attainment_from": 0, "rate": 1})],
                "journal_id": self.sale_journal.id,
                "product_id": self.product_rebate.id,
            },
        )
        self.assertIsInstance(program, int)
        self.assertTrue(
            self._rpc(self.user_finance, "rebate.program", "action_activate", [program])
        )
        self._rpc(
            self.user_channel,
            "rebate.target",
            "create",
            {
                "program_id": program,
                "partner_id": self.partner_a.id,
                "date_from": "2025-01-01",
                "amount": 500_000,
            },
        )
        settlement = self._rpc(
            self.user_channel,
            "rebate.settlement",
            "create",
            {"program_id": program, "date_from": "2025-01-01"},
        )
        record = self.env["rebate.settlement"].browse(settlement)
        settlement = [settlement]
        self.assertEqual(record.date_to, date(2025, 3, 31))
        # channel managers compute drafts...
        self.assertTrue(
            self._rpc(self.user_channel, "rebate.settlement", "action_compute", settlement)
        )
        self.assertEqual((record.state, record.amount_total), ("computed", 10_000))
        # ...but neither approve nor pay out
        for method in ("action_approve", "action_create_moves"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                self._rpc(self.user_channel, "rebate.settlement", method, settlement)
        self.assertTrue(
            self._rpc(self.user_finance, "rebate.settlement", "action_approve", settlement)
        )
        self.assertEqual((record.state, record.approved_uid), ("approved", self.user_finance))
        with self.assertRaises(AccessError):
            self._rpc(self.user_channel, "rebate.settlement", "action_create_moves", settlement)
        with self.assertRaises(AccessError):
            self._rpc(self.user_channel, "rebate.settlement", "action_cancel", settlement)
        self.assertTrue(
            self._rpc(self.user_finance, "rebate.settlement", "action_create_moves", settlement)
        )
        self.assertEqual(record.state, "done")
        self.assertEqual(record.line_ids.move_id, record.move_ids)
        action = self._rpc(self.user_channel, "rebate.settlement", "action_export_xlsx", settlement)
        self.assertEqual(
            (action["type"], action["url"], action["target"]),
            (
                "ir.actions.act_url",
                f"/sales_pm_collab/rebate_settlement/{record.id}/xlsx",
                "download",
            ),
        )
        record.move_ids.button_cancel()
        self.assertTrue(
            self._rpc(self.user_finance, "rebate.settlement", "action_cancel", settlement)
        )
        self.assertEqual(record.state, "cancelled")
        self.assertTrue(self._rpc(self.user_channel, "rebate.program", "action_close", [program]))
        self.assertEqual(self.env["rebate.program"].browse(program).state, "closed")

    def test_methods_refused_to_roles_without_rebates(self):
        settlement = self._settlement(self.program)
        users = (self.user_rep, self.user_cs, self.user_pm, self.user_sales_manager)
        calls = [
            ("rebate.settlement", method, settlement.ids)
            for method in (
                "action_compute",
                "action_approve",
                "action_create_moves",
                "action_cancel",
                "action_export_xlsx",
            )
        ] + [("rebate.program", m, self.program.ids) for m in ("action_activate", "action_close")]
        for user in users:
            for model, method, ids in calls:
                with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                    self._rpc(user, model, method, ids)
        self.assertEqual((settlement.state, self.program.state), ("draft", "active"))

    def test_clear_errors_over_rpc(self):
        """Bad calls get a message saying what to do, never a traceback."""
        settlement = self._settlement(self.program)
        with self.assertRaisesRegex(UserError, "Only computed settlements can be approved"):
            self._rpc(self.user_finance, "rebate.settlement", "action_approve", settlement.ids)
        with self.assertRaisesRegex(UserError, "must be approved before"):
            self._rpc(self.user_finance, "rebate.settlement", "action_create_moves", settlement.ids)
        with self.assertRaisesRegex(UserError, "Only draft rebate programs can be activated"):
            self._rpc(self.user_finance, "rebate.program", "action_activate", self.program.ids)
        with self.assertRaisesRegex(ValidationError, "already has a settlement"):
            self._rpc(
                self.user_finance,
                "rebate.settlement",
                "create",
                {"program_id": self.program.id, "date_from": "2025-01-01"},
            )
