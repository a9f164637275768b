from odoo import api, fields, models
from odoo.fields import Command


def done_notification(message):
    """Client action closing the wizard with a success notification."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": "success",
            "message": message,
            "next": {"type": "ir.actions.act_window_close"},
        },
    }


class ProductRequirementMatchMixin(models.AbstractModel):
    """A requirement a wizard suggests because it looks like what the user is about to
    raise or link (see `product.requirement._find_similar`), best match first."""

    _name = "product.requirement.match.mixin"
    _description = "Similar Requirement Suggestion"
    _order = "score desc, id"
    # the wizard's field receiving the chosen requirement (the wizard is `wizard_id`)
    _wizard_requirement_field = "requirement_id"

    requirement_id = fields.Many2one("product.requirement", required=True, ondelete="cascade")
    score = fields.Integer(string="Match")
    reason = fields.Char(string="Why")
    stage_id = fields.Many2one(related="requirement_id.stage_id")
    product_id = fields.Many2one(related="requirement_id.product_id")
    customer_count = fields.Integer(related="requirement_id.customer_count")

    def action_link(self):
        """Link to this suggestion: the wizard's own "link" action."""
        self.ensure_one()
        self.wizard_id[self._wizard_requirement_field] = self.requirement_id
        return self.wizard_id.action_link()

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
