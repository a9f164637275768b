from contextlib import contextmanager
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.tools import SQL

from .rebate_program import to_decimal

# working memory of the statement selecting a settlement's journal items (then set back):
# at PostgreSQL's default (4 MB) the hash of 300,000 journal items spilled to disk
ITEMS_WORK_MEM = "64MB"
# territory conflict states whose orders' invoice lines do not count (exclude_conflicts)
CONFLICT_EXCLUDED_STATES = ("open", "penalised")


class RebateProgram(models.Model):
    """The journal items a program counts, gathered in grouped SQL: posted customer
    invoices and credit notes of the eligible partners, in the program's product scope,
    without the rebate payouts and (``exclude_conflicts``) the sales with a territory
    conflict; then their bases per partner, special rebate and period."""

    _inherit = "rebate.program"

    def _get_conflict_exclusion_queries(self, date_from, date_to):
        """SQL queries selecting the ids of the journal items to leave out because their
        sales order has a territory conflict (``exclude_conflicts``): a list, empty when
        nothing is excluded. Every computation (settlements, true-ups, accruals, last
        year's base of the growth rebate) applies each query as ``aml.id NOT IN (<query>)``.

        An invoice or credit note line belongs to the orders of its sales order lines
        (``sale_line_ids``; Odoo's reversal wizard and returns invoiced from the order
        fill them on credit notes too). It is left out while one of its orders has a
        conflict that is *open* (not decided yet: no rebate on a sale that may breach a
        territory) or *penalised* (ruled a cross-territory sale: the rebate is one of the
        penalties). An *accepted* conflict, the channel manager having approved the
        sale, no longer excludes it. The state at the time of the computation counts, so
        a decision taken after a period was settled is trued up: a line that becomes
        excluded is corrected out, a line that becomes accepted is counted, in the next
        settlement. Invoice lines with no sales order (typed in Accounting) always count.
        The period (``date_from``, ``date_to``) does not restrict conflicts: the order's
        conflict matters whenever it was recorded.
        """
        self.ensure_one()
        if not self.exclude_conflicts:
            return []
        return [
            SQL(
                """
                SELECT rel.invoice_line_id
                  FROM sale_territory_conflict conflict
                  JOIN sale_order_line sol ON sol.order_id = conflict.sale_order_id
                  JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                 WHERE conflict.state = ANY(%s) AND conflict.company_id = %s
                """,
                list(CONFLICT_EXCLUDED_STATES),
                self.company_id.id,
            )
        ]

    def _get_scope_product_ids(self):
        """Product ids whose sales count, or None when every product counts."""
        self.ensure_one()
        if not (self.product_ids or self.product_categ_ids):
            return None
        products = self.product_ids
        if self.product_categ_ids:
            products |= (
                self.env["product.product"]
                .with_context(active_test=False)
                .search([("categ_id", "child_of", self.product_categ_ids.ids)])
            )
        return (products - self.excluded_product_ids).ids

    def _get_special_products(self):
        """[(special, product ids)] for the special rebates of the program."""
        self.ensure_one()
        result = []
        for special in self.special_ids:
            if special.product_id:
                products = special.product_id
            else:
                products = (
                    self.env["product.product"]
                    .with_context(active_test=False)
                    .search([("categ_id", "child_of", special.categ_id.id)])
                )
            result.append((special, products.ids))
        return result

    def _execute(self, query):
        """Run a raw query after flushing: it reads tables the ORM may not have written."""
        self.env.flush_all()
        return self.env.execute_query(query)

    def _moves_cte(self, partner_ids, ranges=None):
        """SQL selecting the posted customer invoices and credit notes of the program's
        company for ``partner_ids``, with their reference date and paid ratio.

        Credit notes and invoices created by rebate settlements are left out, and so are
        their reversals: paying a rebate (or taking it back) is no return of goods nor a
        sale, it never changes the next period's base.

        The reference date of a credit note that reverses an invoice is the invoice's date:
        a return belongs to the period of the sale it cancels (quarter-end stuffing that
        comes back later is trued up). ``ranges`` filters on it.
        """
        self.ensure_one()
        ref_date = SQL("COALESCE(orig.invoice_date, move.invoice_date, move.date)")
        conditions = [
            SQL("move.state = 'posted'"),
            SQL("move.move_type IN ('out_invoice', 'out_refund')"),
            # the credit notes (and claw-back invoices) paying rebates out are no sales,
            # nor are their reversals (cancelling a paid settlement)
            SQL("move.rebate_settlement_id IS NULL"),
            SQL("orig.rebate_settlement_id IS NULL"),
            SQL("move.company_id = %s", self.company_id.id),
            SQL("move.commercial_partner_id = ANY(%s)", list(partner_ids)),
        ]
        if ranges is not None:
            conditions.append(
                SQL(
                    "(%s)",
                    SQL(" OR ").join(
                        SQL("%s BETWEEN %s AND %s", ref_date, f, t) for f, t in ranges
                    ),
                )
                if ranges
                else SQL("FALSE")
            )
        return SQL(
            """
            SELECT move.id, move.commercial_partner_id AS partner_id, %(ref_date)s AS ref_date,
                   move.amount_total_signed, move.amount_residual_signed
              FROM account_move move
              LEFT JOIN account_move orig ON orig.id = move.reversed_entry_id
             WHERE %(where)s
            """,
            ref_date=ref_date,
            where=SQL(" AND ").join(conditions),
        )

    def _amount_sql(self, moves_alias):
        """The amount a journal item (alias aml) counts for. On a paid basis, its share of
        the paid part of its invoice, from the invoice (alias ``moves_alias``)'s stored
        signed total and residual in company currency: exactly the sums of its receivable
        lines, which Odoo keeps up to date on every reconciliation."""
        self.ensure_one()
        if self.basis == "paid":
            return SQL(
                "ROUND(-aml.balance * CASE WHEN COALESCE(%(m)s.amount_total_signed, 0) = 0 "
                "THEN 1 ELSE (%(m)s.amount_total_signed - %(m)s.amount_residual_signed) "
                "/ %(m)s.amount_total_signed END, %(digits)s)",
                m=SQL.identifier(moves_alias),
                digits=self.currency_id.decimal_places,
            )
        return SQL("-aml.balance")

    def _scope_sql(self, date_from, date_to, conflicts="exclude"):
        """Condition on journal item aml: product scope and exclusions (the excluded
        products, and the rebate products of the company's programs).

        ``conflicts``: what of the items the territory conflicts leave out
        (`_conflict_flag_sql`): "exclude" them, "only" them (FALSE when nothing is left
        out), or "keep" them with the others (the caller tells them apart)."""
        self.ensure_one()
        conditions = []
        scope = self._get_scope_product_ids()
        # the rebate products of the company's programs are never sales: a rebate paid
        # again by hand (a copy of a rebate credit note) does not lower the base
        rebate_products = set(
            self.env["rebate.program"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("company_id", "=", self.company_id.id), ("product_id", "!=", False)],
                ["product_id"],
            )
            .product_id.ids
        )
        excluded = set(self.excluded_product_ids.ids) | rebate_products
        if scope is not None:
            conditions.append(
                SQL("aml.product_id = ANY(%s)", [pid for pid in scope if pid not in excluded])
            )
        elif excluded:
            conditions.append(
                SQL("(aml.product_id IS NULL OR aml.product_id <> ALL(%s))", sorted(excluded))
            )
        if conflicts == "only":
            conditions.append(self._conflict_flag_sql(date_from, date_to))
        elif conflicts == "exclude" and self.exclude_conflicts:
            conditions.append(SQL("NOT %s", self._conflict_flag_sql(date_from, date_to)))
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _conflict_flag_sql(self, date_from, date_to):
        """Whether journal item aml is left out by a territory conflict, as an SQL
        boolean (FALSE when the program excludes nothing)."""
        exclusions = self._get_conflict_exclusion_queries(date_from, date_to)
        if not exclusions:
            return SQL("FALSE")
        return SQL(
            "COALESCE(%s, FALSE)",
            SQL(" OR ").join(SQL("aml.id IN (%s)", query) for query in exclusions),
        )

    def _uncounted_sql(self, move_line_id):
        """Condition: the journal item ``move_line_id`` (an SQL column) is not counted by
        a non-cancelled settlement of the program yet (the once-per-program unique
        index answers it)."""
        return SQL(
            """NOT EXISTS (
                SELECT 1 FROM rebate_settlement_source src
                 WHERE src.program_key = %s AND src.move_line_id = %s
                   AND src.kind = 'count' AND NOT src.cancelled)""",
            self.id,
            move_line_id,
        )

    def _items_query(
        self, date_from, date_to, partner_ids, uncounted=True, ranges=None, conflicts="exclude"
    ):
        """SQL selecting the contributing journal items of a period (or of ``ranges``):
        columns move_line_id, partner_id, product_id, ref_date, amount.

        With ``uncounted``, items already counted by a non-cancelled settlement of the
        program are left out: a journal item counts once per program. ``conflicts``: as
        `_scope_sql` ("only": the items the territory conflicts leave out instead).
        """
        self.ensure_one()
        ranges = ranges if ranges is not None else [(date_from, date_to)]
        if ranges:
            date_from, date_to = min(r[0] for r in ranges), max(r[1] for r in ranges)
        counted = SQL("AND %s", self._uncounted_sql(SQL("aml.id"))) if uncounted else SQL()
        return SQL(
            """
            WITH moves AS MATERIALIZED (%(moves)s)
            SELECT aml.id AS move_line_id, moves.partner_id, aml.product_id, moves.ref_date,
                   %(amount)s AS amount
              FROM moves
              JOIN account_move_line aml ON aml.move_id = moves.id
             WHERE aml.display_type = 'product' AND %(scope)s %(counted)s
            """,
            moves=self._moves_cte(partner_ids, ranges),
            amount=self._amount_sql("moves"),
            scope=self._scope_sql(date_from, date_to, conflicts=conflicts),
            counted=counted,
        )

    def _special_map_sql(self):
        """VALUES-like SQL of (special_id, product_id) pairs, or None without specials."""
        pairs = [
            (special.id, pid) for special, pids in self._get_special_products() for pid in pids
        ]
        if not pairs:
            return None
        return SQL(
            "SELECT unnest(%s::int[]) AS special_id, unnest(%s::int[]) AS product_id",
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )

    def _settlement_items_query(self, date_from, date_to, partner_ids):
        """SQL of what a settlement computation reads of the journal items, from ONE scan
        of them (the period's and, with a growth rate, the same period a year earlier's):
        columns move_line_id, partner_id, product_id, amount, part.

        - ``part = 'count'``: one row per contributing journal item of the period not
          counted yet (``_items_query``'s rows): the bases, then the sources;
        - ``'growth'``: one row per partner, its base a year earlier (the items of that
          period in the scope and not left out, counted or not: ``_get_growth_bases``);
        - ``'excluded'``: one row per partner, the period's items in the scope that
          territory conflicts leave out (``_get_conflict_excluded_bases``).

        Reading the three separately scanned the journal items three times."""
        self.ensure_one()
        ranges = [(date_from, date_to)]
        last_year = SQL("FALSE")
        if self.growth_rate:
            last_from = date_from - relativedelta(years=1)
            last_to = date_to - relativedelta(years=1)
            ranges.append((last_from, last_to))
            last_year = SQL("moves.ref_date BETWEEN %s AND %s", last_from, last_to)
        return SQL(
            """
            WITH moves AS MATERIALIZED (%(moves)s),
            items AS MATERIALIZED (
                SELECT aml.id AS move_line_id, moves.partner_id, aml.product_id,
                       %(amount)s AS amount, %(last_year)s AS last_year,
                       %(excluded)s AS excluded
                  FROM moves
                  JOIN account_move_line aml ON aml.move_id = moves.id
                 WHERE aml.display_type = 'product' AND %(scope)s
            )
            SELECT move_line_id, partner_id, product_id, amount, 'count' AS part
              FROM items
             WHERE NOT last_year AND NOT excluded AND %(uncounted)s
            UNION ALL
            SELECT NULL, partner_id, NULL, SUM(amount),
                   CASE WHEN last_year THEN 'growth' ELSE 'excluded' END
              FROM items
             WHERE last_year <> excluded
             GROUP BY partner_id, last_year
            """,
            moves=self._moves_cte(partner_ids, ranges),
            amount=self._amount_sql("moves"),
            last_year=last_year,
            excluded=self._conflict_flag_sql(date_from, date_to),
            scope=self._scope_sql(date_from, date_to, conflicts="keep"),
            uncounted=self._uncounted_sql(SQL("items.move_line_id")),
        )

    @contextmanager
    def _materialized_items(self, date_from, date_to, partner_ids):
        """What a settlement computation reads of the journal items
        (`_settlement_items_query`), selected once into a temporary table: the bases,
        last year's bases and the amounts left out (`_get_partner_rebates` with
        ``items``), then the sources (`rebate.settlement.source._insert_regular_sources`)
        read it. Yields the table's SQL identifier, and drops the table when the block
        is done. Should the block fail, the transaction rolls back, which drops the
        table too (no statement may run on a failed transaction, so none is tried).

        The scan's working memory is raised for the statement's transaction (then set
        back in the same statement): at the default 4 MB, the hash of 300,000 journal
        items spilled to disk."""
        self.ensure_one()
        table = SQL.identifier(f"rebate_items_{self.id}")
        query = self._settlement_items_query(date_from, date_to, partner_ids)
        self.env.flush_all()
        previous = self.env.execute_query(
            SQL(
                "SELECT current_setting('work_mem'), set_config('work_mem', %s, true)",
                ITEMS_WORK_MEM,
            )
        )[0][0]
        self.env.cr.execute(
            SQL(
                "DROP TABLE IF EXISTS %(table)s; "
                "CREATE TEMPORARY TABLE %(table)s ON COMMIT DROP AS %(items)s; "
                "SELECT set_config('work_mem', %(previous)s, true)",
                table=table,
                items=query,
                previous=previous,
            )
        )
        yield table
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", table))

    def _get_bases(self, date_from, date_to, partner_ids, uncounted=True, items=None):
        """One grouped query: {partner id: {"base": Decimal, "specials": {special id: Decimal},
        "count": int}} over the contributing journal items of the period (or over the
        table ``items`` from ``_materialized_items``)."""
        self.ensure_one()
        result = {}
        if not partner_ids:
            return result
        special_map = self._special_map_sql()
        specials_part = (
            SQL(
                """UNION ALL
                SELECT items.partner_id, sp.special_id, SUM(items.amount), COUNT(*)
                  FROM items JOIN (%s) sp ON sp.product_id = items.product_id
                 GROUP BY items.partner_id, sp.special_id""",
                special_map,
            )
            if special_map
            else SQL()
        )
        rows = self._execute(
            SQL(
                """
                WITH items AS MATERIALIZED (%(items)s)
                SELECT partner_id, NULL::int, SUM(amount), COUNT(*) FROM items GROUP BY partner_id
                %(specials)s
                """,
                items=SQL("SELECT * FROM %s WHERE part = 'count'", items)
                if items
                else self._items_query(date_from, date_to, partner_ids, uncounted=uncounted),
                specials=specials_part,
            )
        )
        for partner_id, special_id, amount, count in rows:
            entry = result.setdefault(partner_id, {"base": Decimal(0), "specials": {}, "count": 0})
            if special_id:
                entry["specials"][special_id] = to_decimal(amount)
            else:
                entry["base"] = to_decimal(amount)
                entry["count"] = count
        return result

    def _get_growth_bases(self, date_from, date_to, partner_ids, items=None):
        """{partner id: base of the same period one year earlier} (one grouped query, or
        read from the table ``items`` of `_materialized_items`)."""
        self.ensure_one()
        if not (self.growth_rate and partner_ids):
            return {}
        if items:
            return self._read_items_part(items, "growth")
        last_from, last_to = date_from - relativedelta(years=1), date_to - relativedelta(years=1)
        rows = self._execute(
            SQL(
                "SELECT partner_id, SUM(amount) FROM (%s) items GROUP BY partner_id",
                self._items_query(last_from, last_to, partner_ids, uncounted=False),
            )
        )
        return {partner_id: to_decimal(amount) for partner_id, amount in rows}

    def _get_conflict_excluded_bases(self, date_from, date_to, partner_ids, items=None):
        """{partner id: amount} of the period's journal items that territory conflicts
        leave out (one grouped query, none without ``exclude_conflicts``; or read from the
        table ``items`` of `_materialized_items`): shown on the settlement lines so that
        finance and partners see what did not count and why."""
        self.ensure_one()
        if not (self.exclude_conflicts and partner_ids):
            return {}
        if items:
            return self._read_items_part(items, "excluded")
        rows = self._execute(
            SQL(
                "SELECT partner_id, SUM(amount) FROM (%s) items GROUP BY partner_id",
                self._items_query(
                    date_from, date_to, partner_ids, uncounted=False, conflicts="only"
                ),
            )
        )
        return {partner_id: to_decimal(amount) for partner_id, amount in rows}

    def _read_items_part(self, items, part):
        """{partner id: amount} of the per-partner rows ``part`` of the table ``items``
        (`_settlement_items_query`)."""
        rows = self.env.execute_query(
            SQL("SELECT partner_id, amount FROM %s WHERE part = %s", items, part)
        )
        return {partner_id: to_decimal(amount) for partner_id, amount in rows}
