from datetime import date, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install", "collab_ui")
class TestUiChannelEvaluationJob(HttpCase):
    def test_evaluation_in_the_background(self):
        env = self.env
        env.company.channel_evaluation_job_threshold = 0  # every evaluation: a job
        partner = env["res.partner"].create(
            {"name": "Tour Job Distributor", "is_company": True, "channel_type": "agent"}
        )
        journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
        )
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date.today().replace(day=1) - timedelta(days=20),
                "journal_id": journal.id,
                "invoice_line_ids": [
                    Command.create({"name": "POS", "quantity": 1, "price_unit": 800})
                ],
            }
        )
        invoice.action_post()
        user = new_test_user(
            env,
            login="tour_channel_job",
            password="tour_channel_job",
            groups="sales_pm_collab.group_collab_channel_manager",
            name="Tour Job Channel Manager",
        )
        self.start_tour(
            "/odoo/action-sales_pm_collab.action_channel_partners",
            "sales_pm_collab_channel_evaluation_job_queued",
            login="tour_channel_job",
        )
        Run = env["res.partner.grade.evaluation.run"]
        run = Run.search([("user_id", "=", user.id)])
        self.assertEqual((run.state, run.partner_ids), ("queued", partner))
        self.assertFalse(run.evaluation_ids)
        # the cron runs the job (its commits are the test's savepoints): its batch crashes
        crash = RuntimeError("T-worker killed")
        with (
            patch.object(type(env["ir.cron"]), "_commit_progress", return_value=100.0),
            patch.object(
                type(env["res.partner.grade.evaluation"]), "_create_for_partners", side_effect=crash
            ),
            mute_logger("odoo.addons.sales_pm_collab.models.collab_job"),
        ):
            Run._cron_run_jobs()
        env.invalidate_all()
        self.assertEqual(run.state, "failed")
        self.start_tour(
            "/odoo/action-sales_pm_collab.action_res_partner_grade_evaluation_run",
            "sales_pm_collab_channel_evaluation_job_resume",
            login="tour_channel_job",
        )
        env.invalidate_all()
        self.assertEqual(run.state, "queued", "resumed from the form")
        # the cron runs the job again
        with patch.object(type(env["ir.cron"]), "_commit_progress", return_value=100.0):
            Run._cron_run_jobs()
        env.invalidate_all()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.evaluation_ids.partner_id, partner)
        self.assertEqual(run.evaluation_ids.revenue, 800)
        self.start_tour(
            "/odoo/action-sales_pm_collab.action_res_partner_grade_evaluation_run",
            "sales_pm_collab_channel_evaluation_job_done",
            login="tour_channel_job",
        )
