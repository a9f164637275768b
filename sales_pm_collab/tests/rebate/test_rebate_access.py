from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import RebateCommon

REBATE_MODELS = [
    "rebate.program",
    "rebate.program.band",
    "rebate.program.special",
    "rebate.target",
    "rebate.settlement",
    "rebate.settlement.line",
    "rebate.settlement.source",
]


@tagged("post_install", "-at_install")
class TestRebateAccess(RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program(
            special_ids=[Command.create({"product_id": cls.product_new.id, "rate": 1})]
        )
        cls._target(cls.program, cls.partner_a, 1_000_000)
        cls._invoice(cls.partner_a, 900_000)
        cls.settlement = cls._settle(cls.program)

    def _records(self):
        return {
            "rebate.program": self.program,
            "rebate.program.band": self.program.band_ids[0],
            "rebate.program.special": self.program.special_ids,
            "rebate.target": self.program.target_ids,
            "rebate.settlement": self.settlement,
            "rebate.settlement.line": self.settlement.line_ids[0],
            "rebate.settlement.source": self.settlement.line_ids.source_ids[0],
        }

    def test_roles_without_rebates_read_nothing(self):
        users = (
            self.user_rep,
            self.user_cs,
            self.user_pm,
            self.user_employee,
            self.user_sales_manager,
            self.user_portal,
        )
        for user in users:
            for model, record in self._records().items():
                with self.subTest(user=user.login, model=model):
                    with self.assertRaises(AccessError):
                        record.with_user(user).read(["id"])
                    if user == self.user_portal and model == "rebate.settlement.line":
                        # a portal user reads its own statement lines (portal rule): not
                        # this line of another partner, as the read above shows
                        continue
                    self.assertFalse(self.env[model].with_user(user).has_access("read"))

    def test_accountant_does_everything(self):
        env = self.env(user=self.user_finance)
        for model in REBATE_MODELS[:5]:
            for operation in ("read", "write", "create", "unlink"):
                self.assertTrue(env[model].has_access(operation), f"{model} {operation}")
        program = env["rebate.program"].create(
            {
                "name": "Test by finance",
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
            }
        )
        self.assertTrue(program)

    def test_channel_manager_prepares_but_cannot_pay(self):
        env = self.env(user=self.user_channel)
        program = env["rebate.program"].create(
            {
                "name": "Test by channel",
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
                "partner_ids": [Command.set(self.partner_b.ids)],
                "band_ids": [Command.create({"attainment_from": 0, "rate": 2})],
            }
        )
        program.band_ids.rate = 3
        program.action_activate()
        env["rebate.target"].create(
            {
                "program_id": program.id,
                "partner_id": self.partner_b.id,
                "date_from": date(2025, 1, 1),
                "amount": 10,
            }
        )
        self._invoice(self.partner_b, 1000)
        settlement = env["rebate.settlement"].create(
            {"program_id": program.id, "date_from": date(2025, 1, 1)}
        )
        settlement.action_compute()
        self.assertEqual(settlement.amount_total, 30)
        with self.assertRaises(AccessError):
            settlement.action_approve()
        settlement.sudo().action_approve()
        with self.assertRaises(AccessError):
            settlement.action_create_moves()
        with self.assertRaises(AccessError):
            settlement.unlink()
        self.assertFalse(env["rebate.settlement"].has_access("unlink"))

    def test_settled_lines_and_sources_read_only_for_everyone(self):
        for user in (self.user_finance, self.user_admin, self.user_channel):
            line = self.settlement.line_ids[0].with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(UserError):
                    line.write({"total": 1})
                with self.assertRaises(UserError):
                    line.source_ids[0].write({"amount": 1})
                with self.assertRaises(UserError):
                    line.unlink()
        # not even the superuser
        with self.assertRaisesRegex(UserError, "read-only"):
            self.settlement.line_ids[0].sudo().write({"total": 1})
        with self.assertRaisesRegex(UserError, "never change"):
            self.settlement.line_ids.source_ids[0].sudo().write({"amount": 1})

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "Test rebate subsidiary"})
        program = self.env["rebate.program"].create(
            {
                "name": "Test subsidiary program",
                "company_id": other.id,
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
            }
        )
        finance = self.user_finance
        self.assertFalse(
            self.env["rebate.program"].with_user(finance).search([("id", "=", program.id)])
        )
        with self.assertRaises(AccessError):
            program.with_user(finance).read(["name"])
        finance.write({"company_ids": [Command.link(other.id)]})
        visible = (
            self.env["rebate.program"]
            .with_user(finance)
            .with_context(allowed_company_ids=[self.company.id, other.id])
            .search([("id", "=", program.id)])
        )
        self.assertEqual(visible, program)

    @freeze_time("2025-02-20")
    def test_rep_sees_accrued_rebate_of_own_partners_only(self):
        program = self._program(
            name="Test accrual for reps",
            partner_ids=[Command.set((self.partner_c | self.partner_d).ids)],
        )
        self._target(program, self.partner_c, 100_000)
        self._target(program, self.partner_d, 100_000)
        self._invoice(self.partner_c, 110_000, invoice_date=date(2025, 2, 1))
        self._invoice(self.partner_d, 110_000, invoice_date=date(2025, 2, 1))
        self.partner_c.user_id = self.user_rep
        other_rep = new_test_user(
            self.env, login="t_rep2", groups="sales_pm_collab.group_collab_sales_rep"
        )
        self.partner_d.user_id = other_rep
        contact = self.env["res.partner"].create(
            {"name": "Test buyer C", "parent_id": self.partner_c.id}
        )
        partners = (self.partner_c | self.partner_d | contact).with_user(self.user_rep)
        values = {p: (p.rebate_accrued_visible, p.rebate_accrued_amount) for p in partners}
        self.assertEqual(values[self.partner_c], (True, 3_300))
        self.assertEqual(values[contact], (True, 3_300), "a contact shows its company's rebate")
        self.assertEqual(values[self.partner_d], (False, 0), "not a partner this rep sells to")
        # a sales order makes a partner "sold to" as well
        self.env["sale.order"].create(
            {"partner_id": self.partner_d.id, "user_id": self.user_rep.id}
        )
        partner_d = self.partner_d.with_user(self.user_rep)
        partner_d.invalidate_recordset()
        self.assertEqual(partner_d.rebate_accrued_amount, 3_300)
        # the rep still reads no rebate record
        with self.assertRaises(AccessError):
            program.with_user(self.user_rep).read(["name"])
        # finance sees every partner's figure; roles without rebates do not get the field
        self.assertEqual(self.partner_d.with_user(self.user_finance).rebate_accrued_amount, 3_300)
        with self.assertRaises(AccessError):
            self.partner_c.with_user(self.user_pm).read(["rebate_accrued_amount"])

    def test_settlement_buttons_per_role(self):
        """Buttons a role cannot use are not shown to it: channel managers compute and
        cancel drafts, only Rebate Accountants approve, pay out, send statements or cancel
        an approved or paid settlement."""

        def buttons(user):
            arch = (
                self.env["rebate.settlement"]
                .with_user(user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            return [
                (button.get("name"), button.get("invisible"))
                for button in etree.fromstring(arch).iterfind(".//header/button")
            ]

        finance_only = {"action_approve", "action_create_moves", "action_send_statements"}
        channel = buttons(self.user_channel)
        self.assertFalse(finance_only & {name for name, _ in channel})
        self.assertEqual(
            [invisible for name, invisible in channel if name == "action_cancel"],
            ["state not in ('draft', 'computed') or job_running"],
        )
        finance = buttons(self.user_finance)
        self.assertLessEqual(finance_only, {name for name, _ in finance})
        self.assertEqual(len([name for name, _ in finance if name == "action_cancel"]), 2)

    def test_settlement_of_another_company(self):
        other = self.env["res.company"].create({"name": "Test rebate branch"})
        program = self.env["rebate.program"].create(
            {
                "name": "Test branch program",
                "company_id": other.id,
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
                "partner_ids": [Command.set(self.partner_a.ids)],
                "band_ids": [Command.create({"attainment_from": 0, "rate": 1})],
            }
        )
        program.action_activate()
        self._target(program, self.partner_a, 1000)
        settlement = self.env["rebate.settlement"].create(
            {"program_id": program.id, "date_from": date(2025, 1, 1)}
        )
        settlement.action_compute()
        self.assertEqual(settlement.company_id, other)
        line = settlement.line_ids
        self.assertEqual(line.base_amount, 0, "the invoices of the main company do not count")
        for model in (
            "rebate.settlement",
            "rebate.settlement.line",
            "rebate.settlement.source",
            "rebate.target",
            "rebate.program.band",
        ):
            with self.subTest(model=model):
                records = self.env[model].with_user(self.user_finance).search([])
                self.assertNotIn(other, records.company_id)
        with self.assertRaises(AccessError):
            settlement.with_user(self.user_finance).action_compute()
