from collections import defaultdict
from decimal import Decimal

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

# a compute inserting that many lines or more refreshes the lines table's statistics (a
# constant statement: the 200 and 2,000 partner computes of the bench both run it)
ANALYZE_LINES = 100


class RebateSettlement(models.Model):
    """The settlement engine: its lines (one per partner of the period, one per true-up)
    from the program's figures, the journal items behind them as sources, and the credit
    notes or bills paying them out."""

    _inherit = "rebate.settlement"

    def _generate_lines(self, partners=None):
        """Replace the lines of the settlement: one regular line per partner with sales or a
        target, one adjustment line per partner and earlier settled period that changed;
        record every contributing journal item as a source. A fixed number of queries.
        ``partners``: the program's eligible partners for the period, if the caller has
        them already.

        PostgreSQL's JIT is off for them (the channel evaluation's `_without_jit`): the
        estimated cost of 200,000 journal items switches it on, and compiling took longer
        than running (the source insert and last year's base: 0.4 to 0.9 s of a 2,000
        partner compute)."""
        self.ensure_one()
        program = self.program_id.sudo()
        self._clear_lines()
        if partners is None:
            partners = program._get_eligible_partners(self.date_from)
        Source = self.env["rebate.settlement.source"]
        # the period's journal items are selected once: the bases and the sources read them
        with (
            self.env["res.partner.grade.evaluation"]._without_jit(),
            program._materialized_items(self.date_from, self.date_to, partners.ids) as items,
        ):
            rebates = program._get_partner_rebates(
                self.date_from, self.date_to, partners, items=items
            )
            adjustments = program._get_pending_adjustments(self.date_from)
            lines, regular_lines, adjustment_lines = self._create_lines(rebates, adjustments)
            if rebates:
                Source._insert_regular_sources(self, regular_lines, items)
            Source._insert_adjustment_sources(
                program,
                [
                    (adjustment_lines[(adj["partner_id"], adj["date_from"])], adj)
                    for adj in adjustments
                ],
            )
        if len(lines) >= ANALYZE_LINES:
            # the planner's statistics of the lines table, up to date for the new lines
            # at once rather than at autovacuum's next round: with statistics counting
            # none of them, opening the settlement's sources (joined to their lines by
            # the multi-company rule) took 15-20 s for 2,000 lines instead of 0.1 s
            self.env.cr.execute(SQL("ANALYZE rebate_settlement_line"))
        self.invalidate_recordset()
        for fname in (
            "amount_base_rebate",
            "amount_growth_rebate",
            "amount_special_rebate",
            "amount_adjustment",
            "amount_total",
            "partner_count",
            "warning_count",
        ):
            self.env.add_to_compute(self._fields[fname], self)
        return lines

    def _create_lines(self, rebates, adjustments):
        """Insert the lines of `rebates` ({partner id: components}) and `adjustments`
        (`rebate.program._get_pending_adjustments`) in one statement. Returns the lines,
        {partner id: regular line id} and {(partner id, period start): adjustment line
        id}."""
        program = self.program_id.sudo()
        # the settlement's own values, read once rather than once per partner
        common = {
            "settlement_id": self.id,
            "line_type": "regular",
            "period_date_from": self.date_from,
            "period_date_to": self.date_to,
        }
        vals_list = [
            self._regular_line_vals(partner_id, values, common)
            for partner_id, values in rebates.items()
        ]
        adjusted_only = {a["partner_id"] for a in adjustments} - set(rebates)
        multipliers = program._get_partner_multipliers(
            self.env["res.partner"].browse(sorted(adjusted_only))
        )
        for partner_id in sorted(adjusted_only):
            # every partner gets one statement line, even with adjustments only; it carries
            # the partner's multiplier for later true-ups of this period
            vals_list.append(
                self._regular_line_vals(
                    partner_id,
                    program._get_rebate(0, None, multiplier=multipliers[partner_id]),
                    common,
                )
            )
        for adjustment in adjustments:
            vals_list.append(self._adjustment_line_vals(adjustment))
        lines = self.env["rebate.settlement.line"].sudo()._bulk_create(self, vals_list)
        # the new lines' keys from the values (ids come back in insertion order): no read
        # of thousands of lines, and exact row counts for the planner in the source insert
        regular_lines, adjustment_lines = {}, {}
        for vals, line_id in zip(vals_list, lines.ids, strict=True):
            if vals["line_type"] == "regular":
                regular_lines[vals["partner_id"]] = line_id
            else:
                adjustment_lines[(vals["partner_id"], vals["period_date_from"])] = line_id
        return lines, regular_lines, adjustment_lines

    def _clear_lines(self):
        """Delete the lines of draft/computed settlements, and their sources with them
        (`rebate.settlement.line.unlink`: one statement for all)."""
        lines = self.sudo().line_ids
        if lines:
            lines.unlink()

    def _regular_line_vals(self, partner_id, values, common):
        """Values of the regular line of ``partner_id``; ``common``: the settlement's
        (`_create_lines`)."""
        return {
            **common,
            "partner_id": partner_id,
            **_component_vals(values),
            "item_count": values.get("item_count", 0),
            "special_base": float(sum(values.get("special_bases", {}).values(), Decimal(0))),
            "conflict_excluded_amount": float(values.get("conflict_excluded", 0)),
            "total": float(values["total"]),
            "warning": values["warning"],
        }

    def _adjustment_line_vals(self, adjustment):
        program = self.program_id
        settled = adjustment["settlement"]
        recomputed = adjustment["recomputed"]
        currency = self.currency_id
        vals = {
            "settlement_id": self.id,
            "partner_id": adjustment["partner_id"],
            "line_type": "adjustment",
            "period_date_from": adjustment["date_from"],
            "period_date_to": adjustment["date_to"],
            "adjusted_settlement_id": settled.id,
            **_component_vals(recomputed),
            "base_amount": float(adjustment["base_delta"]),
            "base_rebate": 0.0,
            "growth_rebate": 0.0,
            "special_rebate": 0.0,
            "item_count": len(adjustment["deltas"]),
            "settled_amount": float(adjustment["settled"]),
            "recomputed_amount": float(recomputed["total"]),
            "adjustment_amount": float(adjustment["adjustment"]),
            "total": float(adjustment["adjustment"]),
            "adjustment_reference": self.env._(
                "True-up of %(period)s (%(ref)s): settled %(settled)s, recomputed %(new)s.",
                period=program._period_label(adjustment["date_from"], adjustment["date_to"]),
                ref=settled.name,
                settled=format_amount(self.env, float(adjustment["settled"]), currency),
                new=format_amount(self.env, float(recomputed["total"]), currency),
            ),
        }
        return vals

    def _create_moves(self, lines=None):
        """Create (and post if the program says so) one move per partner, in one batch;
        of the given `lines` of the settlement only (a batch of a payout job), else of
        all its lines."""
        self.ensure_one()
        program = self.program_id
        if not program.journal_id or not program.product_id:
            raise UserError(
                self.env._(
                    "Rebate program %(name)s needs a journal and a rebate product to create "
                    "credit notes or bills: set them on the program (Payout tab).",
                    name=program.name,
                )
            )
        line_ids = defaultdict(list)
        for line in self.line_ids if lines is None else lines:
            line_ids[line.partner_id].append(line.id)
        by_partner = {
            partner: self.env["rebate.settlement.line"].browse(ids)
            for partner, ids in line_ids.items()
        }
        labels, refs = self._move_labels(by_partner)
        vals_list, line_groups = [], []
        today = fields.Date.context_today(self)
        currency = self.currency_id
        # in company currency, the journal item amounts are the price itself (no tax, one
        # unit): given with the line, Odoo does not write them back line by line while
        # creating the move (three writes per move otherwise)
        company_currency = currency == self.company_id.currency_id
        for partner, lines in by_partner.items():
            net = sum(lines.mapped("total"))
            if currency.is_zero(net):
                continue
            if program.payout == "credit_note":
                move_type = "out_refund" if net > 0 else "out_invoice"
            else:
                move_type = "in_invoice" if net > 0 else "in_refund"
            sign = 1 if net > 0 else -1
            # debit on credit notes and bills, credit on invoices and refunds of bills
            direction = 1 if move_type in ("out_refund", "in_invoice") else -1
            invoice_lines = [
                Command.create(
                    {
                        "product_id": program.product_id.id,
                        # the partner's document: in the partner's language
                        "name": labels[line.id],
                        "quantity": 1,
                        "price_unit": sign * line.total,
                        "tax_ids": [Command.clear()],
                        **(
                            {
                                "amount_currency": direction * sign * line.total,
                                "balance": direction * sign * line.total,
                            }
                            if company_currency
                            else {}
                        ),
                    }
                )
                for line in lines
                if not currency.is_zero(line.total)
            ]
            vals_list.append(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "journal_id": program.journal_id.id,
                    "company_id": self.company_id.id,
                    "currency_id": currency.id,
                    "invoice_date": today,
                    "ref": refs[partner.lang or False],
                    "invoice_origin": self.name,
                    "invoice_line_ids": invoice_lines,
                }
            )
            line_groups.append(lines)
        moves = self.env["account.move"].create(vals_list)
        # the link makes them rebate payouts (left out of every base): set by the
        # workflow only, never by a user (account.move guards the field)
        moves._write_system({"rebate_settlement_id": self.id})
        self.env["rebate.settlement.line"]._link_moves(
            [
                (line_id, move.id)
                for move, lines in zip(moves, line_groups, strict=True)
                for line_id in lines.ids
            ]
        )
        if program.post_moves and moves:
            moves.action_post()
        return moves

    def _move_labels(self, by_partner):
        """The texts of the partners' documents, in each partner's language (as
        `_in_lang_of`), computed once per language rather than once per line: ({line id:
        label}, {language: reference of the move})."""
        by_lang = defaultdict(list)
        for partner, lines in by_partner.items():
            by_lang[partner.lang or False].extend(lines.ids)
        labels, refs = {}, {}
        for lang, ids in by_lang.items():
            settlement = self.with_context(lang=lang) if lang else self
            lines = settlement.env["rebate.settlement.line"].browse(ids)
            labels.update((line.id, line._move_line_label()) for line in lines)
            refs[lang] = f"{self.name} – {self.program_id.name} {settlement.period_label}"
        return labels, refs


def _component_vals(values):
    """Settlement line values of the rebate components computed by the program."""
    return {
        "target_amount": float(values["target_amount"]),
        "base_amount": float(values["base_amount"]),
        "has_target": values["attainment"] is not None,
        "attainment": float(values["attainment"] or 0),
        "band_id": values["band"].id or False,
        "band_rate": float(values["band_rate"]),
        "base_rebate": float(values["base_rebate"]),
        "growth_base": float(values["growth_base"]),
        "growth_rebate": float(values["growth_rebate"]),
        "special_rebate": float(values["special_rebate"]),
        "multiplier": float(values["multiplier"]),
        "capped": values["capped"],
    }
