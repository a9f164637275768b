"""The conflict check of deal registrations: what a submitted registration runs into
(another partner's claim, an open opportunity of direct sales, an exclusive territory of
another partner), found for a batch of registrations with a fixed number of queries."""

from string import ascii_lowercase, ascii_uppercase

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_deal_registration import NAME_NOISE, normalize_customer_name, normalize_vat

# the SQL twin of normalize_customer_name (translate() lowers ASCII and drops the noise
# characters, as str.translate does): immutable, so res.partner has an index on it
_SQL_FROM = (ascii_uppercase + NAME_NOISE).replace("'", "''")
_SQL_TO = ascii_lowercase


def sql_customer_key(column):
    """SQL of the customer key of a text column (a trusted identifier)."""
    return SQL(f"translate(%s, '{_SQL_FROM}', '{_SQL_TO}')", SQL.identifier(*column))


CONFLICT_KINDS = [
    ("registration", "Registration of Another Partner"),
    ("opportunity", "Open Opportunity of Direct Sales"),
    ("territory", "Exclusive Territory of Another Partner"),
]


class CrmDealRegistrationConflict(models.Model):
    _name = "crm.deal.registration.conflict"
    _description = "Deal Registration Conflict"
    _inherit = ["collab.guard.mixin"]
    _order = "registration_id, kind, date, id"
    # found by the conflict check on submission, never typed
    _system_fields = (
        "registration_id",
        "kind",
        "other_registration_id",
        "lead_id",
        "territory_id",
        "owner_ids",
        "date",
        "company_id",
    )

    registration_id = fields.Many2one(
        "crm.deal.registration", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="registration_id.company_id", store=True)
    kind = fields.Selection(CONFLICT_KINDS, required=True, readonly=True)
    other_registration_id = fields.Many2one(
        "crm.deal.registration", readonly=True, ondelete="cascade"
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True, ondelete="cascade")
    territory_id = fields.Many2one("sale.territory", readonly=True, ondelete="cascade")
    owner_ids = fields.Many2many(
        "res.partner",
        "crm_deal_registration_conflict_owner_rel",
        "conflict_id",
        "partner_id",
        string="Partners",
        readonly=True,
        help="The other partner(s): the one that registered first, the territory's owners.",
    )
    date = fields.Datetime(
        readonly=True,
        help="When the other registration was submitted, when the opportunity was created.",
    )
    user_id = fields.Many2one(related="lead_id.user_id", string="Salesperson")


class CrmDealRegistration(models.Model):
    _inherit = "crm.deal.registration"

    # === The check === #

    def _conflict_items(self):
        return [
            {
                "key": registration.id,
                "company_id": registration.company_id.id,
                "partner_id": registration.partner_id.id,
                "vat": normalize_vat(registration.customer_vat),
                "name": normalize_customer_name(registration.customer_name),
                "city": normalize_customer_name(registration.city),
                "country_id": registration.country_id.id,
                "state_id": registration.state_id.id,
                "zip": registration.zip,
            }
            for registration in self
        ]

    @api.model
    def _find_registration_conflicts(self, items, today=None):
        """The conflicts of a batch of customers claimed by partners, in THREE queries
        whatever the batch or the database's size.

        items: dicts with key, company_id, partner_id (the claiming channel partner), vat,
        name, city (keys as normalize_vat / normalize_customer_name give them),
        country_id, state_id, zip. A customer is the same when its tax id is, or its name
        and city are. Returns {key: {"protected": [...], "pending": [...],
        "leads": [...], "territories": [...]}}:

        * protected: (registration id, partner id, approval datetime, protection end) of
          approved registrations of other partners protected on `today`;
        * pending: (registration id, partner id, submission datetime) of other partners'
          submitted registrations;
        * leads: (lead id, creation datetime) of open opportunities without a channel
          partner (direct sales) of that customer;
        * territories: (territory id, owner ids) of exclusive territories of other partners
          that hold the customer's address.
        """
        items = list(items)
        if not items:
            return {}
        today = today or fields.Date.context_today(self)
        companies = list({item["company_id"] for item in items})
        vats = list({item["vat"] for item in items if item["vat"]})
        names = list({item["name"] for item in items if item["name"]})
        self.env.flush_all()
        # 1. other claims: the registrations (submitted or approved) with these keys
        claims = self.env.execute_query(
            SQL(
                """
                SELECT r.id, r.partner_id, r.state, r.submit_date, r.approve_date,
                       r.protection_until, r.customer_vat_key, r.customer_key, r.city_key,
                       r.company_id
                  FROM crm_deal_registration r
                 WHERE r.company_id = ANY(%(companies)s)
                   AND r.state IN ('submitted', 'approved')
                   AND (r.customer_vat_key = ANY(%(vats)s) OR r.customer_key = ANY(%(names)s))
                """,
                companies=companies,
                vats=vats,
                names=names,
            )
        )
        # 2. open opportunities of direct sales with the customer (its company's tax id,
        # or its name and city)
        key = sql_customer_key(("c", "name"))
        city_key = sql_customer_key(("c", "city"))
        leads = self.env.execute_query(
            SQL(
                """
                WITH customer AS (
                    SELECT c.id, c.vat, %(key)s AS name_key, %(city_key)s AS city_key
                      FROM res_partner c
                     WHERE c.vat = ANY(%(vats)s) OR %(key)s = ANY(%(names)s)
                )
                SELECT l.id, l.create_date, l.company_id, customer.vat, customer.name_key,
                       customer.city_key
                  FROM customer
                  JOIN res_partner p ON p.commercial_partner_id = customer.id
                  JOIN crm_lead l ON l.partner_id = p.id
                 WHERE l.active AND l.type = 'opportunity' AND l.won_status = 'pending'
                   AND l.channel_partner_id IS NULL
                   AND (l.company_id IS NULL OR l.company_id = ANY(%(companies)s))
                """,
                key=key,
                city_key=city_key,
                vats=vats,
                names=names,
                companies=companies,
            )
        )
        # 3. exclusive territories (one query for the batch)
        territories = self.env["sale.territory"]._find_conflicts(
            (
                item["key"],
                item["company_id"],
                item["partner_id"],
                item["country_id"],
                item["state_id"],
                item["zip"],
            )
            for item in items
        )
        by_vat, by_name = {}, {}
        for row in claims:
            if row[6]:
                by_vat.setdefault(row[6], []).append(row)
            by_name.setdefault((row[7], row[8] or ""), []).append(row)
        leads_by_vat, leads_by_name = {}, {}
        for lead_id, created, company_id, vat, name_key, lead_city in leads:
            entry = (lead_id, created, company_id)
            if vat and normalize_vat(vat):
                leads_by_vat.setdefault(normalize_vat(vat), []).append(entry)
            leads_by_name.setdefault((name_key, lead_city or ""), []).append(entry)
        result = {}
        for item in items:
            found = {"protected": [], "pending": [], "leads": [], "territories": []}
            rows = {}
            for row in by_vat.get(item["vat"], []) + by_name.get(
                (item["name"], item["city"] or ""), []
            ):
                rows[row[0]] = row
            for reg_id, partner_id, state, submitted, approved, until, *_rest, company in sorted(
                rows.values(), key=lambda r: (r[4] or r[3] or fields.Datetime.now(), r[0])
            ):
                if reg_id == item["key"] or partner_id == item["partner_id"]:
                    continue
                if company != item["company_id"]:
                    continue
                if state == "approved" and until and until >= today:
                    found["protected"].append((reg_id, partner_id, approved, until))
                elif state == "submitted":
                    found["pending"].append((reg_id, partner_id, submitted))
            seen = {}
            for entry in leads_by_vat.get(item["vat"], []) + leads_by_name.get(
                (item["name"], item["city"] or ""), []
            ):
                if entry[2] in (None, item["company_id"]):
                    seen[entry[0]] = (entry[0], entry[1])
            found["leads"] = sorted(seen.values())
            found["territories"] = territories.get(item["key"], [])
            result[item["key"]] = found
        return result

    def _conflict_vals(self, found):
        """Rows of crm.deal.registration.conflict for the result of the check."""
        vals_list = []
        for registration in self:
            hits = found.get(registration.id) or {}
            for reg_id, partner_id, submitted in hits.get("pending", []):
                vals_list.append(
                    {
                        "registration_id": registration.id,
                        "kind": "registration",
                        "other_registration_id": reg_id,
                        "owner_ids": [fields.Command.set([partner_id])],
                        "date": submitted,
                    }
                )
            for lead_id, created in hits.get("leads", []):
                vals_list.append(
                    {
                        "registration_id": registration.id,
                        "kind": "opportunity",
                        "lead_id": lead_id,
                        "date": created,
                    }
                )
            for territory_id, owner_ids in hits.get("territories", []):
                vals_list.append(
                    {
                        "registration_id": registration.id,
                        "kind": "territory",
                        "territory_id": territory_id,
                        "owner_ids": [fields.Command.set(owner_ids)],
                    }
                )
        return vals_list


class ResPartner(models.Model):
    _inherit = "res.partner"

    # the conflict check finds customers by their name's key (sql_customer_key)
    _deal_registration_key_idx = models.Index(f"(translate(name, '{_SQL_FROM}', '{_SQL_TO}'))")
