from odoo import api, fields, models
from odoo.fields import Command


class ProductRequirementMatchMixin(models.AbstractModel):
    """A requirement a wizard suggests because it looks like what the user is about to
    raise or link (see `product.requirement._find_similar`), best match first."""

    _name = "product.requirement.match.mixin"
    _description = "Similar Requirement Suggestion"
    _order = "score desc, id"

    requirement_id = fields.Many2one("product.requirement", required=True, ondelete="cascade")
    score = fields.Integer(string="Match")
    reason = fields.Char(string="Why")
    stage_id = fields.Many2one(related="requirement_id.stage_id")
    product_id = fields.Many2one(related="requirement_id.product_id")
    customer_count = fields.Integer(related="requirement_id.customer_count")

    @api.model
    def _match_commands(self, matches, extra_values=None):
        """Commands replacing a wizard's suggestions with `matches`, a list of
        (requirement, score, reason); `extra_values(requirement)` adds values."""
        return [Command.clear()] + [
            Command.create(
                {
                    "requirement_id": requirement.id,
                    "score": score,
                    "reason": reason,
                    **(extra_values(requirement) if extra_values else {}),
                }
            )
            for requirement, score, reason in matches
        ]
