from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

PARTNER_REL = "res_partner_sale_territory_rel"
TERRITORY_NAME_SIZE = 128
ZIP_SIZE = 20


def _normalize_zip_range(zip_from, zip_to):
    """Trim the bounds and pad numeric ones to the same length, so that '2000' <= zip <=
    '20999' compares as numbers do (the same normalisation as fiscal positions)."""
    zip_from = zip_from.strip() if isinstance(zip_from, str) else zip_from
    zip_to = zip_to.strip() if isinstance(zip_to, str) else zip_to
    if zip_from and zip_to and isinstance(zip_from, str) and isinstance(zip_to, str):
        width = max(len(zip_from), len(zip_to))
        if zip_from.isdigit():
            zip_from = zip_from.rjust(width, "0")
        if zip_to.isdigit():
            zip_to = zip_to.rjust(width, "0")
    return zip_from, zip_to


class SaleTerritory(models.Model):
    """A sales territory: an address matches it by country, state and zip range."""

    _name = "sale.territory"
    _description = "Sales Territory"
    _inherit = ["mail.thread", "collab.guard.mixin"]
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    country_ids = fields.Many2many(
        "res.country",
        "sale_territory_res_country_rel",
        "territory_id",
        "country_id",
        string="Countries",
        help="Empty: any country.",
    )
    state_ids = fields.Many2many(
        "res.country.state",
        "sale_territory_res_country_state_rel",
        "territory_id",
        "state_id",
        string="States / Provinces",
        domain="[('country_id', 'in', country_ids)]",
        help="Empty: any state of the countries.",
    )
    zip_from = fields.Char(string="Zip Range From")
    zip_to = fields.Char(string="Zip Range To")
    exclusive = fields.Boolean(
        tracking=True,
        help="Only the authorised partners may sell into an exclusive territory: a sale "
        "order of another channel partner delivering here records a territory conflict.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        PARTNER_REL,
        "territory_id",
        "partner_id",
        string="Authorised Partners",
        domain="[('channel_type', '!=', False)]",
        check_company=True,
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Partners")
    conflict_ids = fields.One2many("sale.territory.conflict", "territory_id")
    conflict_count = fields.Integer(compute="_compute_conflict_count", string="Conflicts")
    note = fields.Html()

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        for territory in self:
            territory.partner_count = len(territory.partner_ids)

    def _compute_conflict_count(self):
        counts = self._count_by("sale.territory.conflict", "territory_id")
        for territory in self:
            territory.conflict_count = counts.get(territory, 0)

    @api.constrains("name")
    def _check_name(self):
        self._check_name_size(
            TERRITORY_NAME_SIZE,
            self.env._("A territory needs a name."),
            self.env._(
                "The name of a territory is limited to %(size)s characters; shorten it.",
                size=TERRITORY_NAME_SIZE,
            ),
        )

    @api.constrains("state_ids", "country_ids")
    def _check_states_in_countries(self):
        for territory in self:
            strays = territory.state_ids.filtered(
                lambda s, t=territory: t.country_ids and s.country_id not in t.country_ids
            )
            if strays:
                raise ValidationError(
                    self.env._(
                        "Territory %(name)s: %(states)s lie outside its countries; add their "
                        "country or remove them.",
                        name=territory.name,
                        states=", ".join(strays.mapped("name")),
                    )
                )

    @api.constrains("zip_from", "zip_to")
    def _check_zip_range(self):
        for territory in self:
            for bound in (territory.zip_from, territory.zip_to):
                if bound and len(bound) > ZIP_SIZE:
                    raise ValidationError(
                        self.env._(
                            "Territory %(name)s: a zip code has %(size)s characters at most; "
                            "got %(zip)s.",
                            name=territory.name,
                            size=ZIP_SIZE,
                            zip=bound[:40],
                        )
                    )
            if bool(territory.zip_from) != bool(territory.zip_to):
                raise ValidationError(
                    self.env._(
                        "Territory %(name)s: set both ends of the zip range, or neither.",
                        name=territory.name,
                    )
                )
            if territory.zip_from and territory.zip_from > territory.zip_to:
                raise ValidationError(
                    self.env._(
                        "Territory %(name)s: the zip range starts at %(zip_from)s, after its "
                        "end %(zip_to)s. Swap the two values.",
                        name=territory.name,
                        zip_from=territory.zip_from,
                        zip_to=territory.zip_to,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["zip_from"], vals["zip_to"] = _normalize_zip_range(
                vals.get("zip_from"), vals.get("zip_to")
            )
        return super().create(vals_list)

    def write(self, vals):
        if "zip_from" in vals or "zip_to" in vals:
            for territory in self:
                zip_from, zip_to = _normalize_zip_range(
                    vals.get("zip_from", territory.zip_from), vals.get("zip_to", territory.zip_to)
                )
                super(SaleTerritory, territory).write(dict(vals, zip_from=zip_from, zip_to=zip_to))
            return True
        return super().write(vals)

    def action_view_partners(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_channel_partners",
            domain=[("id", "in", self.partner_ids.ids)],
            context={},
        )

    def action_view_conflicts(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_sale_territory_conflict",
            domain=[("territory_id", "=", self.id)],
            context={"default_territory_id": self.id},
        )

    # === matching === #
    def _match_values(self, country_id, state_id, zip_code):
        """Whether an address (ids and zip) lies in this territory (one record)."""
        self.ensure_one()
        return _rule_matches(
            {
                "country_ids": set(self.country_ids.ids),
                "state_ids": set(self.state_ids.ids),
                "zip_from": self.zip_from,
                "zip_to": self.zip_to,
            },
            country_id,
            state_id,
            zip_code,
        )

    def _filter_for_address(self, partner):
        """The territories of self that the address of `partner` lies in."""
        return self.filtered(
            lambda t: t._match_values(partner.country_id.id, partner.state_id.id, partner.zip)
        )

    @api.model
    def _exclusive_rules(self, company_ids):
        """Active exclusive territories of the companies with their authorised partners,
        in ONE query: [{id, company_id, country_ids, state_ids, zip_from, zip_to,
        partner_ids}]."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT t.id, t.company_id, t.zip_from, t.zip_to,
                       ARRAY(SELECT c.country_id FROM sale_territory_res_country_rel c
                              WHERE c.territory_id = t.id),
                       ARRAY(SELECT s.state_id FROM sale_territory_res_country_state_rel s
                              WHERE s.territory_id = t.id),
                       ARRAY(SELECT p.partner_id FROM %(rel)s p WHERE p.territory_id = t.id)
                  FROM sale_territory t
                 WHERE t.active AND t.exclusive AND t.company_id = ANY(%(companies)s)
              ORDER BY t.sequence, t.id
                """,
                rel=SQL.identifier(PARTNER_REL),
                companies=list(company_ids),
            )
        )
        return [
            {
                "id": tid,
                "company_id": company_id,
                "zip_from": zip_from,
                "zip_to": zip_to,
                "country_ids": set(countries),
                "state_ids": set(states),
                "partner_ids": set(partners),
            }
            for tid, company_id, zip_from, zip_to, countries, states, partners in rows
        ]

    @api.model
    def _find_conflicts(self, items):
        """Territory conflicts of a batch of sales, with ONE query.

        items: iterable of (key, company_id, seller_id, country_id, state_id, zip): the
        seller is the channel partner (commercial entity) selling, the rest the delivery
        address. Returns {key: [(territory_id, owner_ids)]} for the sales delivering into an
        exclusive territory authorised to other partners but not to the seller.
        """
        items = list(items)
        if not items:
            return {}
        rules = self._exclusive_rules({item[1] for item in items})
        found = {}
        for key, company_id, seller_id, country_id, state_id, zip_code in items:
            for rule in rules:
                if (
                    rule["company_id"] == company_id
                    and rule["partner_ids"]
                    and seller_id not in rule["partner_ids"]
                    and _rule_matches(rule, country_id, state_id, zip_code)
                ):
                    found.setdefault(key, []).append((rule["id"], sorted(rule["partner_ids"])))
        return found

    @api.model
    def _conflict_warning(self, conflicts, customer_address=False):
        """A readable warning for the result of _find_conflicts for one sale: about its
        delivery address (orders) or its customer's address (`customer_address`,
        opportunities)."""
        if not conflicts:
            return False
        territories = self.browse([tid for tid, _owners in conflicts]).sudo()
        owners = (
            self.env["res.partner"]
            .browse(sorted({pid for _tid, owners in conflicts for pid in owners}))
            .sudo()
        )
        if customer_address:
            return self.env._(
                "The customer's address lies in the exclusive territory %(territories)s, "
                "authorised to %(owners)s: selling there through this channel partner is a "
                "cross-territory sale.",
                territories=", ".join(territories.mapped("name")),
                owners=", ".join(owners.mapped("name")),
            )
        return self.env._(
            "The delivery address lies in the exclusive territory %(territories)s, "
            "authorised to %(owners)s: selling there through this partner is a "
            "cross-territory sale.",
            territories=", ".join(territories.mapped("name")),
            owners=", ".join(owners.mapped("name")),
        )


def _rule_matches(rule, country_id, state_id, zip_code):
    if rule["country_ids"] and country_id not in rule["country_ids"]:
        return False
    if rule["state_ids"] and state_id not in rule["state_ids"]:
        return False
    if rule["zip_from"] and rule["zip_to"]:
        return bool(zip_code) and rule["zip_from"] <= zip_code.strip() <= rule["zip_to"]
    return True
