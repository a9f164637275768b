from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ...models.channel.res_partner import CHANNEL_TYPES
from ...models.channel.res_partner_grade_evaluation import MAX_WINDOW_MONTHS


class ResPartnerGradeEvaluationWizard(models.TransientModel):
    """Evaluate partners: draft evaluations for all channel partners, a selection, or the
    partners of some levels, a channel type or a channel manager, in one batch."""

    _name = "res.partner.grade.evaluation.wizard"
    _description = "Evaluate Channel Partners"
    _inherit = ["collab.guard.mixin"]

    scope = fields.Selection(
        [
            ("all", "All channel partners"),
            ("selection", "Selected partners"),
            ("filter", "By level, type or manager"),
        ],
        default=lambda self: "selection" if self._default_partner_ids() else "all",
        required=True,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Partners",
        default=lambda self: self._default_partner_ids(),
        domain="[('channel_type', '!=', False), ('is_company', '=', True)]",
    )
    grade_ids = fields.Many2many("res.partner.grade", string="Levels")
    channel_type = fields.Selection(CHANNEL_TYPES)
    channel_manager_id = fields.Many2one("res.users", domain="[('share', '=', False)]")
    months = fields.Integer(
        string="Window (months)",
        default=lambda self: self._default_months(),
        help="Default: the evaluation months of the chosen levels (the longest), else 12.",
    )
    date_from = fields.Date(
        string="Window Start",
        required=True,
        compute="_compute_window",
        store=True,
        readonly=False,
        precompute=True,
    )
    date_to = fields.Date(
        string="Window End",
        required=True,
        compute="_compute_window",
        store=True,
        readonly=False,
        precompute=True,
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Partners to Evaluate")
    in_background = fields.Boolean(
        compute="_compute_partner_count",
        help="More partners than the company's threshold: the evaluation runs as a background job.",
    )

    @api.model
    def _default_partner_ids(self):
        """The channel partners of the partners selected in the list the wizard is opened
        from. The context is the caller's: it only pre-selects, among the partners the
        user may read; what is evaluated is checked again by `create_for_partners`."""
        context = self.env.context
        active_ids = context.get("active_ids")
        if context.get("active_model") != "res.partner" or not isinstance(
            active_ids, (list, tuple)
        ):
            return []
        ids = [pid for pid in active_ids if isinstance(pid, int) and not isinstance(pid, bool)]
        partners = self.env["res.partner"].browse(ids).exists()._filtered_access("read")
        return partners.commercial_partner_id._filtered_access("read").filtered("channel_type").ids

    @api.model
    def _default_months(self):
        grades = self.env["res.partner.grade"]._get_ladder()
        return max(grades.mapped("evaluation_months") or [12]) or 12

    @api.onchange("grade_ids")
    def _onchange_grade_ids(self):
        if self.grade_ids:
            self.months = max(self.grade_ids.mapped("evaluation_months") or [12]) or 12

    @api.constrains("months")
    def _check_months(self):
        for wizard in self:
            if not 0 < wizard.months <= MAX_WINDOW_MONTHS:
                raise ValidationError(
                    self.env._(
                        "The evaluation window lasts from 1 to %(max)s months; got %(months)s.",
                        max=MAX_WINDOW_MONTHS,
                        months=wizard.months,
                    )
                )

    @api.depends("months")
    def _compute_window(self):
        Evaluation = self.env["res.partner.grade.evaluation"]
        for wizard in self:
            wizard.date_from, wizard.date_to = Evaluation._default_window(wizard.months or 12)

    @api.depends("scope", "partner_ids", "grade_ids", "channel_type", "channel_manager_id")
    def _compute_partner_count(self):
        threshold = self.env.company.channel_evaluation_job_threshold
        for wizard in self:
            wizard.partner_count = len(wizard._get_partners())
            wizard.in_background = wizard.partner_count > threshold

    def _get_partners(self):
        self.ensure_one()
        if self.scope == "selection":
            # only the partners the user may read, whatever ids the client sent (a
            # many2many holds any id written to it)
            partners = self.env["res.partner"].browse(self.sudo().partner_ids.ids)
            return (
                partners._filtered_access("read")
                .commercial_partner_id._filtered_access("read")
                .filtered("channel_type")
            )
        Evaluation = self.env["res.partner.grade.evaluation"]
        if self.scope == "filter":
            domain = Evaluation._search_domain_channel_partners(
                self.grade_ids.ids, self.channel_type, self.channel_manager_id.id
            )
        else:
            domain = Evaluation._search_domain_channel_partners()
        return self.env["res.partner"].search(domain)

    def action_evaluate(self):
        """Evaluate the partners as an evaluation run: in the request (opens the new
        evaluations), or, above the company's threshold, as a background job (opens the
        run, with its progress)."""
        self.ensure_one()
        partners = self._get_partners()
        if not partners:
            raise UserError(
                self.env._(
                    "No channel partner matches: pick partners, or widen the level, type or "
                    "manager filter."
                )
            )
        run = self.env["res.partner.grade.evaluation.run"]._create_run(
            partners,
            self.date_from,
            self.date_to,
            scope=self.scope,
            grade_ids=self.grade_ids.ids if self.scope == "filter" else [],
            channel_type=self.channel_type if self.scope == "filter" else False,
            channel_manager_id=self.channel_manager_id.id if self.scope == "filter" else False,
        )
        if run.sudo().job_id:
            return {
                "type": "ir.actions.act_window",
                "res_model": run._name,
                "res_id": run.id,
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "current",
            }
        return self._window_action(
            "sales_pm_collab.action_res_partner_grade_evaluation",
            domain=[("run_id", "=", run.id)],
            context={},
        )
