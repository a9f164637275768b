from odoo import api, fields, models
from odoo.fields import Domain

# the customer's words for each stage state (`/my/requests`): what a customer may know
# of where their request stands, never the internal stage names
PORTAL_STATUSES = {
    "new": "received",
    "review": "received",
    "planned": "planned",
    "development": "planned",
    "testing": "beta",
    "released": "released",
    "declined": "declined",
}
# every key a customer-safe value carries: the portal templates and the tests read
# these and nothing else
PORTAL_KEYS = ("id", "title", "status", "status_label", "release", "release_date", "reason")


class ProductRequirement(models.Model):
    """The customer-safe view of requirements (`/my/requests` of the customer portal):
    which requirements a customer company is linked to, and for each only whitelisted
    values (title, status in the customer's words, the release once it is out, the
    decline reason when the product manager marked it shareable). Portal users have no
    access right on requirements: everything is read here as the system, for one
    commercial entity, and nothing else leaves the server."""

    _inherit = "product.requirement"

    decline_reason_shared = fields.Boolean(
        "Share Decline Reason with the Customer",
        tracking=True,
        copy=False,
        help="Customers linked to the requirement see the decline reason on their portal "
        "(My Requests). Off: they only see that it is not planned.",
    )

    @api.model
    def _portal_domain(self, partner):
        """Requirements linked to `partner`'s commercial entity: it is one of their
        customers, or the customer of one of their opportunities (lost ones included).
        The feedback area adds the requirements its feedback is linked to."""
        commercial = partner.commercial_partner_id
        return Domain("active", "=", True) & (
            Domain("partner_ids", "in", commercial.ids)
            | Domain(
                "lead_ids",
                "any",
                Domain("partner_id.commercial_partner_id", "=", commercial.id),
            )
        )

    @api.model
    def _portal_request_count(self, partner):
        """How many requirements are linked to `partner`'s company."""
        Requirement = self.sudo().with_context(active_test=False)
        return Requirement.search_count(self._portal_domain(partner))

    @api.model
    def _portal_requests(self, partner, offset=0, limit=None):
        """The requirements linked to `partner`'s company, newest first, as the
        whitelisted values of `_portal_values` (never records)."""
        Requirement = self.sudo().with_context(active_test=False)
        requirements = Requirement.search(
            self._portal_domain(partner), order="id desc", offset=offset, limit=limit
        )
        return requirements._portal_values()

    @api.model
    def _portal_labels(self):
        """The column labels of My Requests, in the reader's language (the fields' own
        translated strings)."""
        return {
            "name": self._fields["name"]._description_string(self.env),
            "state": self._fields["state"]._description_string(self.env),
            "release_date": self.env["product.release"]
            ._fields["date_released"]
            ._description_string(self.env),
        }

    def _portal_values(self):
        """One dict of PORTAL_KEYS per requirement, in the reader's language."""
        # planned and released: the words of the stages' states
        states = dict(
            self.env["product.requirement.stage"]._fields["state"]._description_selection(self.env)
        )
        labels = {
            "received": self.env._("Request received"),
            "planned": states["planned"],
            "beta": self.env._("In beta"),
            "declined": self.env._("Not planned"),
        }
        result = []
        for requirement in self.sudo():
            status = PORTAL_STATUSES.get(requirement.state, "received")
            release = requirement.release_id
            released = status == "released" and release.state == "released"
            if status == "released":
                label = (
                    self.env._("Released in %(release)s", release=release.name)
                    if released
                    else states["released"]
                )
            else:
                label = labels[status]
            shared_reason = status == "declined" and requirement.decline_reason_shared
            result.append(
                {
                    "id": requirement.id,
                    "title": requirement.name,
                    "status": status,
                    "status_label": label,
                    "release": release.name if released else False,
                    "release_date": release.date_released if released else False,
                    "reason": requirement.decline_reason if shared_reason else False,
                }
            )
        return result
