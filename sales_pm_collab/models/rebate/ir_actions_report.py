from collections import OrderedDict

import lxml.html

from odoo import models

from odoo.addons.base.models.ir_actions_report import _wkhtml

STATEMENT_REPORT = "sales_pm_collab.report_rebate_statement"


class IrActionsReport(models.Model):
    """The rebate statement's PDF: one wkhtmltopdf run per partner, merged.

    Odoo renders several records in one wkhtmltopdf call with one HTML document per
    record, which the unpatched-Qt wkhtmltopdf of Debian and Ubuntu refuses ("multiple
    documents ... unpatched QT") and which also ignores the separate header and footer
    files the letterhead is printed from. The statement therefore renders each partner's
    statement on its own (`_render_qweb_pdf` merges the streams with Odoo's PDF tools)
    and, with such a wkhtmltopdf, keeps the company letterhead inside the statement.
    Every other report renders as Odoo does.
    """

    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        report = self._get_report(report_ref)
        if report.report_name != STATEMENT_REPORT or not res_ids or len(res_ids) < 2:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        # one statement per partner and settlement, in the order printed, whichever of
        # its lines were selected (see report.sales_pm_collab.report_rebate_statement)
        statements = self.env[f"report.{STATEMENT_REPORT}"]._get_statement_lines(res_ids)
        collected = OrderedDict()
        for statement in statements:
            streams = super()._render_qweb_pdf_prepare_streams(
                report_ref, dict(data or {}), res_ids=statement.ids
            )
            collected[statement.id] = streams[statement.id]
        return collected

    def _prepare_html(self, html, report_model=False):
        if self.report_name == STATEMENT_REPORT and not _wkhtml().is_patched_qt:
            html = self._inline_letterhead(html)
        return super()._prepare_html(html, report_model=report_model)

    def _inline_letterhead(self, html):
        """Move each document's header and footer (the external layout's letterhead)
        into its body: the unpatched-Qt wkhtmltopdf ignores `--header-html` and
        `--footer-html`. The page numbers, which only those files can fill, are left
        out."""
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))

        def has_class(node, name):
            return name in (node.get("class") or "").split()

        def rename(node, name, new_name):
            node.set(
                "class",
                " ".join(new_name if c == name else c for c in node.get("class").split()),
            )

        for article in root.xpath(
            "//div[contains(concat(' ', normalize-space(@class), ' '), ' article ')]"
        ):
            header = article.getprevious()
            if header is not None and header.tag == "div" and has_class(header, "header"):
                rename(header, "header", "o_collab_letterhead_header")
                article.insert(0, header)
            footer = article.getnext()
            if footer is not None and footer.tag == "div" and has_class(footer, "footer"):
                rename(footer, "footer", "o_collab_letterhead_footer")
                for number in footer.xpath(".//span[@class='page' or @class='topage']"):
                    holder = number.getparent()
                    if holder is not None and holder.getparent() is not None:
                        holder.getparent().remove(holder)
                article.append(footer)
        return lxml.html.tostring(root, encoding="utf-8")
