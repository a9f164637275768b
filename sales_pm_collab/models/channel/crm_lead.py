from odoo import api, fields, models

# the registrations that make their opportunity a registered deal: approved, then won,
# lost or expired (an expired one still follows its opportunity to won or lost)
REGISTERED_STATES = ("approved", "won", "lost", "expired")


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
    deal_registration_ids = fields.One2many(
        "crm.deal.registration", "lead_id", string="Deal Registrations", readonly=True
    )
    is_registered_deal = fields.Boolean(
        string="Registered Deal",
        compute="_compute_is_registered_deal",
        store=True,
        readonly=True,
        help="The opportunity of a deal registration the channel manager approved (still "
        "approved, won, lost or expired): registered deals and the others compare in "
        "Reporting > Registered Deals.",
    )
    deal_win_rate = fields.Float(
        string="Win Rate (%)",
        compute="_compute_deal_win_rate",
        store=True,
        readonly=True,
        aggregator="avg",
        help="100 for a won deal, 0 otherwise: its average over won and lost deals is their "
        "win rate.",
    )
    channel_territory_warning = fields.Char(
        compute="_compute_channel_territory_warning",
        string="Territory Warning",
        help="Shown when the customer's address lies in an exclusive territory authorised "
        "to other partners than the channel partner.",
    )

    @api.depends("deal_registration_ids.state")
    def _compute_is_registered_deal(self):
        registered = set(REGISTERED_STATES)
        for lead in self:
            lead.is_registered_deal = any(
                state in registered for state in lead.deal_registration_ids.mapped("state")
            )

    @api.depends("won_status")
    def _compute_deal_win_rate(self):
        for lead in self:
            lead.deal_win_rate = 100.0 if lead.won_status == "won" else 0.0

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
