"""collab.job.mixin, the job fields and glue of the records that run background jobs
(rebate settlements: latest job computed; evaluation runs: their stored job): computed for
a recordset in a constant number of queries, a workflow step refused while a job works on
the record, the job fields the system's only."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_jobs import JobTestMixin
from .rebate.common import CONTEXTS, RebateCommon

JOB_FIELDS = ("job_id", "job_state", "job_operation", "job_progress", "job_error", "job_running")
# what a client may send with a write, hoping one of them relaxes a check
FORGED = {
    **dict(CONTEXTS),
    "forged job keys": {
        "collab_job": True,
        "collab_job_running": False,
        "force": True,
        "default_job_state": "done",
        "default_job_running": False,
        "default_job_progress": 100,
        "install_mode": True,
        "bypass_access": True,
    },
}


@tagged("post_install", "-at_install")
class TestCollabJobMixin(JobTestMixin, RebateCommon):
    _job_model = "rebate.settlement"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Job = cls.env["collab.job"]
        cls.program = cls._program()
        # one settlement per quarter
        cls.settlements = cls.env["rebate.settlement"].union(
            *(cls._settlement(cls.program, date(2025, month, 1)) for month in (1, 4, 7, 10))
        )
        cls.Run = cls.env["res.partner.grade.evaluation.run"]

    def _job(self, record, operation, state="queued", done=0, total=4, error=False):
        """A job of `record` as the system writes it (queued by the accountant)."""
        return self.Job.create(
            {
                "name": record.display_name,
                "res_model": record._name,
                "res_id": record.id,
                "operation": operation,
                "state": state,
                "user_id": self.user_finance.id,
                "company_id": self.company.id,
                "done_count": done,
                "total_count": total,
                "error": error,
            }
        )

    def _run(self, **vals):
        """An evaluation run as Evaluate Partners creates it (the server)."""
        return self.Run.create(
            {
                "date_from": date(2024, 1, 1),
                "date_to": date(2024, 12, 31),
                "scope": "all",
                "user_id": self.user_channel.id,
                **vals,
            }
        )

    def _job_values(self, records):
        return [
            (
                record.job_id,
                record.job_state,
                record.job_operation,
                record.job_progress,
                record.job_error,
                record.job_running,
            )
            for record in records
        ]

    def _queries_to_read(self, records, count=None):
        """The queries that reading every job field of the first `count` records of
        `records` (alone: the others are not prefetched) costs, from a cold cache."""
        records = records.browse(records.ids[:count])
        # a first read fills the caches of the user's access rights and record rules
        self.env.invalidate_all()
        self._job_values(records)
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self._job_values(records)
        return self.env.cr.sql_log_count - before

    # === computed job fields === #
    def test_job_fields_of_a_recordset_in_constant_queries(self):
        first, second, third, fourth = self.settlements
        # older jobs first: the latest one shows
        self._job(first, "rebate_compute", "done", 4, 4)
        latest_first = self._job(first, "rebate_payout", "running", 1, 4)
        self._job(second, "rebate_compute", "done", 4, 4)
        latest_second = self._job(second, "rebate_payout", "failed", 2, 4, "T-bank down")
        latest_third = self._job(third, "rebate_statements", "queued", 0, 10)
        # a job of another model with the id of the fourth settlement is not its job
        run = self._run()
        self._job(run, "channel_evaluation")
        self.env["collab.job"].create(
            {
                "name": "other model, same id",
                "res_model": "res.partner.grade.evaluation.run",
                "res_id": fourth.id,
                "operation": "channel_evaluation",
                "user_id": self.user_finance.id,
                "company_id": self.company.id,
            }
        )
        settlements = self.settlements.with_user(self.user_finance)
        self.assertEqual(
            self._job_values(settlements),
            [
                (latest_first, "running", "rebate_payout", 25.0, False, True),
                (latest_second, "failed", "rebate_payout", 50.0, "T-bank down", False),
                (latest_third, "queued", "rebate_statements", 0.0, False, True),
                (self.Job, False, False, 0.0, False, False),
            ],
        )
        one = self._queries_to_read(settlements, 1)
        four = self._queries_to_read(settlements)
        self.assertEqual(four, one, "the job fields of four settlements cost what one costs")
        self.assertLessEqual(one, 3)

    def test_stored_job_of_a_run_is_respected(self):
        """The run overrides job_id as a stored field: its state (stored, tracked) follows
        its own job; the other job fields are computed from it."""
        field = self.Run._fields["job_id"]
        self.assertTrue(field.store)
        self.assertFalse(field.compute)
        done_in_request = self._run()
        queued, failed = self._run(), self._run()
        queued.job_id = self._job(queued, "channel_evaluation", total=8)
        failed.job_id = self._job(failed, "channel_evaluation", "failed", 6, 8, "T-crash")
        # a later job of the run is not its job: the stored one is
        self._job(queued, "channel_evaluation", "done", 8, 8)
        runs = (done_in_request | queued | failed).with_user(self.user_channel)
        self.assertEqual(
            [
                (run.state, *values[1:])
                for run, values in zip(runs, self._job_values(runs), strict=True)
            ],
            [
                ("done", False, False, 100.0, False, False),
                ("queued", "queued", "channel_evaluation", 0.0, False, True),
                ("failed", "failed", "channel_evaluation", 75.0, "T-crash", False),
            ],
        )
        self.assertEqual(runs[1].job_id, queued.job_id)
        self.assertEqual(self._queries_to_read(runs), self._queries_to_read(runs.browse(failed.id)))

    # === workflow steps while a job works === #
    def test_no_workflow_step_while_a_job_is_active(self):
        settlement = self.settlements[0]
        job = self._job(settlement, "rebate_compute", "running", 1, 4)
        for name, context in FORGED.items():
            attacked = settlement.with_user(self.user_finance).with_context(**context)
            with self.subTest(context=name):
                with self.assertRaisesRegex(
                    UserError,
                    f"Rebate Settlement {settlement.name} has a background job queued or "
                    r"running \(Settlement compute, 25% done\)",
                ):
                    attacked._check_no_job()
                with self.assertRaisesRegex(UserError, "background job"):
                    attacked.write({"date_from": date(2025, 4, 1)})
                with self.assertRaisesRegex(UserError, "background job"):
                    attacked.action_compute()
                with self.assertRaisesRegex(UserError, "background job"):
                    attacked.action_cancel()
        self.assertEqual((settlement.state, settlement.date_from), ("draft", date(2025, 1, 1)))
        # the same guard for any model of the mixin: an evaluation run
        run = self._run()
        run.job_id = self._job(run, "channel_evaluation", "queued", 0, 2)
        with self.assertRaisesRegex(UserError, f"{run.name} has a background job"):
            run.with_user(self.user_channel)._check_no_job()
        # once the job ended, the steps are open again
        job.state = "done"
        settlement.with_user(self.user_finance)._check_no_job()
        self.assertEqual(settlement._collab_jobs(), self.Job)
        self.assertEqual(settlement._collab_jobs(states=("done",)), job)
        self.assertEqual(settlement._collab_jobs("rebate_payout", ("done",)), self.Job)

    # === the job fields are the system's === #
    def test_job_fields_cannot_be_forged(self):
        settlement = self.settlements[0]
        job = self._job(settlement, "rebate_payout", "failed", 1, 4, "T-crash")
        run = self._run()
        run.job_id = self._job(run, "channel_evaluation", "failed", 1, 4, "T-crash")
        forgeries = {
            "job_id": False,
            "job_state": "done",
            "job_operation": "rebate_compute",
            "job_progress": 100.0,
            "job_error": False,
            "job_running": False,
        }
        for record, user in ((settlement, self.user_finance), (run, self.user_channel)):
            before = self._job_values(record)
            for name, context in FORGED.items():
                for fname, value in forgeries.items():
                    with (
                        self.subTest(model=record._name, context=name, field=fname),
                        self.assertRaisesRegex(AccessError, fname),
                    ):
                        record.with_user(user).with_context(**context).write({fname: value})
            self.env.invalidate_all()
            self.assertEqual(self._job_values(record), before)
        self.assertEqual((job.state, job.progress, job.error), ("failed", 25.0, "T-crash"))

    # === queuing and running === #
    def test_enqueue_wakes_the_cron_of_the_model_and_runs_its_jobs_only(self):
        settlement = self.settlements[0].with_user(self.user_finance)
        run = self._run()
        triggers = self.env["ir.cron.trigger"]
        rebate_cron = self.env.ref("sales_pm_collab.ir_cron_rebate_jobs")
        channel_cron = self.env.ref("sales_pm_collab.ir_cron_channel_evaluation_jobs")
        before = triggers.search_count([("cron_id", "=", rebate_cron.id)])
        job = settlement._collab_job_enqueue("rebate_compute", 4)
        self.assertEqual(triggers.search_count([("cron_id", "=", rebate_cron.id)]), before + 1)
        self.assertEqual(
            (job.res_model, job.res_id, job.user_id),
            (settlement._name, settlement.id, self.user_finance),
        )
        self._assert_job(job, "queued", 0, 0.0)
        before = triggers.search_count([("cron_id", "=", channel_cron.id)])
        run_job = run.with_user(self.user_channel)._collab_job_enqueue("channel_evaluation", 4)
        self.assertEqual(triggers.search_count([("cron_id", "=", channel_cron.id)]), before + 1)
        # the settlements' cron runs the settlements' job, not the run's
        self._run_jobs()
        self.assertNotIn(job.state, ("queued", "running"))
        self._assert_job(run_job, "queued", 0)
