from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class CustomerFeedback(models.Model):
    """The channel partners behind a feedback: those its customer won opportunities with
    (`res.partner.grade.evaluation._channel_customers_query`). Its rated feedback counts
    in their satisfaction KPI, and channel managers read it."""

    _inherit = "customer.feedback"

    channel_partner_ids = fields.Many2many(
        "res.partner",
        string="Channel Partners",
        compute="_compute_channel_partner_ids",
        search="_search_channel_partner_ids",
        help="The channel partners the customer won opportunities with: its rated "
        "feedback counts in their satisfaction, and channel managers read it.",
    )

    @api.depends("commercial_partner_id")
    def _compute_channel_partner_ids(self):
        channels = defaultdict(list)
        customers = self.commercial_partner_id
        if customers:
            query = self.env["res.partner.grade.evaluation"]._channel_customers_query(
                customers=customers.ids
            )
            for channel_id, customer_id in self.env.execute_query(query):
                channels[customer_id].append(channel_id)
        for feedback in self:
            feedback.channel_partner_ids = self.env["res.partner"].browse(
                sorted(channels.get(feedback.commercial_partner_id.id, ()))
            )

    def _search_channel_partner_ids(self, operator, value):
        """Feedback of the customers of the given channel partners (ids, or a domain on
        them with 'any'); False in the ids: of customers of no channel partner."""
        if operator == "any":
            channels = self.env["res.partner"]._search(value).subselect()
        elif operator == "in":
            channels = [channel_id for channel_id in value if channel_id]
        else:
            return NotImplemented
        Evaluation = self.env["res.partner.grade.evaluation"]

        def customers_of(channels=None):
            pairs = Evaluation._channel_customers_query(channels=channels)
            return SQL("(SELECT pairs.customer_id FROM (%s) AS pairs)", pairs)

        domain = Domain("commercial_partner_id", "in", customers_of(channels))
        if operator == "in":
            if not channels:
                domain = Domain.FALSE
            if False in value:
                domain |= Domain("commercial_partner_id", "not in", customers_of())
        return domain
