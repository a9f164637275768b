from collections import defaultdict
from decimal import Decimal

from odoo import fields, models


class RebateProgram(models.Model):
    """Accruals: the rebate earned so far in the current period of active programs, and
    its projection (the Accruals report, the accrued rebate on partners)."""

    _inherit = "rebate.program"

    def _get_accrual_values(self, today=None, partners=None):
        """Live figures of the current open period of active programs: a list of dicts
        (program, partner_id, date_from, date_to, base, target, attainment, earned,
        projected, pending_adjustment, liability)."""
        today = today or fields.Date.context_today(self)
        result = []
        for program in self.filtered(lambda p: p.state == "active"):
            period = program._get_current_period(today)
            if not period:
                continue
            date_from, date_to = period
            eligible = program._get_eligible_partners(date_from)
            if partners is not None:
                eligible &= partners
            if not eligible:
                continue
            rebates = program._get_partner_rebates(date_from, date_to, eligible, uncounted=False)
            pending = defaultdict(Decimal)
            for adjustment in program._get_pending_adjustments(date_from, eligible):
                pending[adjustment["partner_id"]] += adjustment["adjustment"]
            days = Decimal((date_to - date_from).days + 1)
            elapsed = Decimal(max((min(today, date_to) - date_from).days + 1, 1))
            factor = days / elapsed
            terms = program._get_terms()
            for partner_id in sorted(set(rebates) | set(pending)):
                values = rebates.get(partner_id) or program._get_rebate(0, None, terms=terms)
                projected = program._get_rebate(
                    values["base_amount"] * factor,
                    values["target_amount"] or None,
                    {k: v * factor for k, v in values.get("special_bases", {}).items()},
                    values["growth_base"] if program.growth_rate else None,
                    values["multiplier"],
                    terms=terms,
                )
                result.append(
                    {
                        "program": program,
                        "partner_id": partner_id,
                        "date_from": date_from,
                        "date_to": date_to,
                        "base": values["base_amount"],
                        "target": values["target_amount"],
                        "attainment": values["attainment"],
                        "band_rate": values["band_rate"],
                        "earned": values["total"],
                        "projected": projected["total"],
                        "pending_adjustment": pending.get(partner_id, Decimal(0)),
                        "liability": values["total"] + pending.get(partner_id, Decimal(0)),
                    }
                )
        return result
