from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

FEEDBACK_FORM_FIELDS = ("name", "kind", "product_id", "document", "description")


class FeedbackPortal(CustomerPortal):
    """The customer side of the portal: the company's feedback (`/my/feedback`, a new
    one at `/my/feedback/new`) and the requirements it is linked to (`/my/requests`).
    Only HTTP here: what may be read and how a feedback is filed are the models'
    (`customer.feedback._portal_*`, `product.requirement._portal_requests`); another
    company's feedback answers 404."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        partner = request.env.user.partner_id
        Feedback = request.env["customer.feedback"]
        if "feedback_count" in counters:
            values["feedback_count"] = (
                Feedback.search_count(Feedback._portal_domain(partner))
                if Feedback.has_access("read")
                else 0
            )
        if "request_count" in counters:
            values["request_count"] = request.env["product.requirement"]._portal_request_count(
                partner
            )
        return values

    def _feedback_searchbar(self):
        Feedback = request.env["customer.feedback"]
        labels = Feedback._portal_labels()
        sortings = {
            "date": {"label": request.env._("Newest"), "order": "sla_start_date desc, id desc"},
            "reference": {"label": labels["reference"], "order": "reference desc, id desc"},
            "state": {"label": labels["state"], "order": "state, sla_start_date desc"},
        }
        filters = {key: {"label": label} for key, label in Feedback._portal_state_filters()}
        return sortings, filters

    # === Feedback === #

    @http.route(
        ["/my/feedback", "/my/feedback/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_feedback(self, page=1, sortby="date", filterby="all", **kw):
        Feedback = request.env["customer.feedback"]
        sortings, filters = self._feedback_searchbar()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = Feedback._portal_domain(request.env.user.partner_id, filterby)
        readable = Feedback.has_access("read")
        pager = portal_pager(
            url="/my/feedback",
            url_args={"sortby": sortby, "filterby": filterby},
            total=Feedback.search_count(domain) if readable else 0,
            page=page,
            step=self._items_per_page,
        )
        feedback = (
            Feedback.search(
                domain,
                order=sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager["offset"],
            )
            if readable
            else Feedback
        )
        request.session["my_feedback_history"] = feedback.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "feedbacks": feedback.sudo(),
                "page_name": "feedback",
                "pager": pager,
                "default_url": "/my/feedback",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
                "tz": Feedback._portal_timezone(request.env.user),
                "labels": Feedback._portal_labels(),
            }
        )
        return request.render("sales_pm_collab.portal_my_feedback", values)

    @http.route(["/my/feedback/<int:feedback_id>"], type="http", auth="public", website=True)
    def portal_feedback_page(self, feedback_id, access_token=None, message=None, **kw):
        try:
            feedback_sudo = self._document_check_access(
                "customer.feedback", feedback_id, access_token=access_token
            )
        except (AccessError, MissingError):
            raise request.not_found() from None
        # the portal thread posts with the document's token (portal users never write)
        feedback_sudo._portal_ensure_token()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "feedback": feedback_sudo,
                "page_name": "feedback",
                "message": message,
                "token": feedback_sudo.access_token,
                "tz": feedback_sudo._portal_timezone(request.env.user),
                "labels": request.env["customer.feedback"]._portal_labels(),
            }
        )
        values = self._get_page_view_values(
            feedback_sudo, access_token, values, "my_feedback_history", False, **kw
        )
        return request.render("sales_pm_collab.portal_feedback_page", values)

    @http.route(
        ["/my/feedback/new"], type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_feedback_new(self, **post):
        Feedback = request.env["customer.feedback"]
        partner = request.env.user.partner_id
        error = None
        if request.httprequest.method == "POST":
            values = {key: post.get(key) for key in FEEDBACK_FORM_FIELDS}
            files = [
                (upload.filename, upload.read())
                for upload in request.httprequest.files.getlist("attachments")
                if upload.filename
            ]
            try:
                with request.env.cr.savepoint():
                    feedback = Feedback._portal_create(partner, values, files)
            except ValidationError as exc:
                error = exc.args[0]
            else:
                return request.redirect(f"{feedback.sudo().access_url}?message=sent")
        orders, invoices = Feedback._portal_documents(partner)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "feedback_new",
                "kinds": Feedback._portal_kinds(),
                "products": Feedback._portal_products(partner),
                "orders": orders,
                "invoices": invoices,
                "error": error,
                "form": post,
                "labels": Feedback._portal_labels(),
            }
        )
        return request.render("sales_pm_collab.portal_feedback_new", values)

    # === Requests (requirements) === #

    @http.route(
        ["/my/requests", "/my/requests/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_requests(self, page=1, **kw):
        Requirement = request.env["product.requirement"]
        partner = request.env.user.partner_id
        pager = portal_pager(
            url="/my/requests",
            total=Requirement._portal_request_count(partner),
            page=page,
            step=self._items_per_page,
        )
        rows = Requirement._portal_requests(
            partner, offset=pager["offset"], limit=self._items_per_page
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "requests": rows,
                "labels": Requirement._portal_labels(),
                "page_name": "requests",
                "pager": pager,
                "default_url": "/my/requests",
            }
        )
        return request.render("sales_pm_collab.portal_my_requests", values)
