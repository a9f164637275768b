from collections import defaultdict
from decimal import Decimal

from odoo import models
from odoo.tools import SQL

from .rebate_program import SETTLED_STATES, to_decimal


class RebateProgram(models.Model):
    """True-ups: what changed in the periods already settled (approved or paid), and the
    adjustment the next settlement carries for each partner and period."""

    _inherit = "rebate.program"

    def _get_pending_adjustments(self, before, partners=None):
        """True-ups of the periods settled (approved or paid) before ``before``.

        A journal item changes a settled period when it was posted later with a reference
        date in it (a credit note reversing one of its invoices, a back-dated invoice), or
        when an item counted then is no longer what it was (its invoice cancelled or reset,
        more of it paid on a paid basis), or when the territory conflict of its order was
        decided since (accepted: the item now counts; reopened or penalised: it no longer
        does). For each affected partner and period the period's rebate is recomputed with
        the multiplier frozen on the period's line and compared with what was settled for
        it so far: the inputs in a fixed number of queries (`_get_trueup_inputs`), then one
        recomputation per partner and period (`_get_trueup_adjustment`).

        Returns a list of dicts: partner_id, settlement (the one of the adjusted period),
        date_from, date_to, settled, recomputed (components), adjustment, base_delta,
        deltas [(move_line_id, amount, kind)].
        """
        self.ensure_one()
        inputs = self._get_trueup_inputs(before, partners)
        if not inputs:
            return []
        return [self._get_trueup_adjustment(key, inputs) for key in inputs["keys"]]

    def _get_trueup_inputs(self, before, partners=None):
        """What the true-ups of the periods settled before ``before`` are computed from,
        for every affected partner and period at once (None when nothing changed): the
        settlements by period start, the changed journal items by (partner, period start)
        key, what was counted and settled so far, the targets, the settled regular lines
        (frozen growth base and multiplier), fresh growth bases and multipliers for the
        partners without one, and the program's terms."""
        self.ensure_one()
        Settlement = self.env["rebate.settlement"].sudo()
        settled = Settlement.search(
            [
                ("program_id", "=", self.id),
                ("state", "in", SETTLED_STATES),
                ("date_to", "<", before),
            ],
            order="date_from",
        )
        if not settled:
            return None
        by_start = {s.date_from: s for s in settled}
        partner_filter = set(partners.ids) if partners is not None else None
        # the settled lines in one query, whatever their number
        settled_lines = (
            self.env["rebate.settlement.line"]
            .sudo()
            .search_fetch(
                [("settlement_id", "in", settled.ids)],
                ["partner_id", "line_type", "period_date_from", "growth_base", "multiplier"],
            )
        )
        # partners of the settled periods: eligible now, or settled then
        period_partners = self._get_eligible_partners().ids + settled_lines.partner_id.ids
        period_partners = [
            p for p in set(period_partners) if partner_filter is None or p in partner_filter
        ]
        if not period_partners:
            return None
        ranges = [(s.date_from, s.date_to) for s in settled]
        deltas = self._get_item_deltas(ranges, period_partners, before)
        if not deltas:
            return None
        # group deltas by (partner, period start)
        affected = defaultdict(list)
        for row in deltas:
            affected[(row["partner_id"], row["period_from"])].append(row)
        keys = list(affected)
        targets = defaultdict(dict)
        for period_from in {k[1] for k in keys}:
            targets[period_from] = self._get_targets(
                period_from, [k[0] for k in keys if k[1] == period_from]
            )
        regular_lines = {
            (line.partner_id.id, line.period_date_from): line
            for line in settled_lines
            if line.line_type == "regular"
        }
        missing_growth = defaultdict(list)
        for partner_id, period_from in keys:
            if (partner_id, period_from) not in regular_lines:
                missing_growth[period_from].append(partner_id)
        return {
            "keys": keys,
            "by_start": by_start,
            "affected": affected,
            "settled_bases": self._get_settled_bases(keys, before),
            "settled_totals": self._get_settled_totals(keys, before),
            "special_products": {
                special.id: set(pids) for special, pids in self._get_special_products()
            },
            "targets": targets,
            "regular_lines": regular_lines,
            "growth_fresh": {
                period_from: self._get_growth_bases(
                    period_from, by_start[period_from].date_to, pids
                )
                for period_from, pids in missing_growth.items()
            },
            "multipliers": self._get_partner_multipliers(
                self.env["res.partner"].browse({k[0] for k in keys})
            ),
            "terms": self._get_terms(),
        }

    def _get_trueup_adjustment(self, key, inputs):
        """The true-up of one (partner, period start) ``key``: its period's rebate
        recomputed with the changed journal items, against what was settled for it."""
        partner_id, period_from = key
        rows = inputs["affected"][key]
        settlement = inputs["by_start"][period_from]
        base_before, specials_before = inputs["settled_bases"].get(key, (Decimal(0), {}))
        base_delta = sum((to_decimal(r["delta"]) for r in rows), Decimal(0))
        specials = dict(specials_before)
        for row in rows:
            for special_id, pids in inputs["special_products"].items():
                if row["product_id"] in pids:
                    specials[special_id] = specials.get(special_id, Decimal(0)) + to_decimal(
                        row["delta"]
                    )
        line = inputs["regular_lines"].get(key)
        if line:
            growth_base = to_decimal(line.growth_base) if self.growth_rate else None
            multiplier = line.multiplier
        else:
            growth_base = (
                inputs["growth_fresh"].get(period_from, {}).get(partner_id, Decimal(0))
                if self.growth_rate
                else None
            )
            multiplier = inputs["multipliers"].get(partner_id, 100.0)
        recomputed = self._get_rebate(
            base_before + base_delta,
            inputs["targets"][period_from].get(partner_id),
            specials,
            growth_base,
            multiplier,
            terms=inputs["terms"],
        )
        already = inputs["settled_totals"].get(key, Decimal(0))
        return {
            "partner_id": partner_id,
            "settlement": settlement,
            "date_from": settlement.date_from,
            "date_to": settlement.date_to,
            "settled": already,
            "recomputed": recomputed,
            "adjustment": recomputed["total"] - already,
            "base_delta": base_delta,
            "deltas": [(r["move_line_id"], r["delta"], r["kind"]) for r in rows],
        }

    def _get_item_deltas(self, ranges, partner_ids, before):
        """Journal items of settled periods whose counted amount differs from what they
        count for now: new items (kind count) and changed or cancelled ones (kind
        correction). One query for all periods and partners."""
        self.ensure_one()
        period_of = SQL(
            "(SELECT r.f FROM unnest(%s::date[], %s::date[]) AS r(f, t) "
            "WHERE items.ref_date BETWEEN r.f AND r.t LIMIT 1)",
            [r[0] for r in ranges],
            [r[1] for r in ranges],
        )
        new_items = self._items_query(None, None, partner_ids, uncounted=True, ranges=ranges)
        scope = self._scope_sql(min(r[0] for r in ranges), max(r[1] for r in ranges))
        rows = self._execute(
            SQL(
                """
                WITH settled AS MATERIALIZED (
                    SELECT src.move_line_id, line.partner_id, line.period_date_from,
                           SUM(src.amount) AS amount
                      FROM rebate_settlement_source src
                      JOIN rebate_settlement_line line ON line.id = src.settlement_line_id
                     WHERE src.program_key = %(program)s AND NOT src.cancelled
                       AND line.period_date_from < %(before)s
                       AND line.partner_id = ANY(%(partners)s)
                     GROUP BY src.move_line_id, line.partner_id, line.period_date_from
                ),
                current AS (
                    SELECT settled.move_line_id, settled.partner_id, settled.period_date_from,
                           aml.product_id, settled.amount AS settled_amount,
                           CASE WHEN move.state = 'posted'
                                 AND move.move_type IN ('out_invoice', 'out_refund')
                                 AND aml.display_type = 'product' AND %(scope)s
                                THEN %(amount)s ELSE 0 END AS amount
                      FROM settled
                      JOIN account_move_line aml ON aml.id = settled.move_line_id
                      JOIN account_move move ON move.id = aml.move_id
                )
                SELECT move_line_id, partner_id, period_date_from, product_id,
                       amount - settled_amount, 'correction'
                  FROM current WHERE amount <> settled_amount
                UNION ALL
                SELECT items.move_line_id, items.partner_id, %(period_of)s, items.product_id,
                       items.amount, 'count'
                  FROM (%(new_items)s) items
                """,
                program=self.id,
                before=before,
                partners=list(partner_ids),
                scope=scope,
                amount=self._amount_sql("move"),
                period_of=period_of,
                new_items=new_items,
            )
        )
        return [
            {
                "move_line_id": move_line_id,
                "partner_id": partner_id,
                "period_from": period_from,
                "product_id": product_id,
                "delta": to_decimal(delta),
                "kind": kind,
            }
            for move_line_id, partner_id, period_from, product_id, delta, kind in rows
            if period_from and delta
        ]

    def _get_settled_bases(self, keys, before):
        """{(partner id, period start): (base, {special id: base})} counted so far."""
        self.ensure_one()
        if not keys:
            return {}
        special_map = self._special_map_sql()
        specials_part = (
            SQL(
                """UNION ALL
                SELECT s.partner_id, s.period_date_from, sp.special_id, SUM(s.amount)
                  FROM s JOIN (%s) sp ON sp.product_id = s.product_id
                 GROUP BY s.partner_id, s.period_date_from, sp.special_id""",
                special_map,
            )
            if special_map
            else SQL()
        )
        rows = self._execute(
            SQL(
                """
                WITH s AS MATERIALIZED (
                    SELECT line.partner_id, line.period_date_from, aml.product_id, src.amount
                      FROM rebate_settlement_source src
                      JOIN rebate_settlement_line line ON line.id = src.settlement_line_id
                      JOIN account_move_line aml ON aml.id = src.move_line_id
                     WHERE src.program_key = %(program)s AND NOT src.cancelled
                       AND line.period_date_from < %(before)s
                       AND (line.partner_id, line.period_date_from) IN (
                            SELECT * FROM unnest(%(pids)s::int[], %(froms)s::date[]))
                )
                SELECT partner_id, period_date_from, NULL::int, SUM(amount)
                  FROM s GROUP BY partner_id, period_date_from
                %(specials)s
                """,
                program=self.id,
                before=before,
                pids=[k[0] for k in keys],
                froms=[k[1] for k in keys],
                specials=specials_part,
            )
        )
        result = {}
        for partner_id, period_from, special_id, amount in rows:
            base, specials = result.setdefault((partner_id, period_from), (Decimal(0), {}))
            if special_id is None:
                result[(partner_id, period_from)] = (to_decimal(amount), specials)
            else:
                specials[special_id] = to_decimal(amount)
        return result

    def _get_settled_totals(self, keys, before):
        """{(partner id, period start): rebate settled so far} over non-cancelled lines."""
        self.ensure_one()
        rows = self._execute(
            SQL(
                """
                SELECT line.partner_id, line.period_date_from, SUM(line.total)
                  FROM rebate_settlement_line line
                  JOIN rebate_settlement s ON s.id = line.settlement_id
                 WHERE s.program_id = %(program)s AND s.state <> 'cancelled'
                   AND line.period_date_from < %(before)s
                   AND (line.partner_id, line.period_date_from) IN (
                        SELECT * FROM unnest(%(pids)s::int[], %(froms)s::date[]))
                 GROUP BY line.partner_id, line.period_date_from
                """,
                program=self.id,
                before=before,
                pids=[k[0] for k in keys],
                froms=[k[1] for k in keys],
            )
        )
        return {(p, f): to_decimal(total) for p, f, total in rows}
