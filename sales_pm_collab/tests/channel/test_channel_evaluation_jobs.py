"""Partner evaluation as a background job (issue 16): above the company's threshold of
partners, Evaluate Partners queues an evaluation run for the cron; the run evaluates in
committed batches and resumes after a crash with exactly one evaluation per partner."""

from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ...models.channel import res_partner_grade_evaluation_run as run_module
from ..common_jobs import JobTestMixin
from .common import ROLES, ChannelCommon, ChannelHostileCommon

CHANNEL_MANAGER = "sales_pm_collab.group_collab_channel_manager"


class EvaluationJobCommon(JobTestMixin):
    """Helpers of the job tests: the cron's batches without commits (JobTestMixin), runs
    queued from the wizard."""

    _job_model = "res.partner.grade.evaluation.run"

    def _wizard(self, partners, user=None):
        return (
            self.env["res.partner.grade.evaluation.wizard"]
            .with_user(user or self.user_channel)
            .create(
                {
                    "scope": "selection",
                    "partner_ids": [Command.set(partners.ids)],
                    "date_from": self.DATE_FROM,
                    "date_to": self.DATE_TO,
                }
            )
        )

    def _queue(self, partners, user=None):
        """Evaluate Partners on `partners`, queued (the company's threshold is lower)."""
        action = self._wizard(partners, user).action_evaluate()
        self.assertEqual(action["res_model"], "res.partner.grade.evaluation.run")
        return self.env["res.partner.grade.evaluation.run"].browse(action["res_id"])


@tagged("post_install", "-at_install")
class TestChannelEvaluationJobs(EvaluationJobCommon, ChannelCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.dist_c = Partner.create(
            {"name": "T-Dist C", "is_company": True, "channel_type": "retailer"}
        )
        cls.dist_d = Partner.create(
            {"name": "T-Dist D", "is_company": True, "channel_type": "ecommerce"}
        )
        cls.partners = (cls.dist_a | cls.dist_b | cls.dist_c | cls.dist_d).sorted("id")
        cls._silver_figures(cls, cls.dist_a)  # Silver's figures: a promotion is proposed
        cls.Run = cls.env["res.partner.grade.evaluation.run"]
        cls.Evaluation = cls.env["res.partner.grade.evaluation"]

    def setUp(self):
        super().setUp()
        self.company.channel_evaluation_job_threshold = 2  # four partners: in the background

    def _evaluations_of(self, partners):
        return self.Evaluation.search(
            [("partner_id", "in", partners.ids), ("company_id", "=", self.company.id)]
        )

    def _assert_exactly_once(self, run):
        """One draft evaluation per partner of the run, all of the run, none elsewhere."""
        evaluations = self._evaluations_of(self.partners)
        self.assertEqual(len(evaluations), 4, "one evaluation per partner")
        self.assertEqual(sorted(evaluations.partner_id.ids), self.partners.ids)
        self.assertEqual(evaluations.run_id, run)
        self.assertEqual(run.evaluation_count, 4)
        self.assertEqual(set(evaluations.mapped("state")), {"draft"})

    # === tests === #
    def test_small_run_stays_in_the_request(self):
        self.company.channel_evaluation_job_threshold = 500
        wizard = self._wizard(self.partners)
        self.assertFalse(wizard.in_background)
        action = wizard.action_evaluate()
        self.assertEqual(action["res_model"], "res.partner.grade.evaluation")
        evaluations = self.Evaluation.search(action["domain"])
        self.assertEqual(sorted(evaluations.partner_id.ids), self.partners.ids)
        run = evaluations.run_id
        self.assertEqual(len(run), 1, "the evaluations belong to one run")
        self.assertEqual(
            (run.state, run.partner_count, run.evaluation_count, run.user_id, run.job_progress),
            ("done", 4, 4, self.user_channel, 100.0),
        )
        self.assertTrue(run.date_done)
        self.assertFalse(run.job_id)
        self.assertFalse(self.env["collab.job"].search([("res_model", "=", run._name)]))
        self.assertEqual(run.partner_ids, self.partners)

    def test_large_run_queued_then_run_by_the_cron(self):
        cron = self.env.ref("sales_pm_collab.ir_cron_channel_evaluation_jobs")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        wizard = self._wizard(self.partners)
        self.assertTrue(wizard.in_background, "the wizard says it runs in the background")
        run = self._queue(self.partners)
        self.assertFalse(self._evaluations_of(self.partners), "queued, not run in the request")
        job = run.job_id
        self.assertEqual(
            (job.operation, job.state, job.total_count, job.user_id),
            ("channel_evaluation", "queued", 4, self.user_channel),
        )
        self.assertEqual((run.state, run.job_progress), ("queued", 0))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
            "the cron is woken up",
        )
        with patch.object(run_module, "EVALUATION_BATCH", 3):
            self._run_jobs()
        self._assert_job(job, "done", 4, 100.0)
        self.assertEqual((run.state, run.job_progress, run.job_done_count), ("done", 100.0, 4))
        self.assertTrue(run.date_done)
        self._assert_exactly_once(run)
        # measured as the synchronous evaluation measures: dist_a meets Silver
        evaluation = self._evaluations_of(self.dist_a)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_silver)
        self.assertEqual(evaluation.revenue, 1500)
        self.assertEqual(evaluation.create_uid, self.user_channel, "as the user who queued")
        message = run.message_ids[0]
        self.assertIn("is done", message.body)
        self.assertEqual(message.partner_ids, self.user_channel.partner_id)

    def test_crash_in_batch_2_resumes_exactly_once(self):
        run = self._queue(self.partners)
        engine = type(self.Evaluation)
        # two partners per batch: K = 2 partners committed, the 2nd batch crashes (its
        # evaluations are written when the worker dies)
        with (
            patch.object(run_module, "EVALUATION_BATCH", 2),
            self._crash_in_batch(engine, "_create_for_partners", 2, "worker killed in batch 2"),
        ):
            self._run_jobs()
        job = run.job_id
        self._assert_job(job, "failed", 2, 50.0, error="worker killed in batch 2")
        self.assertEqual((run.state, run.job_error), ("failed", job.error))
        self.assertEqual(run.job_progress, 50.0)
        first = self._evaluations_of(self.partners)
        self.assertEqual(first.partner_id, self.partners[:2], "the crashed batch rolled back")
        self.assertEqual(run.evaluation_count, 2)
        self.assertIn("failed", run.message_ids[0].body)
        # another role cannot resume it; its channel manager does
        with self.assertRaises(AccessError):
            run.with_user(self.user_rep).action_resume()
        run.with_user(self.user_channel).action_resume()
        self.assertEqual((run.state, run.job_id, job.state), ("queued", job, "queued"))
        with self.assertRaisesRegex(UserError, "Only a failed"):
            run.with_user(self.user_channel).action_resume()
        with patch.object(run_module, "EVALUATION_BATCH", 2):
            self._run_jobs()
        self._assert_job(job, "done", 4, 100, error=False)
        self.assertEqual(run.state, "done")
        self._assert_exactly_once(run)
        self.assertTrue(first.exists() == first, "the partners done before are not redone")

    def test_killed_worker_is_taken_over(self):
        """A worker that stops after a committed batch (killed, or its time is up) leaves
        the job running and unlocked: the next cron run takes it over and finishes it."""
        run = self._queue(self.partners)
        with patch.object(run_module, "EVALUATION_BATCH", 3):
            self._run_jobs(seconds_left=0)  # stops after its first batch
            self.assertEqual((run.state, run.job_id.done_count), ("running", 3))
            self.assertEqual(len(self._evaluations_of(self.partners)), 3)
            self._run_jobs()
        self.assertEqual((run.state, run.job_id.done_count), ("done", 4))
        self._assert_exactly_once(run)

    def test_role_rechecked_when_it_runs(self):
        run = self._queue(self.partners)
        # the channel manager lost the role before the job ran: it runs with their rights
        self.user_channel.group_ids -= self.env.ref(CHANNEL_MANAGER)
        self._run_jobs()
        self.assertEqual(run.state, "failed")
        self.assertIn("Only channel managers", run.job_error)
        self.assertFalse(self._evaluations_of(self.partners))

    def test_partner_set_is_fixed_when_queued(self):
        run = self._queue(self.partners)
        newcomer = self.env["res.partner"].create(
            {"name": "T-Dist late", "is_company": True, "channel_type": "agent"}
        )
        # a partner that is no longer a channel partner is skipped, not a failure
        self.dist_d.channel_type = False
        self._run_jobs()
        self.assertEqual(run.state, "done")
        evaluations = self._evaluations_of(self.partners | newcomer)
        self.assertEqual(evaluations.partner_id, self.partners - self.dist_d)
        self.assertEqual((run.evaluation_count, run.job_id.done_count), (3, 4))

    def test_threshold_setting(self):
        with self.assertRaises(ValidationError):
            self.company.channel_evaluation_job_threshold = -1
        settings = self.env["res.config.settings"].create(
            {"channel_evaluation_job_threshold": 1000}
        )
        settings.execute()
        self.assertEqual(self.company.channel_evaluation_job_threshold, 1000)
        # 0: every evaluation in the background, even of one partner
        self.company.channel_evaluation_job_threshold = 0
        run = self._queue(self.dist_a)
        self.assertEqual((run.state, run.partner_count), ("queued", 1))

    def test_nothing_to_evaluate_is_refused_before_queuing(self):
        customers = self.customer_x | self.customer_y
        with self.assertRaisesRegex(UserError, "No channel partner matches"):
            self._wizard(customers).action_evaluate()
        with self.assertRaisesRegex(UserError, "None of the selected partners"):
            self.Run.with_user(self.user_channel)._create_run(
                customers, self.DATE_FROM, self.DATE_TO
            )
        self.assertFalse(self.Run.search([]).filtered(lambda r: r.create_uid == self.user_channel))


@tagged("post_install", "-at_install")
class TestChannelEvaluationJobsHostile(EvaluationJobCommon, ChannelHostileCommon):
    """Runs are the system's: created by Evaluate Partners (channel managers), written by
    their job; no role and no context key changes one, other companies do not see them."""

    RUN_FIELDS = (
        "name",
        "state",
        "partner_count",
        "evaluation_count",
        "user_id",
        "company_id",
        "date_from",
        "date_to",
        "date_done",
        "job_id",
        "partner_ids",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_1.channel_evaluation_job_threshold = 0
        Run = cls.env["res.partner.grade.evaluation.run"]
        run = Run.with_user(cls.user_channel)._create_run(
            cls.dist_a | cls.dist_b, cls.DATE_FROM, cls.DATE_TO, scope="selection"
        )
        cls.eval_run = Run.browse(run.id)
        cls.eval_run.job_id.write({"state": "failed", "error": "T-crash", "done_count": 1})

    def test_only_channel_managers_evaluate(self):
        Run = self.env["res.partner.grade.evaluation.run"]
        others = [role for role in ROLES if role != "channel"]
        for role, name, context in self._cases(others):
            with self.subTest(role=role, context=name):
                user = self._user(role)
                before = Run.search_count([])
                with self.assertRaises(AccessError):
                    self._wizard(self.dist_a, user=user).with_context(**context).action_evaluate()
                with self.assertRaises(AccessError):
                    Run.with_user(user).with_context(**context)._create_run(
                        self.dist_a, self.DATE_FROM, self.DATE_TO
                    )
                self._assert_refused(
                    self.eval_run,
                    self.RUN_FIELDS,
                    lambda u=user, c=context: (
                        self.eval_run.with_user(u).with_context(**c).action_resume()
                    ),
                    exceptions=AccessError,
                )
                self.assertEqual(Run.search_count([]), before)

    def test_runs_are_system_owned(self):
        run = self.eval_run.with_user(self.user_channel)
        self.assertEqual(run.state, "failed", "channel managers read their runs")
        forged = {
            "no context": {},
            **{k: v for k, v in self.forged_contexts.items() if k != "no context"},
            "forged run defaults": {
                "default_state": "done",
                "default_evaluation_count": 99,
                "default_company_id": self.company_2.id,
                "default_user_id": self.user_rep.id,
            },
        }
        writes = (
            {"state": "done"},
            {"evaluation_count": 99},
            {"partner_count": 1},
            {"partner_ids": [Command.set(self.partner_c1.ids)]},
            {"date_from": "2020-01-01"},
            {"user_id": self.user_rep.id},
            {"company_id": self.company_2.id},
            {"job_id": False},
            {"name": "forged"},
            {"date_done": "2024-01-01 00:00:00"},
        )
        for name, context in forged.items():
            for vals in writes:
                with self.subTest(context=name, vals=vals):
                    self._assert_refused(
                        self.eval_run,
                        self.RUN_FIELDS,
                        lambda v=vals, c=context: run.with_context(**c).write(v),
                        exceptions=AccessError,
                    )
            with self.subTest(context=name, attack="create"):
                self._assert_refused(
                    self.eval_run,
                    self.RUN_FIELDS,
                    lambda c=context: run.with_context(**c).create(
                        {
                            "date_from": "2024-01-01",
                            "date_to": "2024-12-31",
                            "scope": "all",
                            "user_id": self.user_channel.id,
                        }
                    ),
                    exceptions=UserError,  # no create right, and create is refused
                )
            with self.subTest(context=name, attack="unlink"):
                self._assert_refused(
                    self.eval_run,
                    self.RUN_FIELDS,
                    lambda c=context: run.with_context(**c).unlink(),
                    exceptions=AccessError,
                )
            with self.subTest(context=name, attack="evaluation run_id"):
                evaluation = self.evaluation.with_user(self.user_channel).with_context(**context)
                self._assert_refused(
                    self.evaluation,
                    ["run_id"],
                    lambda e=evaluation: e.write({"run_id": self.eval_run.id}),
                    exceptions=AccessError,
                )

    def test_multi_company(self):
        Run = self.env["res.partner.grade.evaluation.run"]
        # an administrator of company 2 (a channel manager there) does not see company 1's
        # run, and cannot resume it, whatever company the context names
        admin = Run.with_user(self.user_c2_admin)
        self.assertNotIn(self.eval_run, admin.search([]))
        self._assert_refused(
            self.eval_run,
            self.RUN_FIELDS,
            lambda: self.eval_run.with_user(self.user_c2_admin).action_resume(),
            exceptions=AccessError,
        )
        self._assert_refused(
            self.eval_run,
            self.RUN_FIELDS,
            lambda: (
                self.eval_run.with_user(self.user_c2_admin)
                .with_context(allowed_company_ids=self.company_1.ids)
                .action_resume()
            ),
            exceptions=AccessError,
        )
        # its own run evaluates its own channel partners only, in its company
        partner_c2 = self.env["res.partner"].create(
            {
                "name": "T-Company 2 agent",
                "is_company": True,
                "channel_type": "agent",
                "company_id": self.company_2.id,
            }
        )
        self.company_2.channel_evaluation_job_threshold = 0
        run_c2 = admin._create_run(partner_c2 | self.dist_b, self.DATE_FROM, self.DATE_TO)
        self.assertEqual(run_c2.company_id, self.company_2)
        self.assertEqual(run_c2.partner_ids, partner_c2 | self.dist_b)
        self.assertNotIn(run_c2, Run.with_user(self.user_channel).search([]))
        self._run_jobs()
        self.assertEqual(run_c2.state, "done")
        self.assertEqual(set(run_c2.evaluation_ids.mapped("company_id")), {self.company_2})
        # a company 1 partner named by company 2 is not evaluated
        with self.assertRaisesRegex(UserError, "None of the selected partners"):
            admin._create_run(self.partner_c1, self.DATE_FROM, self.DATE_TO)
