from collections import Counter
from contextlib import contextmanager

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from .rebate_program import SETTLED_STATES

# program fields that decide the amounts: frozen once a settlement was approved
TERMS_FIELDS = {
    "period",
    "date_start",
    "basis",
    "product_categ_ids",
    "product_ids",
    "excluded_product_ids",
    "exclude_conflicts",
    "registered_deals_only",
    "band_ids",
    "band_mode",
    "growth_rate",
    "special_ids",
    "apply_grade_multiplier",
    "cap_amount",
    "company_id",
}
# key in the cursor's cache (self.env.cr.cache) of the programs whose own write is saving
# their bands: see RebateProgram._bands_checked_at_end
BANDS_DEFERRED_KEY = "sales_pm_collab.rebate_bands_deferred"


class RebateProgram(models.Model):
    """The terms of a program: frozen once one of its settlements is approved (the
    amounts settled must stay reproducible), and bands that neither overlap nor leave a
    gap, checked as a whole when the program's own write saves them."""

    _inherit = "rebate.program"

    @api.constrains("band_ids")
    def _check_bands(self):
        for program in self:
            program._check_band_layout(program.band_ids)

    def _check_band_layout(self, bands):
        """``bands`` (the program's, or what would be left of them) neither overlap nor
        leave a gap from the lowest one up; only the highest may be open-ended."""
        self.ensure_one()
        program = self
        bands = bands.sorted(lambda b: (b.attainment_from, b.id))
        for previous, band in zip(bands, bands[1:], strict=False):
            if not previous.attainment_to:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the band from %(from)s%% has no upper "
                        "limit, so it overlaps the band from %(next)s%%. Only the highest "
                        "band may be open-ended.",
                        name=program.name,
                        **{"from": previous.attainment_from, "next": band.attainment_from},
                    )
                )
            if band.attainment_from < previous.attainment_to:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the bands %(a)s and %(b)s overlap; each "
                        "band must start where the previous one ends.",
                        name=program.name,
                        a=previous.display_name,
                        b=band.display_name,
                    )
                )
            if band.attainment_from > previous.attainment_to:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: there is a gap between %(to)s%% and "
                        "%(from)s%%; each band must start where the previous one ends "
                        "(add a band with rate 0 for a range that earns nothing).",
                        name=program.name,
                        to=previous.attainment_to,
                        **{"from": band.attainment_from},
                    )
                )

    def write(self, vals):
        if TERMS_FIELDS & set(vals):
            self._check_terms_unlocked()
        if "band_ids" not in vals:
            return super().write(vals)
        # the bands are checked as a whole once all of the form's changes are written
        # (_check_bands, run at the end of this write), not one by one while they are (a
        # band moved before the next one is created would look like a gap)
        with self._bands_checked_at_end():
            return super().write(vals)

    @contextmanager
    def _bands_checked_at_end(self):
        """While the programs' own write applies its band commands, the bands leave the
        layout check to the program (``_check_bands`` at the end of that write).

        The marker lives in the cursor's cache (``self.env.cr.cache``): memory of this
        server transaction that no RPC argument or context key can reach or set (a
        context key could: any client sends any context), emptied on commit and
        rollback, and it only ever covers programs in the middle of a write that checks
        their bands when it ends. A band cannot change program (rebate.program.term.mixin),
        so a command of this write cannot move a band out of another program unchecked.
        """
        deferred = self.env.cr.cache.setdefault(BANDS_DEFERRED_KEY, Counter())
        deferred.update(self.ids)
        try:
            yield
        finally:
            deferred.subtract(self.ids)
            for program_id in self.ids:
                if deferred[program_id] <= 0:
                    del deferred[program_id]

    def _bands_checked_by_own_write(self):
        """The programs of ``self`` whose write is saving their bands right now."""
        deferred = self.env.cr.cache.get(BANDS_DEFERRED_KEY) or {}
        return self.filtered(lambda program: deferred.get(program.id, 0) > 0)

    def _get_locking_settlements(self):
        """{program id: first approved/paid settlement}: the terms can no longer change."""
        if not self.ids:
            return {}
        rows = (
            self.env["rebate.settlement"]
            .sudo()
            ._read_group(
                [("program_id", "in", self.ids), ("state", "in", SETTLED_STATES)],
                ["program_id"],
                ["id:min"],
            )
        )
        return {program.id: self.env["rebate.settlement"].browse(sid) for program, sid in rows}

    def _check_terms_unlocked(self):
        locked = self._get_locking_settlements()
        for program in self:
            if locked.get(program.id):
                raise UserError(
                    self.env._(
                        "The terms of rebate program %(name)s are frozen since settlement "
                        "%(ref)s was approved: the amounts already settled must stay "
                        "reproducible. Close this program and create a new one for new terms.",
                        name=program.name,
                        ref=locked[program.id].sudo().name,
                    )
                )
