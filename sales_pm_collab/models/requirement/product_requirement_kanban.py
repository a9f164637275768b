from odoo import api, models

# the aggregates of the kanban's column headers (the progress bar's sum_field is a
# monetary field: the web client adds its currencies and its converted sum), each of
# which can be summed up from groups split by currency
CURRENCIES = "currency_id:array_agg_distinct"
SPLIT_AGGREGATES = ("__count", "revenue_at_stake:sum", "revenue_at_stake:sum_currency", CURRENCIES)


class ProductRequirement(models.Model):
    """The product managers' kanban at scale (issue 16: its first load over 200,000
    requirements): the column totals ask PostgreSQL for the same figures through a
    cheaper plan. (The progress bars, core's activity states, were measured with the
    requirements restricted to those with an activity: no faster, the activities'
    state subquery and the columns' index scan cost the same, so they are core's.)"""

    _inherit = "product.requirement"

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        """The kanban's column totals: the web client asks, per column, for the revenue at
        stake, its currencies (``currency_id:array_agg_distinct``) and its sum in the
        company's currency (``revenue_at_stake:sum_currency``). The distinct currencies
        make PostgreSQL sort every row of every column; grouped by currency too, the
        requirements are only counted and summed, and each column's currencies and
        converted sum are the union and the sum of its currency groups (each converted
        by ``sum_currency`` at its currency's rate, as core does for every row)."""
        groupby = list(groupby)
        aggregates = list(aggregates)
        if (
            not groupby
            or "currency_id" in groupby
            or CURRENCIES not in aggregates
            or not set(aggregates) <= set(SPLIT_AGGREGATES)
            or having
            or offset
            or limit is not None
            or not self._orders_by_groupby(order, groupby)
        ):
            return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
        inner = [spec for spec in SPLIT_AGGREGATES if spec in aggregates or spec == "__count"]
        inner.remove(CURRENCIES)
        # columns by a many2one (the kanban's stages): ordered here by the comodel's
        # order, so that PostgreSQL does not join the comodel to every row to sort
        column_order = self._column_sort_key(order, groupby)
        columns = {}
        for row in super()._read_group(
            domain,
            [*groupby, "currency_id"],
            inner,
            order=None if column_order else (order or ",".join(groupby)),
        ):
            key, currency_value = row[: len(groupby)], row[len(groupby)]
            values = dict(zip(inner, row[len(groupby) + 1 :], strict=True))
            column = columns.setdefault(key, {"currencies": set()})
            column["currencies"].add(currency_value.id or None)
            for spec, value in values.items():
                total = column.get(spec)
                column[spec] = value if total is None else total + (value or 0)
        keys = sorted(columns, key=column_order) if column_order else list(columns)
        result = []
        for key in keys:
            column = columns[key]
            currencies = sorted(c for c in column["currencies"] if c) + (
                [None] if None in column["currencies"] else []
            )
            result.append(
                (
                    *key,
                    *(currencies if spec == CURRENCIES else column[spec] for spec in aggregates),
                )
            )
        return result

    @api.model
    def _orders_by_groupby(self, order, groupby):
        """The groups' order names only groupby fields (so the groups split by currency
        come in the order of the columns)."""
        terms = [part.strip().split()[0] for part in (order or "").split(",") if part.strip()]
        return all(term in groupby for term in terms)

    @api.model
    def _column_sort_key(self, order, groupby):
        """For the kanban's columns (grouped by stage, in the stages' order), the sort
        key of the groups: the stage's place among the columns (`_get_column_ids`, kept
        in the stages' order in the registry cache), so that neither PostgreSQL joins the
        stages to every row nor the stages are read for their sequence. None otherwise
        (PostgreSQL sorts the groups)."""
        if groupby != ["stage_id"] or (order or "stage_id").split() not in (
            ["stage_id"],
            ["stage_id", "asc"],
            ["stage_id", "ASC"],
        ):
            return None
        place = {
            stage_id: index
            for index, stage_id in enumerate(
                self.env["product.requirement.stage"]._get_column_ids()
            )
        }

        def key(group_key):
            stage = group_key[0]
            # a stage out of the columns after them (by id), no stage last (NULL last)
            return (not stage, place.get(stage.id, len(place)), stage.id or 0)

        return key
