"""What a record shows about its background jobs, and the glue to queue and run them.

A model whose long operations run as ``collab.job`` rows (a settlement's compute or
payout, an evaluation run) inherits ``collab.job.mixin``: it names the cron of its area in
``_collab_job_cron`` and implements ``_collab_job_<operation>(job)`` (see collab_job.py).
The mixin gives it the latest job of each record (``job_id``) and what the form shows of
it (state, operation, progress, error, whether it is still running), computed for the
whole recordset in a constant number of queries, the guard of its workflow steps
(``_check_no_job``) and the cron method of the area (``_cron_run_jobs``).

``job_id`` is the latest job of the record, computed. A model may override it as a stored
Many2one it writes itself (the evaluation run does: its stored, tracked ``state`` depends
on ``job_id.state``, which the ORM can only follow through a stored field); the other job
fields are computed from ``job_id`` either way.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .collab_job import ACTIVE_STATES


class CollabJobMixin(models.AbstractModel):
    _name = "collab.job.mixin"
    _description = "Collaboration: a record that runs background jobs"
    # the jobs and their figures are the system's: queued by workflow buttons, run by the
    # area's cron; nothing here is written by hand (collab.guard.mixin, which every model
    # of the addon inherits before this one, refuses them)
    _system_fields = (
        "job_id",
        "job_state",
        "job_operation",
        "job_progress",
        "job_error",
        "job_running",
    )
    # xml id of the ir.cron that runs the jobs of the model (woken up when one is queued)
    _collab_job_cron = None
    # the progress a record without any job shows: 0, or 100 for a model whose operation
    # ran in the request when it was too small for a job (an evaluation run)
    _collab_job_progress_without_job = 0.0

    job_id = fields.Many2one(
        "collab.job",
        string="Background Job",
        compute="_compute_job_id",
        compute_sudo=True,
    )
    job_state = fields.Selection(
        lambda self: self.env["collab.job"]._fields["state"]._description_selection(self.env),
        compute="_compute_job_fields",
        compute_sudo=True,
    )
    job_operation = fields.Selection(
        lambda self: self.env["collab.job"]._fields["operation"]._description_selection(self.env),
        string="Job",
        compute="_compute_job_fields",
        compute_sudo=True,
    )
    job_progress = fields.Float(compute="_compute_job_fields", compute_sudo=True)
    job_error = fields.Text(compute="_compute_job_fields", compute_sudo=True)
    job_running = fields.Boolean(compute="_compute_job_fields", compute_sudo=True)

    # === COMPUTE METHODS === #
    def _compute_job_id(self):
        """The latest job of each record: one grouped query for the recordset."""
        ids = [record_id for record_id in self._origin.ids if record_id]
        latest = dict(
            self.env["collab.job"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", ids)],
                ["res_id"],
                ["id:max"],
            )
            if ids
            else []
        )
        Job = self.env["collab.job"]
        for record in self:
            record.job_id = Job.browse(latest.get(record._origin.id) or ())

    def _compute_job_fields(self):
        # no dependency: the latest job is not a stored field the ORM could follow (a
        # model with a stored job_id declares `job_id.*` on its override); the jobs of the
        # recordset are read together (prefetched), not one by one
        for record in self:
            job = record.job_id
            record.job_state = job.state
            record.job_operation = job.operation
            record.job_progress = job.progress if job else self._collab_job_progress_without_job
            record.job_error = job.error
            record.job_running = job.state in ACTIVE_STATES

    # === BUSINESS METHODS === #
    def _collab_jobs(self, operation=None, states=ACTIVE_STATES):
        """The jobs of self (of `operation`) in `states`, newest first: by default the
        queued or running ones."""
        return self.env["collab.job"]._jobs_of(self, operation, states)

    def _collab_job_enqueue(self, operation, total):
        """Queue `operation` of the record (`total` items to do) for the user of the
        environment and wake the model's cron; a failed job of the operation resumes."""
        self.ensure_one()
        return self.env["collab.job"]._enqueue(self, operation, total, self._collab_job_cron)

    def _check_no_job(self):
        """Refuse a workflow step while a background job works on a record of self."""
        job = self._collab_jobs()[:1]
        if job:
            record = self.browse(job.res_id).sudo()
            raise UserError(
                self.env._(
                    "%(model)s %(record)s has a background job queued or running (%(job)s, "
                    "%(progress)s%% done): wait until it ends; you are notified then.",
                    model=self.env["ir.model"]._get(self._name).name,
                    record=record.display_name,
                    job=job._operation_label(),
                    progress=round(job.progress),
                )
            )

    @api.model
    def _cron_run_jobs(self):
        """The cron of the model's jobs (triggered when one is queued)."""
        self.env["collab.job"]._run_queued(self._name)
