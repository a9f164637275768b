import operator
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

FINANCE_GROUP = "sales_pm_collab.group_collab_finance"
SIGNOFF_STATES = [
    ("pending", "Awaiting Sign-off"),
    ("accepted", "Accepted"),
    ("auto_accepted", "Accepted Automatically"),
    ("disputed", "Disputed"),
    ("resolved", "Dispute Resolved"),
]
# the sign-off of a partner's statement (对账), written by its workflow only: the
# approval (pending), the partner on the portal (accepted, disputed), the accountant
# (resolved) and the daily job (accepted automatically)
SIGNOFF_FIELDS = (
    "signoff_state",
    "signoff_deadline",
    "signoff_uid",
    "signoff_date",
    "signoff_comment",
    "signoff_resolved_uid",
    "signoff_resolved_date",
)
MAX_COMMENT = 2000
# the comparisons a search on a sign-off count understands
COMPARISONS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


class RebateSettlementLine(models.Model):
    """Statement sign-off (对账): once its settlement is approved, the partner accepts
    or disputes its statement (its regular line) on the portal; a dispute blocks the
    payout until a Rebate Accountant resolves it; a statement left alone is accepted
    automatically after the company's delay."""

    _inherit = "rebate.settlement.line"
    _system_fields = SIGNOFF_FIELDS
    # written on lines of settled settlements too (see the line's write)
    _signoff_fields = SIGNOFF_FIELDS
    # the partner sees its sign-off, not who resolved its dispute in the company
    _portal_fields = (
        "signoff_state",
        "signoff_deadline",
        "signoff_uid",
        "signoff_date",
        "signoff_comment",
        "signoff_resolved_date",
    )

    signoff_state = fields.Selection(
        SIGNOFF_STATES, string="Sign-off", readonly=True, index="btree_not_null", copy=False
    )
    signoff_deadline = fields.Date(
        string="Sign-off Due",
        readonly=True,
        copy=False,
        help="Left alone until this day, the statement is accepted automatically.",
    )
    signoff_uid = fields.Many2one("res.users", string="Signed off by", readonly=True, copy=False)
    signoff_date = fields.Datetime(string="Signed off on", readonly=True, copy=False)
    signoff_comment = fields.Text(string="Dispute Reason", readonly=True, copy=False)
    signoff_resolved_uid = fields.Many2one(
        "res.users", string="Dispute Resolved by", readonly=True, copy=False
    )
    signoff_resolved_date = fields.Datetime(string="Dispute Resolved on", readonly=True, copy=False)

    # === Portal === #

    def _get_portal_statement_values(self):
        """What the partner sees of its statements (regular lines of approved or paid
        settlements, already checked to be its own): a list of plain dicts."""
        states = dict(self._fields["signoff_state"]._description_selection(self.env))
        settlement_states = dict(
            self.env["rebate.settlement"]._fields["state"]._description_selection(self.env)
        )
        result = []
        for line in self:
            settlement = line.settlement_id
            adjustments = settlement.adjustment_line_ids.filtered(
                lambda ln, line=line: ln.partner_id == line.partner_id
            )
            result.append(
                {
                    "id": line.id,
                    "reference": settlement.name,
                    "program": settlement.program_id.name,
                    "period": line.period_label,
                    "currency": line.currency_id,
                    "has_target": line.has_target,
                    "target": line.target_amount,
                    "base": line.base_amount,
                    "attainment": line.attainment,
                    "band_rate": line.band_rate,
                    "base_rebate": line.base_rebate,
                    "growth_rebate": line.growth_rebate,
                    "special_rebate": line.special_rebate,
                    "multiplier": line.multiplier,
                    "capped": line.capped,
                    "total": line.total,
                    "adjustments": sum(adjustments.mapped("adjustment_amount")),
                    "grand_total": line.total + sum(adjustments.mapped("total")),
                    "paid": settlement.state == "done",
                    "state": settlement_states.get(settlement.state, ""),
                    "move": line.move_id.name if line.move_id else False,
                    "signoff_state": line.signoff_state or False,
                    "signoff_label": states.get(line.signoff_state, ""),
                    "signoff_by": line.signoff_uid.partner_id.name or False,
                    "signoff_date": line.signoff_date,
                    "signoff_deadline": line.signoff_deadline,
                    "signoff_comment": line.signoff_comment or False,
                    "signoff_resolved_date": line.signoff_resolved_date,
                }
            )
        return result

    # === Portal sign-off === #

    def _check_portal_signoff(self):
        """The user's own statement (its commercial entity), awaiting sign-off."""
        self.ensure_one()
        self.check_access("read")
        commercial = self.env.user.partner_id.commercial_partner_id
        if self.line_type != "regular" or self.partner_id.commercial_partner_id != commercial:
            raise AccessError(self.env._("This statement is not yours."))
        if self.sudo().signoff_state != "pending":
            raise UserError(self.env._("This statement is no longer awaiting your sign-off."))

    def action_portal_accept(self):
        """The partner accepts its statement."""
        self._check_portal_signoff()
        self.sudo()._write_signoff(
            {
                "signoff_state": "accepted",
                "signoff_uid": self.env.uid,
                "signoff_date": fields.Datetime.now(),
            }
        )
        return True

    def action_portal_dispute(self, comment):
        """The partner disputes its statement, saying why: the Rebate Accountant gets an
        activity and the settlement cannot be paid out until it is resolved."""
        self._check_portal_signoff()
        comment = (comment or "").strip() if isinstance(comment, str) else ""
        if not comment:
            raise ValidationError(self.env._("Say what is wrong to dispute the statement."))
        if len(comment) > MAX_COMMENT:
            raise ValidationError(
                self.env._(
                    "The dispute reason is limited to %(size)s characters.", size=MAX_COMMENT
                )
            )
        line = self.sudo()
        line._write_signoff(
            {
                "signoff_state": "disputed",
                "signoff_uid": self.env.uid,
                "signoff_date": fields.Datetime.now(),
                "signoff_comment": comment,
            }
        )
        line._notify_dispute(self.env.user)
        return True

    def action_signoff_resolve(self):
        """Rebate Accountant: the dispute is settled with the partner."""
        self._check_role(
            [FINANCE_GROUP], self.env._("Only Rebate Accountants resolve statement disputes.")
        )
        self.check_access("read")
        disputed = self.filtered(lambda ln: ln.signoff_state == "disputed")
        if disputed != self:
            raise UserError(self.env._("Only disputed statements can be resolved."))
        disputed.sudo()._write_signoff(
            {
                "signoff_state": "resolved",
                "signoff_resolved_uid": self.env.uid,
                "signoff_resolved_date": fields.Datetime.now(),
            }
        )
        for line in disputed:
            settlement = line.settlement_id.sudo()
            summary = line._dispute_summary()
            settlement.activity_ids.filtered(
                lambda activity, summary=summary: activity.summary == summary
            ).action_feedback(feedback=self.env._("Dispute resolved."))
            settlement.message_post(
                body=self.env._(
                    "Statement dispute of %(partner)s resolved by %(user)s.",
                    partner=line.partner_id.display_name,
                    user=self.env.user.name,
                )
            )
        return True

    def _write_signoff(self, vals):
        """The sign-off's own write, decided by its workflow (as the server)."""
        assert self.env.su
        return self.write(vals)

    def _dispute_summary(self):
        return self.env._("Statement disputed: %(partner)s", partner=self.partner_id.display_name)

    def _notify_dispute(self, user):
        """An activity for the Rebate Accountant (the approver, else a user of the role)
        and the reason in the settlement's chatter."""
        self.ensure_one()
        settlement = self.settlement_id
        accountant = settlement.approved_uid
        if not accountant or not accountant.has_group(FINANCE_GROUP):
            accountant = self.env["res.users"].search(
                [
                    ("group_ids", "in", self.env.ref(FINANCE_GROUP).id),
                    ("company_ids", "in", settlement.company_id.id),
                ],
                limit=1,
            )
        settlement.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self._dispute_summary(),
            note=self.signoff_comment,
            user_id=accountant.id or self.env.ref("base.user_admin").id,
        )
        settlement.message_post(
            body=self.env._(
                "%(user)s disputed the statement of %(partner)s: %(reason)s",
                user=user.name,
                partner=self.partner_id.display_name,
                reason=self.signoff_comment,
            )
        )

    @api.model
    def _cron_signoff_auto_accept(self):
        """Daily: statements left alone past their sign-off day are accepted."""
        today = fields.Date.context_today(self)
        lines = self.sudo().search(
            [("signoff_state", "=", "pending"), ("signoff_deadline", "<", today)]
        )
        lines._write_signoff(
            {"signoff_state": "auto_accepted", "signoff_date": fields.Datetime.now()}
        )
        return len(lines)


class RebateSettlement(models.Model):
    _inherit = "rebate.settlement"

    signoff_disputed_count = fields.Integer(
        string="Disputed Statements",
        compute="_compute_signoff_counts",
        search="_search_signoff_disputed_count",
    )
    signoff_pending_count = fields.Integer(
        string="Statements Awaiting Sign-off",
        compute="_compute_signoff_counts",
        search="_search_signoff_pending_count",
    )

    def _signoff_counts(self, state, settlements=None):
        """{settlement: number of its partner statements in sign-off `state`}, in one
        grouped read (of `settlements`, else of every settlement); none: left out."""
        domain = [("line_type", "=", "regular"), ("signoff_state", "=", state)]
        if settlements is not None:
            domain.append(("settlement_id", "in", settlements.ids))
        rows = (
            self.env["rebate.settlement.line"]
            .sudo()
            ._read_group(domain, ["settlement_id"], ["__count"])
        )
        return dict(rows)

    def _compute_signoff_counts(self):
        disputed = self._signoff_counts("disputed", self)
        pending = self._signoff_counts("pending", self)
        for settlement in self:
            settlement.signoff_disputed_count = disputed.get(settlement, 0)
            settlement.signoff_pending_count = pending.get(settlement, 0)

    def _search_signoff_count(self, state, operator, value):
        compare = COMPARISONS.get(operator)
        if compare is None or isinstance(value, bool) or not isinstance(value, int):
            return NotImplemented
        counts = self._signoff_counts(state)
        matching = [settlement.id for settlement, count in counts.items() if compare(count, value)]
        if compare(0, value):
            # the settlements without any such statement match too
            return ["|", ("id", "in", matching), ("id", "not in", [s.id for s in counts])]
        return [("id", "in", matching)]

    def _search_signoff_disputed_count(self, operator, value):
        return self._search_signoff_count("disputed", operator, value)

    def _search_signoff_pending_count(self, operator, value):
        return self._search_signoff_count("pending", operator, value)

    def action_view_signoff(self):
        """The partner statements of the settlement, by sign-off: the disputed first."""
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.rebate_settlement_line_action",
            domain=[("settlement_id", "=", self.id), ("line_type", "=", "regular")],
            context={
                "search_default_signoff_disputed": self.signoff_disputed_count and 1,
                "search_default_signoff_pending": not self.signoff_disputed_count and 1,
                "create": False,
            },
        )

    def action_approve(self):
        """Approved: each partner's statement awaits its sign-off for the company's delay."""
        result = super().action_approve()
        for settlement in self:
            days = settlement.company_id.rebate_signoff_days
            settlement.regular_line_ids.sudo()._write_signoff(
                {
                    "signoff_state": "pending",
                    "signoff_deadline": fields.Date.context_today(self) + timedelta(days=days),
                }
            )
        return result

    def action_create_moves(self):
        """No payout while a partner disputes its statement."""
        for settlement in self:
            disputed = settlement.regular_line_ids.sudo().filtered(
                lambda ln: ln.signoff_state == "disputed"
            )
            if disputed:
                raise UserError(
                    self.env._(
                        "Settlement %(ref)s cannot be paid out: %(partners)s disputed their "
                        "statement. Resolve the dispute (the line's Resolve Dispute) or "
                        "cancel the settlement and settle the period again.",
                        ref=settlement.name,
                        partners=", ".join(disputed.partner_id.mapped("display_name")),
                    )
                )
        return super().action_create_moves()
