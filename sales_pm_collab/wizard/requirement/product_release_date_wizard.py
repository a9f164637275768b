from odoo import fields, models


class ProductReleaseDateWizard(models.TransientModel):
    """Mark Released on a release without a release date asks for it here (today by
    default), then marks it released."""

    _name = "product.release.date.wizard"
    _description = "Release Date of a Release Marked Released"
    _inherit = ["collab.guard.mixin"]

    release_ids = fields.Many2many("product.release", string="Releases")
    date_released = fields.Date(
        string="Release Date",
        required=True,
        default=fields.Date.context_today,
        help="The day it shipped; set on the releases without one.",
    )

    def action_mark_released(self):
        self.ensure_one()
        releases = self.release_ids
        releases._check_pm()
        releases.filtered(lambda release: not release.date_released).write(
            {"date_released": self.date_released}
        )
        releases.action_mark_released()
        return {"type": "ir.actions.act_window_close"}
