from odoo import api, fields, models
from odoo.exceptions import UserError

from ...models.requirement.product_requirement_stage import OPEN_STATES
from ..requirement.product_requirement_match_mixin import done_notification


class CustomerFeedbackRequirementLink(models.TransientModel):
    """Link customer feedback to an existing open product requirement: its customer
    joins the requirement's demand. Suggests the open requirements that look like the
    (first) feedback."""

    _name = "customer.feedback.requirement.link"
    _inherit = ["collab.guard.mixin"]
    _description = "Link Feedback to a Requirement"

    feedback_ids = fields.Many2many("customer.feedback", required=True, readonly=True)
    company_id = fields.Many2one("res.company", compute="_compute_company_id")
    requirement_id = fields.Many2one(
        "product.requirement",
        check_company=True,
        domain=[("state", "in", OPEN_STATES)],
        help="An open requirement (not released nor declined).",
    )
    match_ids = fields.One2many(
        "customer.feedback.requirement.link.match",
        "wizard_id",
        string="Similar Requirements",
        compute="_compute_match_ids",
        store=True,
        readonly=True,
    )
    match_count = fields.Integer(compute="_compute_match_ids", store=True)

    @api.depends("feedback_ids")
    def _compute_company_id(self):
        for wizard in self:
            wizard.company_id = wizard.feedback_ids[:1].company_id or self.env.company

    @api.depends("feedback_ids")
    def _compute_match_ids(self):
        Requirement = self.env["product.requirement"]
        for wizard in self:
            feedback = wizard.feedback_ids[:1]
            matches = []
            if feedback:
                matches = Requirement._find_similar(
                    feedback.name,
                    feedback.description,
                    product=feedback.product_id,
                    categ=feedback.product_id.categ_id,
                    company=feedback.company_id,
                )
            wizard.match_ids = self.env["customer.feedback.requirement.link.match"]._match_commands(
                matches
            )
            wizard.match_count = len(matches)

    def action_link(self):
        self.ensure_one()
        if not self.requirement_id:
            raise UserError(
                self.env._("Pick the open requirement the feedback asks for, then link it.")
            )
        self.feedback_ids._link_requirement(self.requirement_id)
        return done_notification(
            self.env._(
                "The feedback now counts in the demand of “%(name)s”.",
                name=self.requirement_id.name,
            )
        )


class CustomerFeedbackRequirementLinkMatch(models.TransientModel):
    _name = "customer.feedback.requirement.link.match"
    _inherit = ["product.requirement.match.mixin"]
    _description = "Requirement Suggested for Feedback"

    wizard_id = fields.Many2one(
        "customer.feedback.requirement.link", required=True, ondelete="cascade"
    )
    feedback_count = fields.Integer(related="requirement_id.feedback_count")
