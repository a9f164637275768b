"""Background jobs: the long operations of a record (a settlement's compute or payout, an
evaluation run) queued for Odoo's cron workers instead of running inside a request.

A job is a row of ``collab.job``: what to run (``res_model``, ``res_id``, ``operation``),
for whom (``user_id``, whose rights the job runs with), its state and progress. Each area
has one ``ir.cron`` that runs its queued jobs (``_run_queued``), triggered when a job is
queued. A job runs in batches, each committed with ``ir.cron._commit_progress`` together
with the work it did (and the job's progress): a crash loses the open batch only, and the
next run resumes with what is left. The job row is locked (``FOR UPDATE SKIP LOCKED``)
while a worker runs it, so two workers never run the same job.

The record's model implements, per operation, ``_collab_job_<operation>(job)``: one
batch, returning ``(processed, remaining)``; it runs as the user who queued the job.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

ACTIVE_STATES = ("queued", "running")


class CollabJob(models.Model):
    _name = "collab.job"
    _description = "Background Job"
    _inherit = ["collab.guard.mixin"]
    _order = "id desc"
    # the system writes every field of a job: nobody queues, edits or restarts one by hand
    _system_fields = (
        "name",
        "res_model",
        "res_id",
        "operation",
        "state",
        "user_id",
        "company_id",
        "done_count",
        "total_count",
        "error",
        "cursor",
        "date_queued",
        "date_started",
        "date_done",
    )

    name = fields.Char(required=True, readonly=True)
    res_model = fields.Char(string="Document Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", required=True, readonly=True, index=True
    )
    operation = fields.Selection([], required=True, readonly=True)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Queued by", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    done_count = fields.Integer(string="Done", readonly=True)
    total_count = fields.Integer(string="Total", readonly=True)
    progress = fields.Float(compute="_compute_progress", store=True, help="Percentage done")
    error = fields.Text(readonly=True, help="Why the job failed; run it again to resume it")
    # where the job resumes (e.g. the last partner id paid out), committed with each batch
    cursor = fields.Integer(readonly=True)
    date_queued = fields.Datetime(string="Queued on", readonly=True)
    date_started = fields.Datetime(string="Started on", readonly=True)
    date_done = fields.Datetime(string="Ended on", readonly=True)

    _active_job = models.UniqueIndex(
        "(res_model, res_id, operation) WHERE state IN ('queued', 'running')",
        "This operation is already queued or running for this document.",
    )

    # === COMPUTE METHODS === #
    @api.depends("state", "done_count", "total_count")
    def _compute_progress(self):
        for job in self:
            if job.state == "done":
                job.progress = 100.0
            elif job.total_count:
                job.progress = 100.0 * job.done_count / job.total_count
            else:
                job.progress = 0.0

    # === BUSINESS METHODS === #
    @api.model
    def _enqueue(self, record, operation, total, cron_xmlid):
        """Queue `operation` of `record` for the user of the environment and wake the
        area's cron. A failed job of the same operation is queued again (it resumes)."""
        record.ensure_one()
        vals = {
            "state": "queued",
            "total_count": total,
            "error": False,
            "user_id": self.env.uid,
            "date_queued": fields.Datetime.now(),
            "date_done": False,
        }
        job = self._jobs_of(record, operation, ("failed",))[:1]
        if job:
            job.write(vals)
        else:
            job = self.sudo().create(
                {
                    **vals,
                    "name": record.display_name,
                    "res_model": record._name,
                    "res_id": record.id,
                    "operation": operation,
                    "company_id": record.company_id.id or self.env.company.id,
                }
            )
        self.env.ref(cron_xmlid).sudo()._trigger()
        return job

    @api.model
    def _jobs_of(self, records, operation=None, states=ACTIVE_STATES):
        """The jobs of `records` (of `operation`) in `states`: by default the queued or
        running ones."""
        domain = [
            ("res_model", "=", records._name),
            ("res_id", "in", records.ids),
            ("state", "in", states),
        ]
        if operation:
            domain.append(("operation", "=", operation))
        return self.sudo().search(domain)

    def _operation_label(self):
        self.ensure_one()
        return dict(self._fields["operation"]._description_selection(self.env))[self.operation]

    @api.model
    def _run_queued(self, res_model):
        """The cron of an area: run the queued jobs of `res_model`, one after the other,
        until none is left or the cron's time is up (the cron then runs again)."""
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=self._count_waiting(res_model))
        while True:
            job = self._acquire(res_model)
            if not job:
                return
            if not job._run(cron):
                # time is up, or another worker took the job over: the cron runs again
                return

    @api.model
    def _count_waiting(self, res_model):
        return self.sudo().search_count(
            [("res_model", "=", res_model), ("state", "in", ACTIVE_STATES)]
        )

    @api.model
    def _acquire(self, res_model):
        """The oldest queued or running job of `res_model` that no worker holds, locked
        for this transaction. A job left `running` by a worker that died (its lock went
        with its connection) is taken over and resumes."""
        self.env["collab.job"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM collab_job
                 WHERE res_model = %s AND state IN ('queued', 'running')
                 ORDER BY id
                 LIMIT 1
                   FOR UPDATE SKIP LOCKED
                """,
                res_model,
            )
        )
        return self.sudo().browse(rows[0][0]) if rows else self.browse()

    def _lock(self):
        """Lock the job again after a commit; False if another worker holds it or it is
        no longer active."""
        self.ensure_one()
        self.flush_recordset()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM collab_job
                 WHERE id = %s AND state IN ('queued', 'running')
                   FOR UPDATE SKIP LOCKED
                """,
                self.id,
            )
        )
        self.invalidate_recordset()
        return bool(rows)

    def _run(self, cron):
        """Run the job (locked by the caller) in batches, each committed with its
        progress. Returns False when the job stops before its end (time up, lost lock),
        True when it ended (done or failed)."""
        self.ensure_one()
        job = self.sudo()
        # the rights of the user who queued it, in the document's company
        user = job.user_id
        record = (
            self.env[job.res_model]
            .with_user(user)
            .with_context(
                allowed_company_ids=[job.company_id.id] + (user.company_ids - job.company_id).ids,
                lang=user.lang,
                tz=user.tz,
            )
            .browse(job.res_id)
        )
        if job.state == "queued":
            job.write({"state": "running", "date_started": fields.Datetime.now()})
        method = getattr(record, f"_collab_job_{job.operation}")
        while True:
            failure = None
            try:
                with self.env.cr.savepoint():
                    processed, remaining = method(job)
            except (UserError, AccessError, ValidationError) as error:
                failure = error.args[0]
            except Exception as error:  # noqa: BLE001 - any failure ends the job, logged
                _logger.exception("Background job %s (%s) failed", job.id, job.operation)
                failure = self.env._("Unexpected error: %(error)s", error=error)
            else:
                if remaining and not processed:
                    # a step that makes no progress would loop forever: end the job instead
                    failure = self.env._("The job made no progress: %(left)s left.", left=remaining)
            if failure is not None:
                job._fail(record, failure)
                cron._commit_progress(remaining=self._count_waiting(job.res_model))
                return True
            done = job.done_count + processed
            vals = {"done_count": done, "total_count": max(job.total_count, done + remaining)}
            if not remaining:
                vals.update(state="done", date_done=fields.Datetime.now())
                job.write(vals)
                job._notify_end(record)
                cron._commit_progress(processed, remaining=self._count_waiting(job.res_model))
                return True
            job.write(vals)
            seconds_left = cron._commit_progress(
                processed, remaining=self._count_waiting(job.res_model)
            )
            if not seconds_left or not job._lock():
                return False

    def _fail(self, record, message):
        self.write({"state": "failed", "error": message, "date_done": fields.Datetime.now()})
        self._notify_end(record)

    def _notify_end(self, record):
        """Tell the user who queued the job that it ended: a notification in the web
        client and a message in the document's chatter."""
        job = self._in_lang_of(self.user_id)
        operation = job._operation_label()
        if job.state == "done":
            message = job.env._(
                "%(operation)s of %(name)s is done (%(count)s).",
                operation=operation,
                name=job.name,
                count=job.done_count,
            )
        else:
            message = job.env._(
                "%(operation)s of %(name)s failed: %(error)s",
                operation=operation,
                name=job.name,
                error=job.error,
            )
        self.user_id._bus_send(
            "simple_notification",
            {
                "type": "success" if job.state == "done" else "danger",
                "title": job.env._("Background job"),
                "message": message,
                "sticky": job.state == "failed",
            },
        )
        if hasattr(record, "message_post"):
            record.sudo().message_post(
                body=message,
                author_id=self.env.ref("base.partner_root").id,
                partner_ids=self.user_id.partner_id.ids,
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
