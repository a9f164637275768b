from odoo import api, fields, models

from .product_requirement_stage import STAGE_STATES, STATE_PROGRESS

REQUIREMENT_READERS = (
    "sales_pm_collab.group_collab_sales_rep,"
    "sales_pm_collab.group_collab_product_manager,"
    "sales_pm_collab.group_collab_channel_manager,"
    "sales_team.group_sale_manager"
)


class CrmLead(models.Model):
    """Opportunities join requirements from the requirement's side only (its form, the
    Raise Requirement wizard, customer feedback), where access and state are checked: on
    the opportunity the list is read-only."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "collab.guard.mixin"]
    _system_fields = ("requirement_ids",)

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
