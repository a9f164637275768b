"""Helpers of the background job tests (``collab.job`` and the records of
``collab.job.mixin``, in every area): run the queued jobs of a model as its cron does,
crash a batch half-way, check a job's figures."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.tools import mute_logger


class JobTestMixin:
    """Mixed into a test class before its area's common class; `_job_model` names the
    model whose cron `_run_jobs` runs."""

    _job_model = None

    @contextmanager
    def _no_commit(self, seconds_left=100.0):
        """The cron's batches without committing (a test cannot commit); `seconds_left`
        is what the cron has left after each batch (0: it stops after the first one)."""
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=seconds_left
        ) as progress:
            yield progress

    def _run_jobs(self, seconds_left=100.0):
        """Run the queued jobs of `_job_model` as its cron does, then read everything
        again from the database (the jobs wrote through other records)."""
        with self._no_commit(seconds_left), mute_logger("odoo.addons.sales_pm_collab.models"):
            self.env[self._job_model]._cron_run_jobs()
        self.env.invalidate_all()

    @contextmanager
    def _crash_in_batch(self, model_class, method, batch, message):
        """`method` of `model_class` (the work of one batch) dies in its `batch`-th call
        after doing its work, as a worker killed before the batch commits; yields the
        list of the arguments of each call."""
        original = getattr(model_class, method)
        calls = []

        def crashing(this, *args, **kwargs):
            calls.append(args)
            result = original(this, *args, **kwargs)
            if len(calls) == batch:
                raise RuntimeError(message)
            return result

        with patch.object(model_class, method, crashing):
            yield calls

    def _assert_job(self, job, state, done_count=None, progress=None, error=None):
        """The job is in `state`, with `done_count` items done and `progress` percent
        when given; `error`: False for none, a text for an error that contains it."""
        self.assertEqual(len(job), 1, "one job")
        expected = {"state": state, "done_count": done_count, "progress": progress}
        expected = {name: value for name, value in expected.items() if value is not None}
        self.assertEqual({name: job[name] for name in expected}, expected)
        if error is False:
            self.assertFalse(job.error)
        elif error is not None:
            self.assertIn(error, job.error or "")
