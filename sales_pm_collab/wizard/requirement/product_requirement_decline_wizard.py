from odoo import fields, models


class ProductRequirementDeclineWizard(models.TransientModel):
    _name = "product.requirement.decline.wizard"
    _description = "Decline Requirements"
    _inherit = ["collab.guard.mixin"]

    requirement_ids = fields.Many2many("product.requirement", string="Requirements")
    reason = fields.Text(
        required=True,
        help="Why it will not be built, in words the sales rep can pass on to the customer.",
    )

    def action_decline(self):
        self.ensure_one()
        self.requirement_ids._decline(self.reason)
        return {"type": "ir.actions.act_window_close"}
