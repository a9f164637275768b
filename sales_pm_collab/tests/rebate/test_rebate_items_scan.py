import re
from datetime import date
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import tagged

from .test_rebate_channel import Q1, TARGET, RebateChannelCommon


@tagged("post_install", "-at_install")
class TestRebateItemsScan(RebateChannelCommon):
    """A settlement reads the journal items once (`_settlement_items_query`): the period's
    items, last year's base and the amounts left out by territory conflicts come from one
    scan, and give exactly what the three separate queries (accruals, projections) give."""

    def _program_with_everything(self, **vals):
        return self._program(
            name="Test one scan",
            growth_rate=5,
            exclude_conflicts=True,
            special_ids=self._launch_double(),
            **vals,
        )

    def _sales(self):
        """Partner A: this quarter 600,000 clean + 100,000 of the launch product + an open
        conflict of 300,000; a year earlier 500,000 clean + a penalised conflict of
        200,000 (left out of the growth base too). Partner B: only a conflict this
        quarter (a line for the amount left out). Partner C: sales a year earlier only."""
        self._order_invoice(self.partner_a, 600_000)
        self._invoice(self.partner_a, 100_000, product=self.product_new)
        self._order_invoice(self.partner_a, 300_000, conflicts=["open"])
        self._order_invoice(self.partner_a, 500_000, invoice_date=date(2024, 2, 10))
        self._order_invoice(
            self.partner_a, 200_000, invoice_date=date(2024, 3, 5), conflicts=["penalised"]
        )
        self._order_invoice(self.partner_b, 250_000, conflicts=["penalised"])
        self._invoice(self.partner_c, 400_000, invoice_date=date(2024, 1, 20))

    def _scanned_statements(self, settlement):
        """The statements of a compute of ``settlement`` that read account_move_line."""
        statements = []
        execute = Cursor.execute

        def recording(cursor, query, params=None, log_exceptions=True):
            text = query.code if hasattr(query, "code") else str(query)
            if re.search(r"\baccount_move_line\s+aml\b", text):
                statements.append(text)
            return execute(cursor, query, params, log_exceptions)

        with patch.object(Cursor, "execute", recording):
            settlement.action_compute()
        return statements

    def test_one_scan_gives_the_three_queries_figures(self):
        program = self._program_with_everything()
        for partner in self.partner_a | self.partner_b | self.partner_c:
            self._target(program, partner, TARGET)
        self._sales()
        settlement = self._settlement(program)
        statements = self._scanned_statements(settlement)
        self.assertEqual(len(statements), 1, "one scan of the journal items per compute")

        line_a = self._line(settlement, self.partner_a)
        # 600,000 + 100,000 count (70% of the target: no band); 300,000 left out
        self.assertEqual(line_a.base_amount, 700_000)
        self.assertEqual(line_a.conflict_excluded_amount, 300_000)
        # last year: 500,000 (the penalised 200,000 is left out): 5% of 200,000 growth
        self.assertEqual((line_a.growth_base, line_a.growth_rebate), (500_000, 10_000))
        self.assertEqual(line_a.item_count, 2)
        line_b = self._line(settlement, self.partner_b)
        self.assertEqual((line_b.base_amount, line_b.conflict_excluded_amount), (0, 250_000))
        line_c = self._line(settlement, self.partner_c)
        self.assertEqual((line_c.base_amount, line_c.growth_base, line_c.total), (0, 400_000, 0))

        # the figures of every partner equal those of the separate queries (the path of
        # accruals and projections, which read no materialized table)
        partners = program._get_eligible_partners(Q1)
        separate = program._get_partner_rebates(Q1, date(2025, 3, 31), partners, uncounted=False)
        # the settlement counted its items: read them again as not counted yet
        self.env.cr.execute(
            "UPDATE rebate_settlement_source SET cancelled = TRUE WHERE program_key = %s",
            [program.id],
        )
        with program._materialized_items(Q1, date(2025, 3, 31), partners.ids) as items:
            scanned = program._get_partner_rebates(Q1, date(2025, 3, 31), partners, items=items)
        self.assertEqual(set(scanned), set(separate))
        for partner_id, values in separate.items():
            for key in (
                "base_amount",
                "growth_base",
                "conflict_excluded",
                "item_count",
                "special_bases",
                "total",
            ):
                self.assertEqual(scanned[partner_id][key], values[key], (partner_id, key))

    def test_scan_without_growth_or_conflicts(self):
        """A program without growth rate nor conflict exclusion: no 'growth' or
        'excluded' rows, every item of the period counts once."""
        program = self._program(name="Test plain scan")
        self._target(program, self.partner_a, TARGET)
        self._sales()
        settlement = self._settlement(program)
        self.assertEqual(len(self._scanned_statements(settlement)), 1)
        line_a = self._line(settlement, self.partner_a)
        self.assertEqual(
            (line_a.base_amount, line_a.growth_base, line_a.conflict_excluded_amount),
            (1_000_000, 0, 0),
        )
        self.assertEqual(line_a.item_count, 3)
        # a second program over the same sales counts them again (once per program); a
        # recompute of the first one finds its own items counted by itself no more
        settlement.action_compute()
        self.assertEqual(self._line(settlement, self.partner_a).base_amount, 1_000_000)
        self.assertEqual(len(self._line(settlement, self.partner_a).source_ids), 3)
