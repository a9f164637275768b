from odoo import api, fields, models

from .requirement.product_requirement_stage import STAGE_STATES, STATE_PROGRESS

# --- requirements ---
REQUIREMENT_READERS = (
    "sales_pm_collab.group_collab_sales_rep,"
    "sales_pm_collab.group_collab_product_manager,"
    "sales_pm_collab.group_collab_channel_manager,"
    "sales_team.group_sale_manager"
)


class CrmLeadRequirements(models.Model):
    """Opportunities join requirements from the requirement's side only (its form, the
    Raise Requirement wizard, customer feedback), where access and state are checked: on
    the opportunity the list is read-only."""

    _inherit = "crm.lead"
    _system_fields = ("requirement_ids",)


# --- end requirements ---


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "customer.feedback.source.mixin", "collab.guard.mixin"]

    # --- requirements ---
    requirement_ids = fields.Many2many(
        "product.requirement",
        "product_requirement_crm_lead_rel",
        "lead_id",
        "requirement_id",
        string="Requirements",
        groups=REQUIREMENT_READERS,
        readonly=True,
        copy=False,
        help="Product requirements raised from, or linked to, this opportunity.",
    )
    requirement_count = fields.Integer(
        compute="_compute_requirement_status", groups=REQUIREMENT_READERS
    )
    requirement_state = fields.Selection(
        STAGE_STATES,
        string="Most Advanced Requirement",
        compute="_compute_requirement_status",
        groups=REQUIREMENT_READERS,
        help="How far the most advanced of its requirements has come.",
    )

    @api.depends("requirement_ids.state")
    def _compute_requirement_status(self):
        for lead in self:
            requirements = lead.requirement_ids
            lead.requirement_count = len(requirements)
            lead.requirement_state = (
                max(requirements.mapped("state"), key=lambda s: STATE_PROGRESS.get(s, 0))
                if requirements
                else False
            )

    def action_raise_requirement(self):
        """Open the raise-requirement wizard prefilled from this opportunity."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Raise Requirement"),
            "res_model": "product.requirement.raise.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    def action_view_requirements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_pm_collab.action_product_requirement"
        )
        action.update(
            {
                "domain": [("lead_ids", "in", self.ids)],
                "context": {"create": False},
                "name": self.env._("Requirements of %(lead)s", lead=self.name),
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
            }
        )
        if len(self.requirement_ids) == 1:
            action.update(
                {"view_mode": "form", "views": [(False, "form")], "res_id": self.requirement_ids.id}
            )
        return action

    # --- end requirements ---

    # --- feedback ---
    def _feedback_link_field(self):
        return "lead_id"

    def _feedback_defaults(self):
        self.ensure_one()
        return {
            **self.env["customer.feedback"]._partner_defaults(self.partner_id),
            "lead_id": self.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "source": "rep_visit",
        }

    # --- channel ---
    channel_partner_id = fields.Many2one(
        "res.partner",
        index="btree_not_null",
        tracking=True,
        domain="[('channel_type', '!=', False), ('is_company', '=', True)]",
        help="The channel partner that brought or serves the deal.",
    )
    channel_territory_warning = fields.Char(
        compute="_compute_channel_territory_warning",
        string="Territory Warning",
        help="Shown when the customer's address lies in an exclusive territory authorised "
        "to other partners than the channel partner.",
    )

    @api.depends(
        "channel_partner_id",
        "partner_id.country_id",
        "partner_id.state_id",
        "partner_id.zip",
        "country_id",
        "state_id",
        "zip",
        "company_id",
    )
    def _compute_channel_territory_warning(self):
        items = []
        for lead in self.filtered("channel_partner_id"):
            address = lead.partner_id or lead
            items.append(
                (
                    lead.id,
                    (lead.company_id or self.env.company).id,
                    lead.channel_partner_id.commercial_partner_id.id,
                    address.country_id.id,
                    address.state_id.id,
                    address.zip,
                )
            )
        Territory = self.env["sale.territory"]
        conflicts = Territory._find_conflicts(items) if items else {}
        for lead in self:
            lead.channel_territory_warning = Territory._conflict_warning(
                conflicts.get(lead.id), customer_address=True
            )

    # --- end channel ---
