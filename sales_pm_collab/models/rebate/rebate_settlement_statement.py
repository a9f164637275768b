import base64
from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .rebate_balance_move import BALANCE_PAYOUTS


class RebateSettlement(models.Model):
    """The partners' statements of a settlement: the XLSX workbook
    (`report/rebate_statement_xlsx.py`), the PDF per partner and their sending."""

    _inherit = "rebate.settlement"

    def action_export_xlsx(self):
        """Download the statement workbook of the settlement."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/sales_pm_collab/rebate_settlement/{self.id}/xlsx",
            "target": "download",
        }

    def action_print_statements(self):
        self.ensure_one()
        return self.env.ref("sales_pm_collab.action_report_rebate_statement").report_action(
            self.regular_line_ids
        )

    def action_send_statements(self):
        """Email every partner its PDF statement, logged on the settlement (in a
        background job above the company's threshold of partners)."""
        self._check_finance()
        for settlement in self:
            if settlement.state not in ("approved", "done"):
                raise UserError(
                    self.env._(
                        "Statements are sent once settlement %(ref)s is approved.",
                        ref=settlement.name,
                    )
                )
            settlement._check_no_job()
            lines = settlement.regular_line_ids
            missing = lines.filtered(lambda ln: not ln.partner_id.email)
            if missing:
                raise UserError(
                    self.env._(
                        "These partners have no email address: %(names)s. Add one, then "
                        "send the statements again.",
                        names=", ".join(missing.partner_id.mapped("display_name")),
                    )
                )
            if settlement._queue_job("rebate_statements"):
                continue
            settlement._send_statements(lines)
        return True

    def _send_statements(self, lines):
        """Post the statement of each of `lines` (regular lines of the settlement) to its
        partner, with its PDF."""
        self.ensure_one()
        template = self.env.ref("sales_pm_collab.mail_template_rebate_statement")
        rendered = template._generate_template(
            lines.ids, ["subject", "body_html", "email_from", "report_template_ids"]
        )
        for line in lines:
            values = rendered[line.id]
            self.message_post(
                subject=values.get("subject"),
                body=values.get("body_html"),
                email_from=values.get("email_from") or None,
                partner_ids=line.partner_id.ids,
                attachments=[
                    (name, base64.b64decode(content))
                    for name, content in values.get("attachments", [])
                ],
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def _get_statement_balances(self, partners=None):
        """{partner id: {credited, used, expired, open}}: the rebate balance today of the
        settlement's partners (or of the given commercial `partners`) in its program,
        when the program pays into a balance (order deduction, special fund); empty
        otherwise. One grouped query for all the partners."""
        self.ensure_one()
        if self.program_id.payout not in BALANCE_PAYOUTS:
            return {}
        if partners is None:
            partners = self.line_ids.partner_id
        zero = dict.fromkeys(("credited", "used", "expired", "open"), 0.0)
        figures = self.env["rebate.balance.move"]._get_balance_figures(partners, self.program_id)
        return {
            partner.id: figures.get((partner.id, self.program_id.id), zero) for partner in partners
        }

    def _get_statement_lines(self, partner):
        """Regular and adjustment lines of one partner, for statements."""
        self.ensure_one()
        return self.line_ids.filtered(lambda ln: ln.partner_id == partner)

    def _get_statement_sources(self):
        """{partner id: [(document, invoice date, move type, product code, label, line
        type, period start, kind, amount)]}: the sources of every line of the settlement
        in one query, in statement order."""
        self.ensure_one()
        self.env["rebate.settlement.source"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT line.partner_id, move.name, move.invoice_date, move.move_type,
                       COALESCE(pt.default_code, ''), aml.name, line.line_type,
                       line.period_date_from, src.kind, src.amount
                  FROM rebate_settlement_source src
                  JOIN rebate_settlement_line line ON line.id = src.settlement_line_id
                  JOIN account_move_line aml ON aml.id = src.move_line_id
                  JOIN account_move move ON move.id = aml.move_id
                  LEFT JOIN product_product pp ON pp.id = aml.product_id
                  LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE line.settlement_id = %s
                 ORDER BY line.partner_id, line.line_type DESC, move.invoice_date, move.name,
                          aml.id
                """,
                self.id,
            )
        )
        by_partner = defaultdict(list)
        for row in rows:
            by_partner[row[0]].append(row[1:])
        return by_partner
