from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .rebate_settlement import PERIOD_FIELDS

CRON = "sales_pm_collab.ir_cron_rebate_jobs"
# partners paid out per committed batch of a payout job
PAYOUT_BATCH = 500
# statements (a PDF each) sent per committed batch of a statement job
STATEMENT_BATCH = 50


class CollabJob(models.Model):
    _inherit = "collab.job"

    operation = fields.Selection(
        selection_add=[
            ("rebate_compute", "Settlement compute"),
            ("rebate_payout", "Settlement payout"),
            ("rebate_statements", "Statement sending"),
        ],
        ondelete={
            "rebate_compute": "cascade",
            "rebate_payout": "cascade",
            "rebate_statements": "cascade",
        },
    )


class RebateSettlement(models.Model):
    """Settlements above the company's threshold of partners (`rebate_job_threshold`)
    are computed and paid out by background jobs (`collab.job`, run by the cron
    `ir_cron_rebate_jobs`): the compute in one transaction, the payout in batches of
    partners, each batch creating, linking and posting its moves and committing them with
    the job's progress. A crash loses the open batch only: the job resumes after the last
    partner committed, so every partner gets exactly one move. The job fields of the form
    (`job_id`, the latest job, `job_state`, `job_progress`...), `_check_no_job` and the
    cron's `_cron_run_jobs` come from `collab.job.mixin`."""

    _name = "rebate.settlement"
    _inherit = ["rebate.settlement", "collab.job.mixin"]
    _collab_job_cron = CRON

    def write(self, vals):
        if PERIOD_FIELDS & set(vals):
            self._check_no_job()
        return super().write(vals)

    # === BUSINESS METHODS === #
    def _job_partner_count(self, operation):
        """How many partners `operation` works on: the program's eligible partners for a
        compute, the partners of the lines for a payout."""
        self.ensure_one()
        if operation == "rebate_compute":
            return len(self.program_id.sudo()._get_eligible_partners(self.date_from))
        self.env["rebate.settlement.line"].flush_model(["settlement_id", "partner_id"])
        return self.env.execute_query(
            SQL(
                "SELECT COUNT(DISTINCT partner_id) FROM rebate_settlement_line "
                "WHERE settlement_id = %s",
                self.id,
            )
        )[0][0]

    def _queue_job(self, operation, force=False, total=None):
        """Queue `operation` as a background job when the settlement has more partners
        (`total`, counted here if not given) than the company's threshold (or `force`, to
        resume a failed job); returns the job, or an empty recordset when the caller runs
        it in the request."""
        self.ensure_one()
        if total is None:
            total = self._job_partner_count(operation)
        if not force and total <= self.company_id.rebate_job_threshold:
            return self.env["collab.job"]
        return self._collab_job_enqueue(operation, total)

    def _payout_failed(self):
        """Whether a payout job of this settlement failed half-way (it may resume)."""
        self.ensure_one()
        return bool(self._collab_jobs("rebate_payout", ("failed",)))

    # === JOB STEPS (run by collab.job as the user who queued the job) === #
    def _collab_job_rebate_compute(self, job):
        """The whole compute in one transaction (set-based, replaces the lines: a second
        run after a crash computes the same)."""
        self.ensure_one()
        self.check_access("write")
        self._lock_for_processing()
        self._check_computable()
        self._generate_lines()
        self._write_step("computed")
        return len(self.line_ids.partner_id), 0

    def _collab_job_rebate_payout(self, job):
        """One batch of partners after the job's cursor: their moves created, linked to
        the lines and posted, the cursor moved past them, all in the batch's transaction.
        The settlement is done with the last batch."""
        self.ensure_one()
        self._check_finance()
        self.check_access("write")
        self._lock_for_processing()
        if self.state != "approved":
            raise UserError(
                self.env._(
                    "Settlement %(ref)s must be approved before its credit notes or bills are "
                    "created (it is %(state)s).",
                    ref=self.name,
                    state=self._state_label(),
                )
            )
        Line = self.env["rebate.settlement.line"]
        Line.flush_model()
        partner_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT partner_id FROM rebate_settlement_line
                     WHERE settlement_id = %s AND partner_id > %s AND move_id IS NULL
                     ORDER BY partner_id
                    """,
                    self.id,
                    job.cursor,
                )
            )
        ]
        batch = partner_ids[:PAYOUT_BATCH]
        if batch:
            lines = Line.search(
                [
                    ("settlement_id", "=", self.id),
                    ("partner_id", "in", batch),
                    ("move_id", "=", False),
                ],
                order="partner_id, id",
            )
            self._create_moves(lines)
            job.sudo().write({"cursor": batch[-1]})
        remaining = len(partner_ids) - len(batch)
        if not remaining:
            self._write_step("done")
        return len(batch), remaining

    def _collab_job_rebate_statements(self, job):
        """One batch of statements after the job's cursor (a line id), the cursor moved
        past them in the same transaction as their messages: each partner gets its
        statement once, even when the job resumes after a crash."""
        self.ensure_one()
        self._check_finance()
        self.check_access("write")
        if self.state not in ("approved", "done"):
            raise UserError(
                self.env._(
                    "Statements are sent once settlement %(ref)s is approved.", ref=self.name
                )
            )
        todo = self.env["rebate.settlement.line"].search(
            [
                ("settlement_id", "=", self.id),
                ("line_type", "=", "regular"),
                ("id", ">", job.cursor),
            ],
            order="id",
        )
        batch = todo[:STATEMENT_BATCH]
        if batch:
            self._send_statements(batch)
            job.sudo().write({"cursor": batch[-1].id})
        return len(batch), len(todo) - len(batch)
