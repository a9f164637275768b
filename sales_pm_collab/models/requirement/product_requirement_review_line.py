from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

DECISIONS = [
    ("accept", "Accept (plan it)"),
    ("decline", "Decline"),
    ("need_info", "Need more information"),
    ("merge", "Merge into another"),
]


class ProductRequirementReviewLine(models.Model):
    _name = "product.requirement.review.line"
    _description = "Requirement Review Agenda Item"
    _inherit = ["collab.guard.mixin"]
    _order = "review_id, sequence, id"
    _check_company_auto = True
    # set by Apply Decisions; the company follows the review
    _system_fields = ("applied", "company_id")

    review_id = fields.Many2one(
        "product.requirement.review", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="review_id.company_id", store=True)
    review_state = fields.Selection(related="review_id.state", string="Review Status")
    sequence = fields.Integer(default=10)
    requirement_id = fields.Many2one(
        "product.requirement",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    decision = fields.Selection(DECISIONS)
    note = fields.Text(
        help="What was decided and why; posted to the requirement and sent to its requester. "
        "Required to decline."
    )
    merge_into_id = fields.Many2one(
        "product.requirement",
        check_company=True,
        domain="[('id', '!=', requirement_id)]",
    )
    applied = fields.Boolean(readonly=True, copy=False)
    # what the meeting looks at
    stage_id = fields.Many2one(related="requirement_id.stage_id")
    product_id = fields.Many2one(related="requirement_id.product_id")
    requested_by_id = fields.Many2one(related="requirement_id.requested_by_id")
    customer_count = fields.Integer(related="requirement_id.customer_count")
    revenue_at_stake = fields.Monetary(related="requirement_id.revenue_at_stake")
    currency_id = fields.Many2one(related="requirement_id.currency_id")
    score = fields.Float(related="requirement_id.score")
    first_response_deadline = fields.Datetime(related="requirement_id.first_response_deadline")
    triage_breached = fields.Boolean(compute="_compute_triage_breached")

    _requirement_once = models.UniqueIndex(
        "(review_id, requirement_id)", "A requirement appears once on the agenda of a review."
    )

    def _compute_triage_breached(self):
        now = fields.Datetime.now()
        for line in self:
            line.triage_breached = line.requirement_id._triage_breached(now)

    # === CRUD === #
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if not self.env.su:
            lines._check_review_open()
        return lines

    def write(self, vals):
        if not self.env.su:
            self._check_review_open()
        result = super().write(vals)
        if not self.env.su and "review_id" in vals:
            self._check_review_open()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_review_done(self):
        if not self.env.su:
            self._check_review_open()

    def _check_review_open(self):
        """The agenda of a review that is done is what was decided: it stays as it is."""
        done = self.filtered(lambda line: line.review_id.state == "done")
        if done:
            raise UserError(
                self.env._(
                    "“%(review)s” is done: its decisions were applied and its agenda can no "
                    "longer change. Put the requirement on the agenda of another review.",
                    review=done[0].review_id.name,
                )
            )

    # === BUSINESS METHODS === #
    def _check_decisions(self):
        for line in self:
            name = line.requirement_id.name
            if line.decision == "decline" and not (line.note or "").strip():
                raise UserError(
                    self.env._(
                        "Write the reason to decline “%(name)s” in its note: the sales rep "
                        "needs it to answer the customer.",
                        name=name,
                    )
                )
            if line.decision == "merge":
                if not line.merge_into_id:
                    raise UserError(
                        self.env._("Choose the requirement to merge “%(name)s” into.", name=name)
                    )
                if line.merge_into_id == line.requirement_id:
                    raise UserError(
                        self.env._("“%(name)s” cannot be merged into itself.", name=name)
                    )

    def _apply_decision(self):
        """Apply the decision to the requirement and notify its requester."""
        self.ensure_one()
        requirement = self.requirement_id
        stages = self.env["product.requirement.stage"]
        label = dict(self._fields["decision"]._description_selection(self.env))[self.decision]
        # the note for the requester, in the requester's language
        env = self._in_lang_of(requirement.requested_by_id).env
        body = Markup("<p>%s</p>") % env._(
            "Decision of %(review)s: %(decision)s.",
            review=self.review_id.name,
            decision=dict(self._fields["decision"]._description_selection(env))[self.decision],
        )
        if self.note:
            body += Markup("<p>%s</p>") % self.note
        # posted before the change, so that a merge carries it over to the master
        requirement._notify_requester(body)
        if self.decision == "accept":
            stage = stages._get_stage_for_state("planned")
            values = {"decision_note": self.note or label}
            if stage and requirement.state in ("new", "review", "declined"):
                values["stage_id"] = stage.id
            requirement.write(values)
        elif self.decision == "decline":
            requirement._decline(self.note, notify=False)
            requirement.decision_note = self.note
        elif self.decision == "need_info":
            stage = stages._get_stage_for_state("review")
            values = {"decision_note": self.note or label}
            if stage and requirement.state == "new":
                values["stage_id"] = stage.id
            requirement.write(values)
            requirement.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=requirement.requested_by_id.id,
                # in the requester's language
                summary=self._in_lang_of(requirement.requested_by_id).env._(
                    "More information needed for %(name)s", name=requirement.name
                )[:250],
                note=self.note or "",
            )
        elif self.decision == "merge":
            requirement.action_merge_into(self.merge_into_id.id)
        self._write_system({"applied": True})
