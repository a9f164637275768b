from decimal import ROUND_HALF_UP, Decimal

from odoo import models

from .rebate_program import to_decimal

HUNDRED = Decimal(100)


class RebateProgram(models.Model):
    """The band math: the rebate of one partner for one period from its figures, in exact
    decimals. No query: the figures come from `rebate_program_items` (journal items) and
    the program (targets, multipliers); settlements, true-ups, accruals and projections
    all call `_get_rebate`."""

    _inherit = "rebate.program"

    def _get_terms(self):
        """The program's terms as plain Decimals, read once for a whole computation."""
        self.ensure_one()
        return {
            "quantum": Decimal(1).scaleb(-self.currency_id.decimal_places),
            "mode": self.band_mode,
            "bands": [
                (
                    band,
                    to_decimal(band.attainment_from),
                    to_decimal(band.attainment_to) if band.attainment_to else None,
                    to_decimal(band.rate),
                )
                for band in self.band_ids.sorted("attainment_from")
            ],
            "growth_rate": to_decimal(self.growth_rate),
            "specials": [
                (
                    special.id,
                    special.rate_type,
                    to_decimal(special.rate),
                    to_decimal(special.factor),
                )
                for special in self.special_ids
            ],
            "cap": to_decimal(self.cap_amount) if self.cap_amount else None,
            "no_band": self.env["rebate.program.band"],
        }

    def _find_band(self, attainment, terms=None):
        """The band holding ``attainment`` (a Decimal %), or an empty recordset."""
        return self._band_and_rate(attainment, terms or self._get_terms())[0]

    def _band_and_rate(self, attainment, terms):
        """(band, rate as a Decimal) holding ``attainment``, from the terms (no read of
        the band: the engine calls it once per partner); (empty recordset, 0) if none."""
        for band, low, high, rate in terms["bands"]:
            if attainment >= low and (high is None or attainment < high):
                return band, rate
        return terms["no_band"], Decimal(0)

    def _get_rebate(
        self, base, target, special_bases=None, growth_base=None, multiplier=100, terms=None
    ):
        """The rebate of one partner for one period, as a dict of its components.

        Pure function of its arguments and the program's terms: used by settlements,
        true-ups, accruals and projections alike. Amounts are Decimals, rounded to the
        company currency; ``attainment`` is a percentage (None without a target). Pass
        ``terms`` (``_get_terms()``) when computing many partners.
        """
        self.ensure_one()
        terms = terms or self._get_terms()

        def rounded(value):
            return value.quantize(terms["quantum"], rounding=ROUND_HALF_UP)

        base = to_decimal(base)
        target = to_decimal(target) if target else None
        result = {
            "base_amount": rounded(base),
            "target_amount": rounded(target or Decimal(0)),
            "attainment": None,
            "band": terms["no_band"],
            "band_rate": Decimal(0),
            "base_rebate": Decimal(0),
            "growth_base": rounded(to_decimal(growth_base)),
            "growth_rebate": Decimal(0),
            "special_rebate": Decimal(0),
            "multiplier": to_decimal(multiplier),
            "capped": False,
            "total": Decimal(0),
            "warning": False,
        }
        if target:
            # exact comparison of base against target × band limit: no float drift at 80%
            attainment = base * HUNDRED / target
            result["attainment"] = attainment
            result["band"], result["band_rate"] = self._band_and_rate(attainment, terms)
            if terms["mode"] == "whole":
                result["base_rebate"] = rounded(max(base, 0) * result["band_rate"] / HUNDRED)
            else:
                rebate = Decimal(0)
                for _band, low_pct, high_pct, rate in terms["bands"]:
                    low = target * low_pct / HUNDRED
                    top = base if high_pct is None else min(base, target * high_pct / HUNDRED)
                    if top > low:
                        rebate += (top - low) * rate / HUNDRED
                result["base_rebate"] = rounded(rebate)
        elif base:
            result["warning"] = self.env._("No target for this period: no attainment rebate.")
        if terms["growth_rate"] and growth_base is not None and to_decimal(growth_base) > 0:
            # no sales a year earlier: nothing to grow from, no growth rebate
            growth = base - to_decimal(growth_base)
            if growth > 0:
                result["growth_rebate"] = rounded(growth * terms["growth_rate"] / HUNDRED)
        effective_rate = result["base_rebate"] * HUNDRED / base if base > 0 else Decimal(0)
        special_rebate = Decimal(0)
        for special_id, rate_type, rate, factor in terms["specials"]:
            special_base = to_decimal((special_bases or {}).get(special_id, 0))
            if special_base > 0:
                extra = effective_rate * (factor - 1) if rate_type == "multiple" else rate
                special_rebate += special_base * extra / HUNDRED
        result["special_rebate"] = rounded(special_rebate)
        subtotal = result["base_rebate"] + result["growth_rebate"] + result["special_rebate"]
        total = rounded(subtotal * result["multiplier"] / HUNDRED)
        if terms["cap"] is not None and total > terms["cap"]:
            total = rounded(terms["cap"])
            result["capped"] = True
        result["total"] = total
        return result
