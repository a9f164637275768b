"""Deal registration (项目报备): a channel partner claims a customer's deal before the
sale; once approved, the claim is protected for a while against other partners, direct
sales and orders of anyone else."""

import re
from string import ascii_lowercase, ascii_uppercase

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .res_partner import CHANNEL_MANAGER_GROUP

CUSTOMER_NAME_SIZE = 200
# characters left out when comparing customer names: spaces and punctuation, Latin and
# Chinese (full-width brackets, commas, the ideographic space); ASCII letters are lowered.
# The SQL twin (crm_deal_registration_conflict.sql_customer_key) uses the same table.
NAME_NOISE = ' \t\r\n\u3000.,;:"()[]{}&-_/·、，。；：（）【】《》“”‘’'
_NAME_TABLE = str.maketrans(ascii_uppercase, ascii_lowercase, NAME_NOISE)
# the registration states in which a customer is claimed by its partner (pending or won)
PENDING_STATES = ("submitted",)
CLAIM_STATES = ("approved",)
REGISTRATION_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("won", "Won"),
    ("lost", "Lost"),
    ("expired", "Expired"),
]


def normalize_customer_name(name):
    """The key two spellings of one customer share: case, spaces and punctuation left
    out ("Shanghai  Ruida Co., Ltd." and "shanghai ruida co ltd" match)."""
    return (name or "").translate(_NAME_TABLE)


def normalize_vat(vat):
    """A tax id (统一社会信用代码) without spaces or dashes, upper case."""
    return re.sub(r"[\s\-]+", "", (vat or "")).upper()


# who reads what the conflict check found (ir.model.access.csv of the conflicts)
CONFLICT_READERS = "sales_pm_collab.group_collab_channel_manager,sales_team.group_sale_manager"


class CrmDealRegistration(models.Model):
    _name = "crm.deal.registration"
    _description = "Deal Registration"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # a portal partner writes on its registrations' thread with read access
    _mail_post_access = "read"
    # set by the workflow (submit, approve, reject, extend), the conflict check, the
    # opportunity and the expiry cron: only the customer, the deal and its notes are typed
    _system_fields = (
        "name",
        "state",
        "submit_date",
        "approve_date",
        "protection_until",
        "extended",
        "lead_id",
        "customer_partner_id",
        "conflict_ids",
        "reject_reason",
        "reminder_sent",
        "close_date",
    )
    # what the partner's registration pages show and its form writes: the conflict
    # check, the matched customer and opportunity, the channel manager and the keys of
    # the duplicate search stay internal, also over RPC
    _portal_fields = (
        "name",
        "state",
        "company_id",
        "currency_id",
        "partner_id",
        "customer_name",
        "customer_vat",
        "country_id",
        "state_id",
        "city",
        "zip",
        "expected_revenue",
        "expected_close_date",
        "description",
        "submit_date",
        "protection_until",
        "reject_reason",
        "access_url",
        "access_token",
    )
    _portal_write_fields = (
        # its own company only (checked by _check_may_register and _check_may_edit)
        "partner_id",
        "customer_name",
        "customer_vat",
        "country_id",
        "state_id",
        "city",
        "zip",
        "expected_revenue",
        "expected_close_date",
        "description",
    )

    # === Fields === #

    name = fields.Char(string="Reference", default="/", readonly=True, copy=False, index="trigram")
    state = fields.Selection(
        REGISTRATION_STATES,
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Channel Partner",
        required=True,
        index=True,
        tracking=True,
        domain="[('channel_type', '!=', False), ('is_company', '=', True)]",
        default=lambda self: self._default_partner_id(),
        help="The channel partner registering the deal.",
    )
    channel_manager_id = fields.Many2one(
        related="partner_id.channel_manager_id", store=True, string="Channel Manager"
    )
    customer_name = fields.Char(required=True, tracking=True)
    customer_vat = fields.Char(
        string="Customer Tax ID",
        tracking=True,
        help="Unified social credit code (统一社会信用代码) or tax id of the customer.",
    )
    customer_key = fields.Char(
        compute="_compute_customer_key",
        store=True,
        index=True,
        help="Technical: the customer's name without case, spaces or punctuation.",
    )
    customer_vat_key = fields.Char(
        compute="_compute_customer_key",
        store=True,
        index="btree_not_null",
        help="Technical: the tax id without spaces, upper case.",
    )
    city_key = fields.Char(compute="_compute_customer_key", store=True)
    customer_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index="btree_not_null",
        tracking=True,
        help="The customer, matched or created on approval.",
    )
    country_id = fields.Many2one("res.country")
    state_id = fields.Many2one("res.country.state", domain="[('country_id', '=?', country_id)]")
    city = fields.Char()
    zip = fields.Char()
    product_ids = fields.Many2many("product.product", string="Products")
    expected_revenue = fields.Monetary(currency_field="currency_id", tracking=True)
    expected_close_date = fields.Date(tracking=True)
    description = fields.Text()
    submit_date = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    approve_date = fields.Datetime(string="Approved On", readonly=True, copy=False)
    protection_until = fields.Date(
        readonly=True,
        copy=False,
        tracking=True,
        help="The claim is protected until this day included: approval date plus the "
        "company's protection period; a channel manager can extend it once.",
    )
    extended = fields.Boolean(
        string="Protection Extended",
        readonly=True,
        copy=False,
        help="The protection was extended once (it cannot be extended again).",
    )
    reminder_sent = fields.Boolean(readonly=True, copy=False)
    close_date = fields.Datetime(
        string="Closed On", readonly=True, copy=False, help="When the deal was won or lost."
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The opportunity created (or linked) on approval, with the partner as channel "
        "partner.",
    )
    link_lead_id = fields.Many2one(
        "crm.lead",
        string="Link to Opportunity",
        copy=False,
        check_company=True,
        domain="[('type', '=', 'opportunity'), ('won_status', '=', 'pending')]",
        help="Approval links this open opportunity (its channel partner becomes the "
        "registering partner) instead of creating a new one.",
    )
    conflict_ids = fields.One2many(
        "crm.deal.registration.conflict",
        "registration_id",
        string="Conflicts",
        readonly=True,
        groups=CONFLICT_READERS,
        help="What the conflict check found when the registration was submitted.",
    )
    conflict_count = fields.Integer(compute="_compute_conflict_count", groups=CONFLICT_READERS)
    reject_reason = fields.Text(readonly=True, copy=False, tracking=True)
    approval_hours = fields.Float(
        string="Approval Time (hours)",
        compute="_compute_approval_hours",
        store=True,
        aggregator="avg",
        help="Hours from submission to the decision (approval).",
    )
    is_protected = fields.Boolean(
        compute="_compute_is_protected",
        search="_search_is_protected",
        help="Approved and its protection not over.",
    )

    # === Defaults and computes === #

    @api.model
    def _default_partner_id(self):
        user = self.env.user
        if user.share and user.commercial_partner_id.channel_type:
            return user.commercial_partner_id.id
        return False

    @api.depends("customer_name", "customer_vat", "city")
    def _compute_customer_key(self):
        for registration in self:
            registration.customer_key = normalize_customer_name(registration.customer_name)
            registration.customer_vat_key = normalize_vat(registration.customer_vat) or False
            registration.city_key = normalize_customer_name(registration.city) or False

    def _compute_conflict_count(self):
        counts = self._count_by("crm.deal.registration.conflict", "registration_id")
        for registration in self:
            registration.conflict_count = counts.get(registration, 0)

    @api.depends("submit_date", "approve_date")
    def _compute_approval_hours(self):
        for registration in self:
            if registration.submit_date and registration.approve_date:
                delta = registration.approve_date - registration.submit_date
                registration.approval_hours = delta.total_seconds() / 3600
            else:
                registration.approval_hours = 0.0

    @api.depends("state", "protection_until")
    @api.depends_context("date")
    def _compute_is_protected(self):
        today = fields.Date.context_today(self)
        for registration in self:
            registration.is_protected = registration._protected_on(today)

    def _search_is_protected(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on protection."))
        today = fields.Date.context_today(self)
        domain = [("state", "in", CLAIM_STATES), ("protection_until", ">=", today)]
        return domain if (operator == "=") == value else ["!", *domain]

    def _protected_on(self, day):
        self.ensure_one()
        return bool(
            self.state in CLAIM_STATES and self.protection_until and self.protection_until >= day
        )

    # === Constraints === #

    @api.constrains("customer_name", "customer_vat", "city", "zip", "description")
    def _check_sizes(self):
        for registration in self:
            if not (registration.customer_name or "").strip():
                raise ValidationError(self.env._("A deal registration needs the customer's name."))
            if len(registration.customer_name) > CUSTOMER_NAME_SIZE:
                raise ValidationError(
                    self.env._(
                        "The customer's name is limited to %(size)s characters; shorten it.",
                        size=CUSTOMER_NAME_SIZE,
                    )
                )
            for label, value, size in (
                (self.env._("tax id"), registration.customer_vat, 32),
                (self.env._("city"), registration.city, 128),
                (self.env._("zip code"), registration.zip, 20),
                (self.env._("description"), registration.description, 10000),
            ):
                if value and len(value) > size:
                    raise ValidationError(
                        self.env._(
                            "The %(what)s is limited to %(size)s characters; shorten it.",
                            what=label,
                            size=size,
                        )
                    )

    @api.constrains("expected_revenue")
    def _check_expected_revenue(self):
        if any(registration.expected_revenue < 0 for registration in self):
            raise ValidationError(
                self.env._("The expected revenue of a registered deal cannot be negative.")
            )

    @api.constrains("partner_id")
    def _check_partner(self):
        for registration in self:
            partner = registration.partner_id
            if not partner.channel_type or partner.commercial_partner_id != partner:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is not a channel partner: only channel partners (a "
                        "company with a channel type) register deals.",
                        partner=partner.display_name,
                    )
                )

    @api.constrains("state_id", "country_id")
    def _check_state_country(self):
        for registration in self:
            if (
                registration.state_id
                and registration.country_id
                and registration.state_id.country_id != registration.country_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(state)s is not in %(country)s: choose a state of the country.",
                        state=registration.state_id.name,
                        country=registration.country_id.name,
                    )
                )

    # === CRUD === #

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self._check_may_register(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            # the fields the system owns are refused first, whatever the state
            self._collab_check_user_vals(vals, self._collab_system_field_names())
            self._check_may_edit(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_not_draft(self):
        if self.env.su:
            return
        if any(registration.state != "draft" for registration in self):
            raise UserError(
                self.env._(
                    "Only draft registrations can be deleted; a submitted one is rejected, "
                    "an approved one expires or follows its opportunity."
                )
            )

    @api.model
    def _is_channel_manager_user(self):
        return self._has_role([CHANNEL_MANAGER_GROUP])

    @api.model
    def _check_may_register(self, vals_list):
        """Channel managers register for any channel partner; a portal user only for its
        own company (its commercial entity); other users not at all."""
        if self._is_channel_manager_user():
            return
        user = self.env.user
        if not user.share:
            raise AccessError(
                self.env._(
                    "Deal registrations are made by channel partners on the portal, or by "
                    "a channel manager on their behalf."
                )
            )
        own = user.commercial_partner_id.id
        for vals in vals_list:
            if vals.get("partner_id", own) != own or vals.get("company_id") not in (
                None,
                False,
                self.env.company.id,
            ):
                raise AccessError(self.env._("You can only register deals for your own company."))

    def _check_may_edit(self, vals):
        """Only drafts are edited (a submitted registration is what was checked and
        decided); a portal user edits its own drafts and never moves them to another
        partner; the channel manager may also pick the opportunity to link."""
        manager = self._is_channel_manager_user()
        if set(vals) <= {"link_lead_id"} and manager:
            if any(registration.state != "submitted" for registration in self):
                raise UserError(
                    self.env._(
                        "The opportunity to link is chosen while the registration is submitted."
                    )
                )
            return
        ignored = {key for key in vals if key.startswith(("message_", "activity_"))}
        if not set(vals) - ignored:
            return
        not_draft = self.filtered(lambda r: r.state != "draft")
        if not_draft:
            raise UserError(
                self.env._(
                    "%(names)s: only a draft registration can be changed.",
                    names=", ".join(not_draft.mapped("name")),
                )
            )
        if not manager:
            user = self.env.user
            if (
                not user.share
                or "company_id" in vals
                or ("partner_id" in vals and vals["partner_id"] != user.commercial_partner_id.id)
            ):
                raise AccessError(
                    self.env._("You can only change the draft registrations of your own company.")
                )
            if "link_lead_id" in vals:
                raise AccessError(
                    self.env._("Only a channel manager chooses the opportunity to link.")
                )

    # === Portal === #

    def _compute_access_url(self):
        for registration in self:
            registration.access_url = f"/my/registrations/{registration.id}"

    def _get_portal_values(self):
        """What the partner's portal shows of a registration: never the conflict check,
        the channel manager's notes or the opportunity (internal)."""
        self.ensure_one()
        state_labels = dict(self._fields["state"]._description_selection(self.env))
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "state_label": state_labels[self.state],
            "customer_name": self.customer_name,
            "customer_vat": self.customer_vat or "",
            "address": ", ".join(
                part
                for part in (
                    self.zip,
                    self.city,
                    self.state_id.name,
                    self.country_id.name,
                )
                if part
            ),
            # the names of its own products (a portal user reads no product records)
            "products": ", ".join(self.sudo().product_ids.mapped("display_name")),
            "expected_revenue": self.expected_revenue,
            "currency": self.currency_id,
            "expected_close_date": self.expected_close_date,
            "submit_date": self.submit_date,
            "protection_until": self.protection_until,
            "reject_reason": self.reject_reason or "",
            "description": self.description or "",
        }

    @api.model
    def _portal_form_choices(self):
        """The countries, states and products the portal form offers."""
        products = (
            self.env["product.product"]
            .sudo()
            .search([("sale_ok", "=", True), ("company_id", "in", [False, self.env.company.id])])
        )
        return {
            # a country has no company: every user sees the same ~250 countries
            "countries": self.env["res.country"].sudo().search([]),  # pylint: disable=no-search-all
            "country_states": self.env["res.country.state"]
            .sudo()
            .search([("country_id", "!=", False)]),
            "products": [(product.id, product.display_name) for product in products],
        }

    @api.model
    def _portal_form_values(self, post):
        """Values of a registration from the portal form's text fields, refused with a
        message naming the field when one does not fit."""
        vals = {
            name: (post.get(name) or "").strip() or False
            for name in ("customer_name", "customer_vat", "city", "zip", "description")
        }
        for name, model in (("country_id", "res.country"), ("state_id", "res.country.state")):
            raw = (post.get(name) or "").strip()
            if not raw:
                vals[name] = False
                continue
            if not raw.isdigit() or not self.env[model].sudo().browse(int(raw)).exists():
                raise ValidationError(
                    self.env._(
                        "%(field)s: choose one of the list.", field=self._fields[name].string
                    )
                )
            vals[name] = int(raw)
        revenue = (post.get("expected_revenue") or "").strip().replace(",", "")
        try:
            vals["expected_revenue"] = float(revenue) if revenue else 0.0
        except ValueError:
            raise ValidationError(
                self.env._("Expected revenue: type an amount, e.g. 250000.")
            ) from None
        close = (post.get("expected_close_date") or "").strip()
        try:
            vals["expected_close_date"] = fields.Date.to_date(close) if close else False
        except ValueError:
            raise ValidationError(
                self.env._("Expected close date: type a date as YYYY-MM-DD.")
            ) from None
        product_ids = post.get("product_ids") or []
        if isinstance(product_ids, str):
            product_ids = [product_ids]
        if any(not str(pid).isdigit() for pid in product_ids):
            raise ValidationError(self.env._("Products: choose products of the list."))
        allowed = {pid for pid, _name in self._portal_form_choices()["products"]}
        chosen = [int(pid) for pid in product_ids]
        if set(chosen) - allowed:
            raise ValidationError(self.env._("Products: choose products of the list."))
        vals["product_ids"] = chosen
        if not vals["customer_name"]:
            raise ValidationError(self.env._("A deal registration needs the customer's name."))
        return vals

    @api.model
    def _portal_create(self, post):
        """A registration from the portal form, as the portal user (its record rules and
        the model's checks apply). The products, checked against the form's list, are
        linked by the server: a portal user reads no product records."""
        vals = self._portal_form_values(post)
        product_ids = vals.pop("product_ids")
        registration = self.create(vals)
        if product_ids:
            registration.sudo().product_ids = [fields.Command.set(product_ids)]
        return registration

    # === Actions === #

    def action_view_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "views": [(False, "form")],
        }
