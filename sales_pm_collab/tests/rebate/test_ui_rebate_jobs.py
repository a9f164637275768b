from datetime import date
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged

from .common import RebateCommon


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRebateJobs(HttpCase, RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="t_rebate_job_accountant",
            password="t_rebate_job_accountant",
            groups="sales_pm_collab.group_collab_finance",
            name="Tour Job Accountant",
        )
        cls.partner_a.name = "Tour Distributor"
        cls.program = cls._program(name="Tour job rebate")
        cls._target(cls.program, cls.partner_a, 1_000_000)
        cls._target(cls.program, cls.partner_b, 1_000_000)
        cls._invoice(cls.partner_a, 1_100_000)
        cls._invoice(cls.partner_b, 900_000)
        cls.settlement = cls._settlement(cls.program, date(2025, 1, 1))
        cls.company.rebate_job_threshold = 1  # two partners: in the background

    def test_compute_in_the_background(self):
        self.start_tour(
            "/odoo/action-sales_pm_collab.rebate_settlement_action",
            "sales_pm_collab_rebate_job_queued",
            login="t_rebate_job_accountant",
        )
        self.assertEqual(self.settlement.state, "draft")
        self.assertEqual(self.settlement.job_state, "queued")
        # the cron runs the job (its commits are the test's savepoints)
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=100.0):
            self.env["rebate.settlement"]._cron_run_jobs()
        self.env.invalidate_all()
        self.assertEqual(self.settlement.state, "computed")
        self.assertEqual(self.settlement.computed_uid, self.accountant)
        self.start_tour(
            "/odoo/action-sales_pm_collab.rebate_settlement_action",
            "sales_pm_collab_rebate_job_done",
            login="t_rebate_job_accountant",
        )
