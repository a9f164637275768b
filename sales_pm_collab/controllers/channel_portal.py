"""The channel partner's portal: its level passport (/my/channel), its rebates
(/my/rebates) and the sign-off of its statements. HTTP only: the figures come from
res.partner._get_channel_passport and rebate.program._get_portal_partner_programs;
another partner's ids answer 404."""

import re

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..report.rebate_statement_xlsx import XLSX_MIMETYPE, build_statement_workbook

LINE_MODEL = "rebate.settlement.line"


class ChannelPortal(CustomerPortal):
    # === Home === #

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "channel_passport_count" in counters:
            values["channel_passport_count"] = 1 if self._channel_partner() else 0
        if "channel_rebate_count" in counters:
            Line = request.env[LINE_MODEL]
            count = (
                Line.search_count(self._channel_statement_domain())
                if Line.has_access("read")
                else 0
            )
            # the tile shows for every channel partner, statements or not yet
            values["channel_rebate_count"] = count or (1 if self._channel_partner() else 0)
        return values

    def _channel_partner(self):
        """The user's commercial entity when it is a channel partner, else None."""
        partner = request.env.user.partner_id.commercial_partner_id
        return partner if partner.sudo().channel_type else None

    def _channel_statement_domain(self):
        # the record rules already limit the lines to the user's commercial entity
        return [("line_type", "=", "regular")]

    def _channel_line(self, line_id):
        """The user's own statement line (sudo), or a 404."""
        try:
            line = self._document_check_access(LINE_MODEL, line_id)
        except (AccessError, MissingError):
            raise request.not_found() from None
        if line.line_type != "regular":
            raise request.not_found()
        return line

    # === Level passport === #

    @http.route("/my/channel", type="http", auth="user", website=True, readonly=True)
    def portal_my_channel(self, **kwargs):
        partner = self._channel_partner()
        if not partner:
            raise request.not_found()
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="channel_passport",
            passport=partner._get_channel_passport(),
        )
        return request.render("sales_pm_collab.portal_my_channel", values)

    # === Rebates === #

    @http.route("/my/rebates", type="http", auth="user", website=True, readonly=True)
    def portal_my_rebates(self, **kwargs):
        partner = self._channel_partner()
        if not partner:
            raise request.not_found()
        lines = request.env[LINE_MODEL].search(
            self._channel_statement_domain(), order="period_date_from desc, id desc", limit=40
        )
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="channel_rebates",
            programs=request.env["rebate.program"]._get_portal_partner_programs(partner),
            statements=lines.sudo()._get_portal_statement_values(),
        )
        return request.render("sales_pm_collab.portal_my_rebates", values)

    @http.route(
        "/my/rebates/statement/<int:line_id>",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_rebate_statement(self, line_id, error=None, **kwargs):
        line = self._channel_line(line_id)
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="channel_rebate_statement",
            statement=line._get_portal_statement_values()[0],
            error=error if error in ("comment", "state") else None,
        )
        return request.render("sales_pm_collab.portal_my_rebate_statement", values)

    @http.route(
        "/my/rebates/statement/<int:line_id>/signoff",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_rebate_signoff(self, line_id, decision=None, comment=None, **kwargs):
        line = self._channel_line(line_id)
        # as the user: the sign-off checks the record rules and the state itself
        user_line = line.with_user(request.env.user).sudo(False)
        url = f"/my/rebates/statement/{line.id}"
        try:
            if decision == "accept":
                user_line.action_portal_accept()
            elif decision == "dispute":
                user_line.action_portal_dispute(comment)
            else:
                raise request.not_found()
        except ValidationError:
            return request.redirect(f"{url}?error=comment")
        except UserError:
            return request.redirect(f"{url}?error=state")
        return request.redirect(url)

    @http.route(
        "/my/rebates/statement/<int:line_id>/pdf",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_rebate_statement_pdf(self, line_id, **kwargs):
        line = self._channel_line(line_id)
        report = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(line.company_id)
            ._render_qweb_pdf("sales_pm_collab.action_report_rebate_statement", line.ids)[0]
        )
        filename = re.sub(r"[^\w.-]+", "_", f"{line.settlement_id.name} {line.period_label}")
        return request.make_response(
            report,
            [
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(report)),
                ("Content-Disposition", content_disposition(f"{filename}.pdf")),
            ],
        )

    @http.route(
        "/my/rebates/statement/<int:line_id>/xlsx",
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_rebate_statement_xlsx(self, line_id, **kwargs):
        line = self._channel_line(line_id)
        content = build_statement_workbook(line.settlement_id, partner=line.partner_id)
        filename = re.sub(r"[^\w.-]+", "_", f"{line.settlement_id.name} {line.period_label}")
        return request.make_response(
            content,
            [
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Length", len(content)),
                ("Content-Disposition", content_disposition(f"{filename}.xlsx")),
            ],
        )
