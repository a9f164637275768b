from odoo import api, fields, models
from odoo.exceptions import UserError


class ProductRequirementMergeWizard(models.TransientModel):
    _name = "product.requirement.merge.wizard"
    _description = "Merge Duplicate Requirements"
    _inherit = ["collab.guard.mixin"]

    requirement_ids = fields.Many2many("product.requirement", string="Requirements")
    master_id = fields.Many2one(
        "product.requirement",
        string="Keep",
        compute="_compute_master_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', requirement_ids)]",
        help="The requirement that stays; the others are archived and point to it.",
    )

    @api.depends("requirement_ids")
    def _compute_master_id(self):
        for wizard in self:
            if wizard.master_id in wizard.requirement_ids:
                continue
            # the one with the most behind it, the oldest on a tie
            wizard.master_id = wizard.requirement_ids.sorted(
                lambda r: (-r.customer_count, -r.revenue_at_stake, r.id)
            )[:1]

    def action_merge(self):
        self.ensure_one()
        if len(self.requirement_ids) < 2:
            raise UserError(self.env._("Select at least two requirements to merge."))
        if self.master_id not in self.requirement_ids:
            raise UserError(self.env._("Choose which of the selected requirements to keep."))
        (self.requirement_ids - self.master_id).action_merge_into(self.master_id.id)
        return {
            "type": "ir.actions.act_window",
            "res_model": "product.requirement",
            "res_id": self.master_id.id,
            "view_mode": "form",
            "target": "current",
        }
