"""The statement workbook of a rebate settlement (XLSX): the rows come from the
settlement (`_get_statement_sources`), this module lays them out."""

import io
import numbers
import re
from collections import defaultdict
from datetime import date, datetime

import xlsxwriter

from odoo import fields

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _write(sheet, row, col, value, fmt=None):
    """Write one cell; text always as a string cell, never a formula (an invoice label or
    a partner name starting with =, +, - or @ stays inert text)."""
    if value is None or value is False:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, numbers.Number):
        sheet.write_number(row, col, float(value), fmt)
    elif isinstance(value, (date, datetime)):
        sheet.write_datetime(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _user_datetime(record, value):
    """A UTC datetime of the database in the reader's time zone (naive: a cell has no
    time zone), or None."""
    if not value:
        return None
    return fields.Datetime.context_timestamp(record, value).replace(tzinfo=None)


def _table(sheet, headers, rows, formats, widths):
    """Header row, data rows, frozen header, autofilter and column widths."""
    header_fmt = formats["header"]
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, header_fmt)
    for index, row in enumerate(rows, start=1):
        for col, (value, fmt_name) in enumerate(row):
            _write(sheet, index, col, value, formats.get(fmt_name))
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)


def _sheet_name(name, taken):
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique, no leading '."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name or "").strip().strip("'")[:28] or "Partner"
    candidate, counter = base, 2
    while candidate.lower() in taken:
        suffix = f" {counter}"
        candidate = base[: 31 - len(suffix)] + suffix
        counter += 1
    taken.add(candidate.lower())
    return candidate


def build_statement_workbook(settlement, partner=None):
    """The statement workbook of a settlement, as bytes.

    Sheets: Summary (one row per partner with every component and, for a program paying
    into a balance, the partner's balance credited, used, expired or reversed and open
    today), Adjustments (true-ups
    of earlier periods), then one sheet of sources per partner. With ``partner`` (a
    commercial partner, the portal's download), its own lines only.
    """
    settlement.ensure_one()
    env = settlement.env
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    digits = settlement.currency_id.decimal_places
    money = "#,##0" + ("." + "0" * digits if digits else "")
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1}),
        "money": workbook.add_format({"num_format": money}),
        "percent": workbook.add_format({"num_format": "0.00%"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "int": workbook.add_format({"num_format": "0"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    lines = settlement.line_ids
    if partner is not None:
        lines = lines.filtered(lambda ln: ln.partner_id == partner)
    regular = lines.filtered(lambda ln: ln.line_type == "regular")
    adjustments = lines.filtered(lambda ln: ln.line_type == "adjustment")
    adjustment_by_partner = defaultdict(float)
    for line in adjustments:
        adjustment_by_partner[line.partner_id.id] += line.adjustment_amount

    summary = workbook.add_worksheet(env._("Summary")[:31])
    headers = [
        env._("Partner"),
        env._("Reference"),
        env._("Period"),
        env._("Target"),
        env._("Base"),
        env._("Left Out (Territory Conflicts)"),
        env._("Attainment"),
        env._("Band"),
        env._("Band Rate"),
        env._("Base Rebate"),
        env._("Last Year's Base"),
        env._("Growth Rebate"),
        env._("Special Base"),
        env._("Special Rebate"),
        env._("Multiplier"),
        env._("Capped"),
        env._("Adjustments"),
        env._("Total"),
        env._("Credit Note / Bill"),
        env._("Warning"),
        # the partner's sign-off of its statement (对账)
        env._("Sign-off"),
        env._("Signed off by"),
        env._("Signed off on"),
        env._("Dispute Reason"),
    ]
    signoff_labels = dict(
        env["rebate.settlement.line"]._fields["signoff_state"]._description_selection(env)
    )
    # programs paying into a balance: the partner's balance today in the program
    balances = settlement._get_statement_balances(regular.partner_id)
    if balances:
        headers += [
            env._("Balance Credited"),
            env._("Balance Used"),
            env._("Balance Expired or Reversed"),
            env._("Open Balance"),
        ]
    rows = []
    for line in regular:
        partner_total = line.total + adjustment_by_partner.get(line.partner_id.id, 0.0)
        rows.append(
            [
                (line.partner_id.name, None),
                (line.partner_id.ref or "", None),
                (line.period_label, None),
                (line.target_amount if line.has_target else None, "money"),
                (line.base_amount, "money"),
                (line.conflict_excluded_amount, "money"),
                (line.attainment / 100 if line.has_target else None, "percent"),
                (line.band_id.display_name or "", None),
                (line.band_rate / 100, "percent"),
                (line.base_rebate, "money"),
                (line.growth_base, "money"),
                (line.growth_rebate, "money"),
                (line.special_base, "money"),
                (line.special_rebate, "money"),
                (line.multiplier / 100, "percent"),
                (env._("Yes") if line.capped else env._("No"), None),
                (adjustment_by_partner.get(line.partner_id.id, 0.0), "money"),
                (partner_total, "money"),
                (line._get_statement_move_reference(), None),
                (line.warning or "", None),
                (signoff_labels.get(line.signoff_state, ""), None),
                (line.signoff_uid.partner_id.name or "", None),
                (_user_datetime(line, line.signoff_date), "datetime"),
                (line.signoff_comment or "", None),
            ]
        )
        if balances:
            figures = balances[line.partner_id.id]
            rows[-1] += [(figures[key], "money") for key in ("credited", "used", "expired", "open")]
    widths = [32, 12, 12] + [14] * 15 + [18, 40, 18, 20, 17, 40] + ([16] * 4 if balances else [])
    if partner is not None:
        # the partner's own download: the engine's warning is a note for the accountant
        internal = headers.index(env._("Warning"))
        for values in (headers, widths, *rows):
            del values[internal]
    _table(summary, headers, rows, formats, widths)

    adjustment_sheet = workbook.add_worksheet(env._("Adjustments")[:31])
    _table(
        adjustment_sheet,
        [
            env._("Partner"),
            env._("Adjusted Period"),
            env._("Settled by"),
            env._("Base Change"),
            env._("Journal Items"),
            env._("Settled Before"),
            env._("Recomputed"),
            env._("Adjustment"),
            env._("Detail"),
        ],
        [
            [
                (line.partner_id.name, None),
                (line.period_label, None),
                (line.adjusted_settlement_id.name or "", None),
                (line.base_amount, "money"),
                (line.item_count, "int"),
                (line.settled_amount, "money"),
                (line.recomputed_amount, "money"),
                (line.adjustment_amount, "money"),
                (line.adjustment_reference or "", None),
            ]
            for line in adjustments
        ],
        formats,
        [32, 14, 16, 14, 12, 14, 14, 14, 60],
    )

    # sources: one query for the whole settlement, one sheet per partner
    by_partner = settlement._get_statement_sources()
    move_types = dict(env["account.move"]._fields["move_type"]._description_selection(env))
    kinds = dict(env["rebate.settlement.source"]._fields["kind"]._description_selection(env))
    taken = {env._("Summary").lower()[:31], env._("Adjustments").lower()[:31]}
    program = settlement.program_id
    for line in regular:
        sheet = workbook.add_worksheet(_sheet_name(line.partner_id.name, taken))
        rows = []
        for (
            name,
            invoice_date,
            move_type,
            code,
            label,
            line_type,
            period_from,
            kind,
            amount,
        ) in by_partner.get(line.partner_id.id, []):
            rows.append(
                [
                    (name, None),
                    (invoice_date, "date"),
                    (move_types.get(move_type, move_type), None),
                    (code, None),
                    (label or "", None),
                    (
                        program._period_label(period_from, program._period_bounds(period_from)[1])
                        if line_type == "adjustment"
                        else settlement.period_label,
                        None,
                    ),
                    (kinds.get(kind, kind), None),
                    (float(amount), "money"),
                ]
            )
        _table(
            sheet,
            [
                env._("Document"),
                env._("Date"),
                env._("Type"),
                env._("Product"),
                env._("Label"),
                env._("Period"),
                env._("Kind"),
                env._("Amount"),
            ],
            rows,
            formats,
            [20, 12, 16, 12, 40, 12, 12, 14],
        )
    workbook.close()
    return output.getvalue()
