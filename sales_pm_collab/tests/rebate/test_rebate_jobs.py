"""Background jobs of settlements (issue 16): above the company's threshold of partners,
Compute and Create Credit Notes / Bills are queued for the cron; the payout runs in
committed batches and resumes after a crash with exactly one move per partner."""

from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ...models.rebate import rebate_settlement_job
from ..common_jobs import JobTestMixin
from .common import CONTEXTS, RebateCommon


@tagged("post_install", "-at_install")
class TestRebateJobs(JobTestMixin, RebateCommon):
    _job_model = "rebate.settlement"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # four partners at 100% of their target (3%), all paid out by one credit note each
        cls.program = cls._program()
        cls.partners = cls.partner_a | cls.partner_b | cls.partner_c | cls.partner_d
        for partner, amount in zip(cls.partners, (100_000, 200_000, 300_000, 400_000), strict=True):
            cls._target(cls.program, partner, amount)
            cls._invoice(partner, amount)
        cls.Job = cls.env["collab.job"]

    def setUp(self):
        super().setUp()
        self.company.rebate_job_threshold = 2  # four partners: in the background

    # === helpers === #
    def _approved(self):
        self.company.rebate_job_threshold = 500
        settlement = self._settlement(self.program).with_user(self.user_finance)
        settlement.action_compute()
        settlement.action_approve()
        self.company.rebate_job_threshold = 2
        return settlement

    def _assert_exactly_once(self, settlement):
        """One move per partner, every line linked to its partner's move, no move left
        outside the settlement (created but not linked)."""
        settlement.invalidate_recordset()
        moves = settlement.move_ids
        self.assertEqual(sorted(moves.partner_id.ids), sorted(self.partners.ids))
        self.assertEqual(len(moves), 4, "exactly one move per partner")
        for line in settlement.line_ids:
            self.assertEqual(line.move_id.partner_id, line.partner_id)
        orphans = self.env["account.move"].search_count(
            [("invoice_origin", "=", settlement.name), ("rebate_settlement_id", "=", False)]
        )
        self.assertEqual(orphans, 0, "no move created without its link")
        self.assertEqual(sum(moves.mapped("amount_total")), 30_000)

    # === tests === #
    def test_small_settlement_stays_in_the_request(self):
        self.company.rebate_job_threshold = 500
        settlement = self._settlement(self.program).with_user(self.user_finance)
        settlement.action_compute()
        self.assertEqual(settlement.state, "computed")
        settlement.action_approve()
        settlement.action_create_moves()
        self.assertEqual(settlement.state, "done")
        self.assertFalse(self.Job.search([("res_id", "=", settlement.id)]))
        self.assertFalse(settlement.job_id)

    def test_compute_queued_then_run_by_the_cron(self):
        settlement = self._settlement(self.program).with_user(self.user_finance)
        cron = self.env.ref("sales_pm_collab.ir_cron_rebate_jobs")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        settlement.action_compute()
        self.assertEqual(settlement.state, "draft", "queued, not computed in the request")
        self.assertFalse(settlement.line_ids)
        job = settlement.job_id
        self.assertEqual(
            (job.operation, job.state, job.total_count, job.user_id),
            ("rebate_compute", "queued", 4, self.user_finance),
        )
        self.assertTrue(settlement.job_running)
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
            "the cron is woken up",
        )
        # no second press, no edit of the period, no other step while it is queued
        with self.assertRaisesRegex(UserError, "background job"):
            settlement.action_compute()
        with self.assertRaisesRegex(UserError, "background job"):
            settlement.action_cancel()
        with self.assertRaisesRegex(UserError, "background job"):
            settlement.write({"date_from": date(2025, 4, 1)})
        self._run_jobs()
        self.assertEqual(settlement.state, "computed")
        self.assertEqual(settlement.computed_uid, self.user_finance, "as the user who queued")
        self.assertEqual(len(settlement.line_ids), 4)
        self.assertEqual(settlement.amount_total, 30_000)
        self._assert_job(job, "done", 4, 100.0)
        self.assertFalse(settlement.job_running)
        self.assertIn("done", settlement.message_ids[0].body)
        self.assertEqual(settlement.message_ids[0].partner_ids, self.user_finance.partner_id)
        # a recompute runs again (idempotent: same lines)
        settlement.action_compute()
        self._run_jobs()
        self.assertEqual(len(settlement.line_ids), 4)
        self.assertEqual(settlement.amount_total, 30_000)

    def test_payout_crash_in_a_batch_resumes_exactly_once(self):
        settlement = self._approved()
        settlement.action_create_moves()
        self.assertEqual(settlement.state, "approved")
        self.assertEqual(settlement.job_state, "queued")
        self.assertFalse(settlement.move_ids)
        engine = type(self.env["rebate.settlement"])
        # one partner per batch: K = 2 partners committed, the 3rd batch crashes (its
        # moves are created and linked when the worker dies)
        with (
            patch.object(rebate_settlement_job, "PAYOUT_BATCH", 1),
            self._crash_in_batch(engine, "_create_moves", 3, "worker killed in batch 3"),
        ):
            self._run_jobs()
        job = settlement.job_id
        self._assert_job(job, "failed", 2, 50.0, error="worker killed in batch 3")
        self.assertEqual(settlement.job_error, job.error, "the error shows on the settlement")
        self.assertEqual(settlement.state, "approved", "not done: partners are not paid yet")
        paid = self.partners.sorted("id")[:2]
        self.assertEqual(settlement.move_ids.partner_id, paid, "the crashed batch rolled back")
        self.assertFalse(
            settlement.line_ids.filtered(lambda ln: ln.partner_id not in paid).move_id,
            "nothing half-linked",
        )
        self.assertEqual(
            self.env["account.move"].search_count([("invoice_origin", "=", settlement.name)]),
            2,
            "no move of the crashed batch left",
        )
        self.assertIn("failed", settlement.message_ids[0].body)
        # pressed again: the job resumes with the partners not paid yet
        settlement.action_create_moves()
        self.assertEqual((job.state, settlement.job_id), ("queued", job))
        with patch.object(rebate_settlement_job, "PAYOUT_BATCH", 1):
            self._run_jobs()
        self._assert_job(job, "done", 4, 100, error=False)
        self.assertEqual(settlement.state, "done")
        self.assertEqual(settlement.done_uid, self.user_finance)
        self._assert_exactly_once(settlement)
        with self.assertRaisesRegex(UserError, "already created"):
            settlement.action_create_moves()

    def test_payout_killed_worker_is_taken_over(self):
        """A worker that stops after a committed batch (killed, or its time is up) leaves
        the job running and unlocked: the next cron run takes it over and finishes it."""
        settlement = self._approved()
        settlement.action_create_moves()
        with patch.object(rebate_settlement_job, "PAYOUT_BATCH", 3):
            self._run_jobs(seconds_left=0)  # stops after its first batch
            job = settlement.job_id
            self._assert_job(job, "running", 3)
            self.assertEqual(len(settlement.move_ids), 3)
            self._run_jobs()
        self._assert_job(job, "done", 4)
        self._assert_exactly_once(settlement)

    def test_payout_rechecks_the_role_when_it_runs(self):
        settlement = self._approved()
        settlement.action_create_moves()
        # the accountant lost the role before the job ran: it runs with their rights
        self.user_finance.group_ids -= self.env.ref("sales_pm_collab.group_collab_finance")
        self._run_jobs()
        job = settlement.sudo().job_id
        self._assert_job(job, "failed", error="Only Rebate Accountants")
        self.assertFalse(settlement.sudo().move_ids)

    def test_payout_of_a_balance_program_in_batches(self):
        program = self._program(
            name="Test balance rebate",
            payout="order_deduction",
            journal_id=False,
            deduction_max_percent=50,
        )
        for partner, amount in zip(
            self.partners, (100_000, 200_000, 300_000, 400_000), strict=True
        ):
            self._target(program, partner, amount)
        self.company.rebate_job_threshold = 500
        settlement = self._settlement(program).with_user(self.user_finance)
        settlement.action_compute()
        settlement.action_approve()
        self.company.rebate_job_threshold = 2
        settlement.action_create_moves()
        with patch.object(rebate_settlement_job, "PAYOUT_BATCH", 3):
            self._run_jobs()
        self.assertEqual(settlement.state, "done")
        credits = settlement.balance_move_ids
        self.assertEqual(sorted(credits.partner_id.ids), sorted(self.partners.ids))
        self.assertEqual(len(credits), 4, "one balance credit per line")

    def test_only_rebate_roles_queue(self):
        settlement = self._approved()
        for name, context in CONTEXTS:
            with self.subTest(context=name), self.assertRaises(AccessError):
                settlement.with_user(self.user_channel).with_context(
                    **context
                ).action_create_moves()
        self.assertFalse(settlement.job_id)

    def test_jobs_are_system_owned(self):
        settlement = self._settlement(self.program).with_user(self.user_finance)
        settlement.action_compute()
        job = settlement.job_id.with_user(self.user_finance)
        self.assertEqual(job.state, "queued", "users read their jobs")
        forged = {"default_state": "done", "collab_job": True, "rebate_workflow": True}
        for vals in ({"state": "done"}, {"progress": 100}, {"error": "x"}, {"cursor": 99}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                job.with_context(**forged).write(vals)
        with self.assertRaises(AccessError):
            job.with_context(**forged).unlink()
        with self.assertRaises(AccessError):
            self.Job.with_user(self.user_finance).with_context(**forged).create(
                {
                    "name": "forged",
                    "res_model": "rebate.settlement",
                    "res_id": settlement.id,
                    "operation": "rebate_payout",
                    "user_id": self.user_finance.id,
                    "company_id": self.company.id,
                }
            )
        self.assertEqual((job.state, job.progress), ("queued", 0))

    def test_threshold_setting(self):
        with self.assertRaises(ValidationError):
            self.company.rebate_job_threshold = -1
        settings = self.env["res.config.settings"].create({"rebate_job_threshold": 1000})
        settings.execute()
        self.assertEqual(self.company.rebate_job_threshold, 1000)

    def test_statements_resume_after_a_crash_once_per_partner(self):
        settlement = self._approved()
        settlement.action_send_statements()
        self.assertEqual(settlement.job_operation, "rebate_statements")
        engine = type(self.env["rebate.settlement"])

        def statements_of(partner):
            return settlement.message_ids.filtered(
                lambda m: m.message_type == "comment" and m.partner_ids == partner
            )

        with (
            patch.object(rebate_settlement_job, "STATEMENT_BATCH", 1),
            self._crash_in_batch(engine, "_send_statements", 2, "worker killed while sending"),
        ):
            self._run_jobs()
        self.assertEqual(settlement.job_state, "failed")
        self.assertIn("worker killed while sending", settlement.job_error)
        lines = settlement.regular_line_ids.sorted("id")
        self.assertEqual(len(statements_of(lines[0].partner_id)), 1)
        self.assertFalse(statements_of(lines[1].partner_id), "the crashed batch rolled back")
        settlement.action_send_statements()
        with patch.object(rebate_settlement_job, "STATEMENT_BATCH", 1):
            self._run_jobs()
        self.assertEqual(settlement.job_state, "done")
        for line in lines:
            self.assertEqual(len(statements_of(line.partner_id)), 1, "one statement each")
