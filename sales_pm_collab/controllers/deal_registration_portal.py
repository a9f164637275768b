"""The channel partner's deal registrations on the portal (/my/registrations): list,
new, detail with its thread. HTTP only: the records are read and written as the portal
user (its record rules: its company's registrations only), the figures and the texts
shown come from the model (crm.deal.registration._get_portal_values)."""

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

MODEL = "crm.deal.registration"
PAGE_SIZE = 20
FORM_FIELDS = (
    "customer_name",
    "customer_vat",
    "city",
    "zip",
    "description",
    "expected_close_date",
    "expected_revenue",
    "country_id",
    "state_id",
)


class DealRegistrationPortal(CustomerPortal):
    def _deal_registration_partner(self):
        """The channel partner the portal user registers for, or None (not a portal
        user of a channel partner)."""
        user = request.env.user
        partner = user.commercial_partner_id
        if user._is_public() or not user.share or not partner.channel_type:
            return None
        return partner

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "deal_registration_count" in counters:
            Registration = request.env[MODEL]
            values["deal_registration_count"] = (
                Registration.search_count([])
                if self._deal_registration_partner() and Registration.has_access("read")
                else 0
            )
        return values

    @http.route(
        ["/my/registrations", "/my/registrations/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_deal_registrations(self, page=1, **kw):
        if not self._deal_registration_partner():
            return request.redirect("/my")
        Registration = request.env[MODEL]
        total = Registration.search_count([])
        pager = portal_pager(url="/my/registrations", total=total, page=page, step=PAGE_SIZE)
        registrations = Registration.search([], limit=PAGE_SIZE, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "deal_registration",
                "pager": pager,
                "registrations": [r._get_portal_values() for r in registrations],
                "default_url": "/my/registrations",
            }
        )
        return request.render("sales_pm_collab.portal_my_deal_registrations", values)

    @http.route("/my/registrations/new", type="http", auth="user", website=True, methods=["GET"])
    def portal_deal_registration_new(self, **kw):
        if not self._deal_registration_partner():
            return request.redirect("/my")
        return self._render_registration_form({}, error=None)

    @http.route("/my/registrations/new", type="http", auth="user", website=True, methods=["POST"])
    def portal_deal_registration_create(self, **post):
        if not self._deal_registration_partner():
            return request.redirect("/my")
        Registration = request.env[MODEL]
        post = dict(post, product_ids=request.httprequest.form.getlist("product_ids"))
        try:
            with request.env.cr.savepoint():
                registration = Registration._portal_create(post)
                if post.get("submit"):
                    registration.action_submit()
        except (UserError, ValidationError, AccessError) as error:
            return self._render_registration_form(post, error=error.args[0])
        return request.redirect(f"/my/registrations/{registration.id}")

    def _render_registration_form(self, post, error):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "deal_registration_new",
                "form": post,
                "error": error,
                **request.env[MODEL]._portal_form_choices(),
            }
        )
        return request.render("sales_pm_collab.portal_deal_registration_form", values)

    def _portal_registration(self, registration_id):
        """The registration if the portal user may read it (its company's), else None:
        another partner's id answers 404 as a missing one."""
        if not self._deal_registration_partner():
            return None
        registration = request.env[MODEL].browse(registration_id)
        try:
            registration.check_access("read")
            registration.exists().ensure_one()
        except (AccessError, MissingError, ValueError):
            return None
        return registration

    @http.route(
        "/my/registrations/<int:registration_id>",
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_deal_registration(self, registration_id, **kw):
        registration = self._portal_registration(registration_id)
        if not registration:
            return request.not_found()
        values = self._prepare_portal_layout_values()
        values = self._get_page_view_values(
            registration, None, values, "my_deal_registrations_history", False, **kw
        )
        values.update(
            {
                "page_name": "deal_registration",
                "registration": registration._get_portal_values(),
                "error": kw.get("error"),
            }
        )
        return request.render("sales_pm_collab.portal_deal_registration_page", values)

    @http.route(
        "/my/registrations/<int:registration_id>/submit",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_deal_registration_submit(self, registration_id, **kw):
        registration = self._portal_registration(registration_id)
        if not registration:
            return request.not_found()
        try:
            with request.env.cr.savepoint():
                registration.action_submit()
        except (UserError, ValidationError, AccessError) as error:
            values = self._prepare_portal_layout_values()
            values = self._get_page_view_values(
                registration, None, values, "my_deal_registrations_history", False
            )
            values.update(
                {
                    "page_name": "deal_registration",
                    "registration": registration._get_portal_values(),
                    "error": error.args[0],
                }
            )
            return request.render("sales_pm_collab.portal_deal_registration_page", values)
        return request.redirect(f"/my/registrations/{registration.id}")
