from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_datetime, html2plaintext

from ...models.requirement.product_requirement import KINDS, PRIORITIES
from ...models.requirement.product_requirement_stage import OPEN_STATES
from .product_requirement_match_mixin import done_notification


class ProductRequirementRaiseWizard(models.TransientModel):
    _name = "product.requirement.raise.wizard"
    _description = "Raise a Requirement from an Opportunity"
    _inherit = ["collab.guard.mixin"]

    lead_id = fields.Many2one("crm.lead", string="Opportunity", required=True, readonly=True)
    company_id = fields.Many2one(related="lead_id.company_id")
    currency_id = fields.Many2one(related="lead_id.company_currency")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_from_lead",
        store=True,
        readonly=False,
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", compute="_compute_from_lead", store=True
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", compute="_compute_from_lead", store=True, readonly=False
    )
    expected_revenue = fields.Monetary(
        related="lead_id.expected_revenue", currency_field="currency_id"
    )
    probability = fields.Float(related="lead_id.probability")
    name = fields.Char(string="Requirement", help="One line: what the customer needs.")
    description = fields.Html(help="The need, the pain point and the expected outcome.")
    kind = fields.Selection(KINDS, default="feature", required=True)
    priority = fields.Selection(PRIORITIES, default="0")
    product_id = fields.Many2one("product.template")
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        compute="_compute_product_categ_id",
        store=True,
        readonly=False,
    )
    deadline = fields.Date(string="Needed By")
    customer_background = fields.Html()
    market_size = fields.Monetary(string="Potential Market", currency_field="currency_id")
    competitor_note = fields.Text(string="Competitors")
    match_ids = fields.One2many(
        "product.requirement.raise.match",
        "wizard_id",
        string="Similar Requirements",
        compute="_compute_match_ids",
        store=True,
        readonly=True,
    )
    match_count = fields.Integer(compute="_compute_match_ids", store=True)
    link_requirement_id = fields.Many2one(
        "product.requirement",
        string="Existing Requirement",
        domain=[("state", "in", OPEN_STATES)],
        check_company=True,
        help="Link this opportunity to an existing requirement instead of creating a duplicate.",
    )

    @api.depends("lead_id")
    def _compute_from_lead(self):
        for wizard in self:
            lead = wizard.lead_id
            wizard.partner_id = lead.partner_id.commercial_partner_id or lead.partner_id
            wizard.user_id = lead.user_id
            wizard.team_id = lead.team_id

    @api.depends("product_id")
    def _compute_product_categ_id(self):
        for wizard in self:
            if wizard.product_id:
                wizard.product_categ_id = wizard.product_id.categ_id

    @api.depends("name", "description", "product_id", "product_categ_id")
    def _compute_match_ids(self):
        Requirement = self.env["product.requirement"]
        for wizard in self:
            matches = []
            if wizard.name or wizard.product_id or wizard.product_categ_id:
                matches = Requirement._find_similar(
                    wizard.name,
                    wizard.description,
                    product=wizard.product_id,
                    categ=wizard.product_categ_id,
                    company=wizard.lead_id.company_id,
                )
            already = wizard.lead_id.sudo().requirement_ids
            linked_note = self.env._("Already linked to this deal")
            wizard.match_ids = self.env["product.requirement.raise.match"]._match_commands(
                matches,
                lambda requirement, already=already, note=linked_note: {
                    "already_linked": requirement in already,
                    "linked_note": note if requirement in already else False,
                },
            )
            wizard.match_count = len(matches)

    def action_create(self):
        """Create the requirement, linked to the opportunity and its customer."""
        self.ensure_one()
        if not (self.name or "").strip():
            raise UserError(
                self.env._("Give the requirement a title: what does the customer need?")
            )
        lead = self.lead_id
        lead.check_access("write")
        requirement = self.env["product.requirement"].create(
            {
                "name": self.name.strip(),
                "description": self.description,
                "kind": self.kind,
                "priority": self.priority,
                "product_id": self.product_id.id,
                "product_categ_id": self.product_categ_id.id,
                "deadline": self.deadline,
                "customer_background": self.customer_background,
                "market_size": self.market_size,
                "competitor_note": self.competitor_note,
                "team_id": self.team_id.id,
                "company_id": (lead.company_id or self.env.company).id,
                "partner_ids": [Command.set(self.partner_id.commercial_partner_id.ids)],
            }
        )
        # linking as superuser after the checks: reps may link their deals
        requirement.sudo().lead_ids = [Command.link(lead.id)]
        lead.message_post(
            body=Markup(self.env._("Requirement raised: %(link)s", link=requirement._html_link())),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return done_notification(
            self.env._(
                "“%(name)s” was sent to the product managers; first answer due by %(date)s.",
                name=requirement.name,
                date=format_datetime(self.env, requirement.first_response_deadline),
            )
        )

    def action_link(self):
        """Link the opportunity to the chosen existing requirement instead of creating one."""
        self.ensure_one()
        requirement = self.link_requirement_id
        if not requirement:
            raise UserError(
                self.env._("Pick the existing requirement to link this opportunity to.")
            )
        requirement._link_leads(self.lead_id)
        extra = html2plaintext(self.description or "").strip()
        if extra:
            requirement.sudo().message_post(
                body=self.env._(
                    "More context from %(lead)s: %(text)s", lead=self.lead_id.name, text=extra
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        self.lead_id.message_post(
            body=Markup(
                self.env._("Linked to the requirement %(link)s", link=requirement._html_link())
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        return done_notification(
            self.env._(
                "This opportunity now counts in the demand of “%(name)s”.", name=requirement.name
            )
        )


class ProductRequirementRaiseMatch(models.TransientModel):
    _name = "product.requirement.raise.match"
    _inherit = ["product.requirement.match.mixin", "collab.guard.mixin"]
    _description = "Similar Requirement Suggestion"
    _wizard_requirement_field = "link_requirement_id"

    wizard_id = fields.Many2one(
        "product.requirement.raise.wizard", required=True, ondelete="cascade"
    )
    already_linked = fields.Boolean(
        help="The opportunity already counts in this requirement's demand: nothing to link."
    )
    linked_note = fields.Char(
        string="Status",
        help="Why a suggestion is greyed: the opportunity is already linked to it.",
    )
    release_id = fields.Many2one(related="requirement_id.release_id")
