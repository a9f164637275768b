from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RebateCommon


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRebate(HttpCase, RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="t_rebate_accountant",
            password="t_rebate_accountant",
            groups="sales_pm_collab.group_collab_finance",
            name="Tour Accountant",
        )
        cls.partner_a.name = "Tour Distributor"
        cls.program = cls._program(name="Tour stepped rebate")
        cls._target(cls.program, cls.partner_a, 1_000_000)
        cls._invoice(cls.partner_a, 1_100_000)
        cls.settlement = cls._settlement(cls.program, date(2025, 1, 1))

    def test_accountant_settles_a_period(self):
        self.start_tour(
            "/odoo/action-sales_pm_collab.rebate_settlement_action",
            "sales_pm_collab_rebate_settlement",
            login="t_rebate_accountant",
        )
        self.assertEqual(self.settlement.state, "done")
        self.assertEqual(self.settlement.computed_uid, self.accountant)
        self.assertEqual(self.settlement.approved_uid, self.accountant)
        move = self.settlement.move_ids
        self.assertEqual(
            (move.move_type, move.partner_id, move.amount_total),
            ("out_refund", self.partner_a, 33_000),
        )

    def test_xlsx_download(self):
        self.settlement.action_compute()
        self.authenticate("t_rebate_accountant", "t_rebate_accountant")
        response = self.url_open(f"/sales_pm_collab/rebate_settlement/{self.settlement.id}/xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertIn(".xlsx", response.headers["Content-Disposition"])
        self.assertTrue(response.content.startswith(b"PK"), "an XLSX file is a zip archive")
        # a sales rep reads nothing of rebates, not even through the download route
        new_test_user(
            self.env,
            login="t_rebate_rep",
            password="t_rebate_rep",
            groups="sales_pm_collab.group_collab_sales_rep",
        )
        self.authenticate("t_rebate_rep", "t_rebate_rep")
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/sales_pm_collab/rebate_settlement/{self.settlement.id}/xlsx"
            )
        self.assertEqual(response.status_code, 403)
