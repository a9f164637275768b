from decimal import Decimal

from odoo import fields, models

from .rebate_program import to_decimal


class RebateProgram(models.Model):
    """What a channel partner sees of its programs on the portal (/my/rebates): the
    current period to date and the what-if of the next bands, from the program's own
    band math (`_get_rebate`). Plain values only: the controller renders them."""

    _inherit = "rebate.program"

    def _get_portal_partner_programs(self, partner, today=None):
        """The active programs of ``partner``'s commercial entity, each with its current
        period to date: [{program_name, note, currency, period, base, target, attainment,
        band, band_rate, earned, what_if: [{band, band_rate, missing, total, more}]}].

        Runs as the server (``sudo``): the caller checked that ``partner`` is the user's
        own commercial entity; only whitelisted figures leave this method."""
        commercial = partner.commercial_partner_id
        today = today or fields.Date.context_today(self)
        programs = self.sudo().search([("state", "=", "active")], order="date_start desc, id")
        result = []
        for program in programs:
            period = program._get_current_period(today)
            if not period:
                continue
            date_from, date_to = period
            if commercial not in program._get_eligible_partners(date_from):
                continue
            terms = program._get_terms()
            values = program._get_partner_rebates(
                date_from, date_to, commercial, uncounted=False
            ).get(commercial.id) or program._get_rebate(0, None, terms=terms)
            result.append(
                {
                    "program_id": program.id,
                    "program_name": program.name,
                    "currency": program.currency_id,
                    "period": program._period_label(date_from, date_to),
                    "date_from": date_from,
                    "date_to": date_to,
                    "base": float(values["base_amount"]),
                    "target": float(values["target_amount"]),
                    "has_target": bool(values["target_amount"]),
                    "attainment": (
                        float(values["attainment"]) if values["attainment"] is not None else None
                    ),
                    "band": values["band"].display_name if values["band"] else False,
                    "band_rate": float(values["band_rate"]),
                    "earned": float(values["total"]),
                    "what_if": program._get_what_if(values, terms),
                }
            )
        return result

    def _get_what_if(self, values, terms=None):
        """For each band above the partner's attainment: how much more base reaches it
        and what the period's rebate would then be (the band math of `_get_rebate`, with
        the partner's own target, specials, last year's base and multiplier).
        [{band, band_rate, missing, total, more}], lowest band first; empty without a
        target."""
        self.ensure_one()
        terms = terms or self._get_terms()
        target = values["target_amount"]
        if not target:
            return []
        base = to_decimal(values["base_amount"])
        current = values["attainment"] if values["attainment"] is not None else Decimal(0)
        rows = []
        for band, low, _high, rate in terms["bands"]:
            if low <= current or not rate:
                continue
            needed = target * low / Decimal(100)
            missing = needed - base
            projected = self._get_rebate(
                needed,
                target,
                values.get("special_bases"),
                values["growth_base"] if terms["growth_rate"] else None,
                values["multiplier"],
                terms=terms,
            )
            rows.append(
                {
                    "band": band.display_name,
                    "band_rate": float(rate),
                    "missing": float(missing),
                    "total": float(projected["total"]),
                    "more": float(projected["total"] - values["total"]),
                }
            )
        return rows
