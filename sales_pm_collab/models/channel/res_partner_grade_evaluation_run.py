from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .res_partner import CHANNEL_MANAGER_GROUP, CHANNEL_TYPES

CRON = "sales_pm_collab.ir_cron_channel_evaluation_jobs"
# partners evaluated per committed batch of an evaluation job (the engine measures
# 2,000 partners in about 2.5 s on the 2-core machine, 20,000 in 10 batches)
EVALUATION_BATCH = 2000
SCOPES = [
    ("all", "All channel partners"),
    ("selection", "Selected partners"),
    ("filter", "By level, type or manager"),
]


class CollabJob(models.Model):
    _inherit = "collab.job"

    operation = fields.Selection(
        selection_add=[("channel_evaluation", "Partner evaluation")],
        ondelete={"channel_evaluation": "cascade"},
    )


class ResPartnerGradeEvaluationRun(models.Model):
    """One press of Evaluate Partners: the window, the channel partners it evaluates
    (the set is fixed when it is created) and the draft evaluations it created.

    Above the company's threshold of partners (`channel_evaluation_job_threshold`) the run
    is a background job (`collab.job`, run by the cron `ir_cron_channel_evaluation_jobs`):
    batches of EVALUATION_BATCH partners in partner id order, each committed with the
    job's cursor (the last partner evaluated) and progress. A crash loses the open batch
    only: the job resumes after the cursor, so a partner gets one evaluation from the
    run. Smaller runs evaluate in the request."""

    _name = "res.partner.grade.evaluation.run"
    _description = "Channel Partner Evaluation Run"
    _inherit = ["mail.thread", "collab.guard.mixin", "collab.job.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _collab_job_cron = CRON
    # a run too small for a job evaluated its partners in the request: all done at once
    _collab_job_progress_without_job = 100.0
    # runs are created by Evaluate Partners and written by their job: nothing by hand
    _system_fields = (
        "name",
        "date_from",
        "date_to",
        "scope",
        "grade_ids",
        "channel_type",
        "channel_manager_id",
        "partner_ids",
        "partner_count",
        "user_id",
        "company_id",
        "evaluation_count",
        "job_id",
        "date_done",
    )

    name = fields.Char(string="Reference", required=True, readonly=True, default="/")
    date_from = fields.Date(string="Window Start", required=True, readonly=True)
    date_to = fields.Date(string="Window End", required=True, readonly=True)
    # how the partners were chosen (shown on the run; the set itself is `partner_ids`)
    scope = fields.Selection(SCOPES, string="Partners", required=True, readonly=True)
    grade_ids = fields.Many2many(
        "res.partner.grade",
        "res_partner_grade_evaluation_run_grade_rel",
        "run_id",
        "grade_id",
        string="Levels",
        readonly=True,
    )
    channel_type = fields.Selection(CHANNEL_TYPES, readonly=True)
    channel_manager_id = fields.Many2one("res.users", readonly=True)
    # the channel partners the run evaluates, fixed when it is created: batches and a
    # resumed job walk the same set in id order (a domain evaluated again when the job
    # starts or resumes could gain or lose partners between batches)
    partner_ids = fields.Many2many(
        "res.partner",
        "res_partner_grade_evaluation_run_partner_rel",
        "run_id",
        "partner_id",
        string="Channel Partners",
        readonly=True,
    )
    partner_count = fields.Integer(string="Partners to Evaluate", readonly=True)
    evaluation_ids = fields.One2many(
        "res.partner.grade.evaluation", "run_id", string="Evaluations", readonly=True
    )
    evaluation_count = fields.Integer(
        string="Evaluations Created",
        readonly=True,
        help="Draft evaluations this run created (a later run replaces the drafts).",
    )
    user_id = fields.Many2one(
        "res.users", string="Run By", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda s: s.env.company
    )
    # stored (the mixin computes the latest job): `state`, stored and tracked, follows the
    # run's one job, set when it is queued (a resumed run queues the same job again)
    job_id = fields.Many2one(compute=None, store=True, readonly=True, copy=False)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
        help="The state of the run's background job; a run evaluated in the request is "
        "done at once.",
    )
    # computed by collab.job.mixin from job_id
    job_progress = fields.Float(string="Progress", help="Percentage of partners evaluated")
    job_error = fields.Text(string="Error")
    job_done_count = fields.Integer(string="Partners Evaluated", related="job_id.done_count")
    date_done = fields.Datetime(string="Ended on", readonly=True)

    # === COMPUTE METHODS === #
    @api.depends("job_id.state")
    def _compute_state(self):
        for run in self:
            run.state = run.job_id.state or "done"

    @api.depends("job_id.state", "job_id.operation", "job_id.progress", "job_id.error")
    def _compute_job_fields(self):
        # the run's job is stored: its figures follow it
        return super()._compute_job_fields()

    # === CRUD METHODS === #
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(
                self.env._("Evaluation runs are created by Evaluate Partners, not by hand.")
            )
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(self._name) or "/"
        return super().create(vals_list)

    # === ACTION METHODS === #
    def action_resume(self):
        """Queue a failed run's job again: it resumes after the last partner evaluated."""
        self.ensure_one()
        self._check_channel_manager()
        self.check_access("write")
        run = self.sudo()
        if run.state != "failed":
            raise UserError(
                self.env._(
                    "Only a failed evaluation run is resumed; %(run)s is %(state)s.",
                    run=run.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[run.state],
                )
            )
        self._collab_job_enqueue("channel_evaluation", run.partner_count)
        return True

    def action_view_evaluations(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_res_partner_grade_evaluation",
            domain=[("run_id", "=", self.id)],
            context={},
            name=self.env._("Evaluations of %(run)s", run=self.name),
        )

    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Partners of %(run)s", run=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", self.partner_ids.ids)],
            "context": {"create": False},
        }

    # === BUSINESS METHODS === #
    @api.model
    def _check_channel_manager(self):
        self._check_role(
            [CHANNEL_MANAGER_GROUP],
            self.env._("Only channel managers evaluate partners: ask a channel manager."),
        )

    @api.model
    def _create_run(self, partners, date_from, date_to, **choice):
        """Evaluate `partners` over the window as a run of the user: in the request up to
        the company's threshold of partners, else queued as a background job. `choice`:
        how the partners were chosen (scope, grade_ids, channel_type, channel_manager_id),
        recorded on the run. Returns the run."""
        self._check_channel_manager()
        Evaluation = self.env["res.partner.grade.evaluation"]
        Evaluation.check_access("create")
        partners = Evaluation._evaluation_partners(partners)
        partners.check_access("read")
        date_from, date_to = Evaluation._check_window(date_from, date_to)
        # the channel partners of the company behind `partners` (refused when none)
        partner_ids = [row[0] for row in Evaluation._evaluation_rows(partners)]
        company = self.env.company
        run = self.sudo().create(
            {
                "date_from": date_from,
                "date_to": date_to,
                "scope": choice.get("scope") or "selection",
                "grade_ids": [fields.Command.set(choice.get("grade_ids") or [])],
                "channel_type": choice.get("channel_type") or False,
                "channel_manager_id": choice.get("channel_manager_id") or False,
                "partner_ids": [fields.Command.set(partner_ids)],
                "partner_count": len(partner_ids),
                "user_id": self.env.uid,
                "company_id": company.id,
            }
        )
        run = run.sudo(False)
        if len(partner_ids) > company.channel_evaluation_job_threshold:
            job = run._collab_job_enqueue("channel_evaluation", len(partner_ids))
            run.sudo().job_id = job
            return run
        evaluations = Evaluation._create_for_partners(
            self.env["res.partner"].browse(partner_ids), date_from, date_to, run=run
        )
        run._write_system(
            {"evaluation_count": len(evaluations), "date_done": fields.Datetime.now()}
        )
        return run

    def _remaining_partner_ids(self, cursor):
        """The ids of the run's partners after `cursor` (a partner id), in id order."""
        self.ensure_one()
        self.flush_recordset(["partner_ids"])
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT partner_id FROM res_partner_grade_evaluation_run_partner_rel
                     WHERE run_id = %s AND partner_id > %s
                  ORDER BY partner_id
                    """,
                    self.id,
                    cursor,
                )
            )
        ]

    # === JOB STEPS (run by collab.job as the user who queued the job) === #
    def _collab_job_channel_evaluation(self, job):
        """One batch of partners after the job's cursor: their draft evaluations created
        and the cursor moved past them, in the batch's transaction. The partners of a
        crashed batch are evaluated when the job resumes; those committed are not again."""
        self.ensure_one()
        self._check_channel_manager()
        self.check_access("write")
        remaining = self._remaining_partner_ids(job.cursor)
        batch = remaining[:EVALUATION_BATCH]
        run = self.sudo()
        vals = {}
        if batch:
            evaluations = self.env["res.partner.grade.evaluation"]._create_for_partners(
                self.env["res.partner"].browse(batch), run.date_from, run.date_to, run=self
            )
            vals["evaluation_count"] = run.evaluation_count + len(evaluations)
            job.sudo().write({"cursor": batch[-1]})
        left = len(remaining) - len(batch)
        if not left:
            vals["date_done"] = fields.Datetime.now()
        if vals:
            self._write_system(vals)
        return len(batch), left


class ResPartnerGradeEvaluation(models.Model):
    _inherit = "res.partner.grade.evaluation"
    _system_fields = ("run_id",)

    run_id = fields.Many2one(
        "res.partner.grade.evaluation.run",
        string="Evaluation Run",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
