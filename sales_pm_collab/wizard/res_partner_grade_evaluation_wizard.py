from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.res_partner import CHANNEL_TYPES


class ResPartnerGradeEvaluationWizard(models.TransientModel):
    """Evaluate partners: draft evaluations for all channel partners, a selection, or the
    partners of some levels, a channel type or a channel manager, in one batch."""

    _name = "res.partner.grade.evaluation.wizard"
    _description = "Evaluate Channel Partners"

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

    @api.model
    def _default_partner_ids(self):
        if self.env.context.get("active_model") == "res.partner":
            partners = self.env["res.partner"].browse(self.env.context.get("active_ids") or [])
            return partners.commercial_partner_id.filtered("channel_type").ids
        return []

    @api.model
    def _default_months(self):
        grades = self.env["res.partner.grade"]._get_ladder()
        return max(grades.mapped("evaluation_months") or [12]) or 12

    @api.onchange("grade_ids")
    def _onchange_grade_ids(self):
        if self.grade_ids:
            self.months = max(self.grade_ids.mapped("evaluation_months") or [12]) or 12

    @api.depends("months")
    def _compute_window(self):
        Evaluation = self.env["res.partner.grade.evaluation"]
        for wizard in self:
            wizard.date_from, wizard.date_to = Evaluation._default_window(wizard.months or 12)

    @api.depends("scope", "partner_ids", "grade_ids", "channel_type", "channel_manager_id")
    def _compute_partner_count(self):
        for wizard in self:
            wizard.partner_count = len(wizard._get_partners())

    def _get_partners(self):
        self.ensure_one()
        if self.scope == "selection":
            return self.partner_ids.commercial_partner_id.filtered("channel_type")
        Evaluation = self.env["res.partner.grade.evaluation"]
        if self.scope == "filter":
            domain = Evaluation._search_domain_channel_partners(
                self.grade_ids.ids, self.channel_type, self.channel_manager_id.id
            )
        else:
            domain = Evaluation._search_domain_channel_partners()
        return self.env["res.partner"].search(domain)

    def action_evaluate(self):
        self.ensure_one()
        partners = self._get_partners()
        if not partners:
            raise UserError(
                self.env._(
                    "No channel partner matches: pick partners, or widen the level, type or "
                    "manager filter."
                )
            )
        evaluations = self.env["res.partner.grade.evaluation"].create_for_partners(
            partners, self.date_from, self.date_to
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_pm_collab.action_res_partner_grade_evaluation"
        )
        action["domain"] = [("id", "in", evaluations.ids)]
        action["context"] = {}
        return action
