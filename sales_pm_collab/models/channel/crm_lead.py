from odoo import api, fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "collab.guard.mixin"]

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

    # === Deal registrations follow their opportunity === #

    def write(self, vals):
        res = super().write(vals)
        if {"stage_id", "active", "probability"} & set(vals):
            self.env["crm.deal.registration"]._sync_from_leads(self)
        return res
