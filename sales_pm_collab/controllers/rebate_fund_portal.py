from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class RebateFundPortal(CustomerPortal):
    """The partner's rebate balances and special fund claims on the portal (/my/fund):
    only its commercial entity's records; figures come from the model."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "rebate_fund_count" in counters:
            # the tile shows to partners with a rebate balance or a claim
            Claim = request.env["rebate.fund.claim"]
            Move = request.env["rebate.balance.move"]
            values["rebate_fund_count"] = (
                Move.search_count([], limit=1) + Claim.search_count([], limit=1)
                if Claim.has_access("read") and Move.has_access("read")
                else 0
            )
        return values

    def _fund_partner(self):
        return request.env.user.partner_id.commercial_partner_id

    @http.route("/my/fund", type="http", auth="user", website=True)
    def portal_my_fund(self, **kwargs):
        Claim = request.env["rebate.fund.claim"]
        if not Claim.has_access("read"):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update(Claim._portal_summary(self._fund_partner()))
        values["page_name"] = "rebate_fund"
        return request.render("sales_pm_collab.portal_my_fund", values)

    @http.route(
        "/my/fund/claims/new", type="http", auth="user", website=True, methods=["GET", "POST"]
    )
    def portal_fund_claim_new(self, **post):
        Claim = request.env["rebate.fund.claim"]
        if not Claim.has_access("read"):
            return request.redirect("/my")
        partner = self._fund_partner()
        error = None
        if request.httprequest.method == "POST":
            files = [
                (upload.filename or "document", upload.read(), upload.mimetype)
                for upload in request.httprequest.files.getlist("attachments")
            ]
            try:
                claim = Claim._portal_file_claim(partner, post, files)
            except ValidationError as exc:
                error = exc.args[0]
            else:
                return request.redirect(f"/my/fund/claims/{claim.id}")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "rebate_fund_new",
                "programs": Claim._portal_fund_programs(partner),
                "purposes": Claim._fields["purpose"]._description_selection(request.env),
                "error": error,
                "post": post,
            }
        )
        return request.render("sales_pm_collab.portal_fund_claim_new", values)

    @http.route("/my/fund/claims/<int:claim_id>", type="http", auth="user", website=True)
    def portal_fund_claim(self, claim_id, access_token=None, **kwargs):
        try:
            claim = self._document_check_access("rebate.fund.claim", claim_id, access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None
        for attachment in claim.attachment_ids:
            attachment.generate_access_token()
        values = self._get_page_view_values(
            claim,
            access_token,
            {"page_name": "rebate_fund_claim", "claim": claim},
            "my_fund_history",
            False,
        )
        return request.render("sales_pm_collab.portal_fund_claim", values)
