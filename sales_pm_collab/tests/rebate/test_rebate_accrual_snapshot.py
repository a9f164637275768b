import json
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from ..common import MODULE
from .common import RebateCommon

Q2 = date(2025, 4, 1)


class TestRebateAccrualSnapshot(RebateCommon):
    """The rebate liability accrued to date, stored per program and partner by a daily
    job for the Channel & Rebates dashboard: the figures of the live Rebate Accruals,
    dated, one company never counting another's, written by the job only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program()
        cls._target(cls.program, cls.partner_a, 1_000_000, Q2)
        cls._target(cls.program, cls.partner_b, 1_000_000, Q2)
        # A: 900,000 of 1,000,000 (90%: 2% band) -> 18,000; B: 500,000 (50%) -> 0
        cls._invoice(cls.partner_a, 900_000, invoice_date=date(2025, 4, 10))
        cls._invoice(cls.partner_b, 500_000, invoice_date=date(2025, 4, 12))
        cls.Snapshot = cls.env["rebate.accrual.snapshot"]

    def _refresh(self, day="2025-05-15"):
        with freeze_time(day):
            return self.Snapshot._cron_refresh()

    def test_rows_are_the_live_accrual_dated(self):
        rows = self._refresh().filtered(lambda r: r.program_id == self.program)
        by_partner = {r.partner_id: r for r in rows}
        self.assertEqual(by_partner[self.partner_a].liability_amount, 18_000)
        self.assertEqual(by_partner[self.partner_a].earned_amount, 18_000)
        self.assertEqual(by_partner[self.partner_b].liability_amount, 0)
        self.assertEqual(set(rows.mapped("snapshot_date")), {date(2025, 5, 15)})
        self.assertEqual({(r.date_from, r.date_to) for r in rows}, {(Q2, date(2025, 6, 30))})
        with freeze_time("2025-05-15"):
            live = {
                v["partner_id"]: v["liability"]
                for v in self.program._get_accrual_values()
                if v["program"] == self.program
            }
        self.assertEqual({r.partner_id.id: r.liability_amount for r in rows}, live)

    def test_daily_job_replaces_the_rows(self):
        self._refresh()
        self._invoice(self.partner_b, 400_000, invoice_date=date(2025, 5, 20))
        rows = self._refresh("2025-05-21").filtered(lambda r: r.program_id == self.program)
        self.assertEqual(
            self.Snapshot.search([]),
            self.Snapshot.search([]).filtered(lambda r: r.snapshot_date == date(2025, 5, 21)),
            "only the last run's rows are kept",
        )
        # B: 900,000 (90%) -> 18,000 now
        self.assertEqual(
            {r.partner_id: r.liability_amount for r in rows},
            {self.partner_a: 18_000, self.partner_b: 18_000},
        )
        cron = self.env.ref(f"{MODULE}.ir_cron_rebate_accrual_snapshot")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(cron.code, "model._cron_refresh()")

    def test_dashboard_pivots_respect_companies(self):
        self._refresh()
        company_b = self.env["res.company"].create({"name": "Accrual Other Co"})
        self.Snapshot.sudo().create(
            {
                "snapshot_date": date(2025, 5, 15),
                "program_id": self.program.id,
                "company_id": company_b.id,
                "partner_id": self.partner_a.id,
                "liability_amount": 777_000,
            }
        )
        self.assertNotIn(company_b, self.user_channel.company_ids)
        snapshot = json.loads(
            self.env.ref(f"{MODULE}.spreadsheet_dashboard_collab_channel_rebate").spreadsheet_data
        )
        pivots = {
            p["rows"][0]["fieldName"]: p
            for p in snapshot["pivots"].values()
            if p["model"] == "rebate.accrual.snapshot"
        }
        self.assertEqual(set(pivots), {"program_id", "partner_id"})
        for user in (self.user_channel, self.user_finance):
            totals = dict(
                self.Snapshot.with_user(user)._read_group(
                    pivots["partner_id"]["domain"], ["partner_id"], ["liability_amount:sum"]
                )
            )
            self.assertEqual(totals.get(self.partner_a), 18_000, user.name)
            totals = dict(
                self.Snapshot.with_user(user)._read_group(
                    pivots["program_id"]["domain"], ["program_id"], ["liability_amount:sum"]
                )
            )
            self.assertEqual(totals.get(self.program), 18_000, user.name)

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_only_the_job_writes(self):
        rows = self._refresh()
        row = rows.filtered(lambda r: r.partner_id == self.partner_a)
        for user in (self.user_channel, self.user_finance, self.user_admin):
            forged = self.Snapshot.with_user(user).with_context(
                active_test=False, bypass_access=True, install_mode=True
            )
            with self.assertRaises(AccessError):
                forged.create({"program_id": self.program.id, "liability_amount": 1})
            with self.assertRaises(AccessError):
                forged.browse(row.id).write({"liability_amount": 1})
            with self.assertRaises(AccessError):
                forged.browse(row.id).unlink()
        self.assertEqual(row.liability_amount, 18_000)
        self.assertTrue(row.exists())
