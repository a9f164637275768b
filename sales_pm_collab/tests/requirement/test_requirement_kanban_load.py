import json
from collections import Counter, defaultdict
from datetime import timedelta
from unittest.mock import patch

from lxml import etree

from odoo import Command, fields
from odoo.sql_db import Cursor
from odoo.tests import tagged

from .common import RequirementCommon

# what the web client sends for the column headers of the PM kanban (its progress bar
# sums revenue_at_stake, a monetary field: getAggregateSpecifications adds its
# currencies and its sum in the company's currency)
KANBAN_AGGREGATES = [
    "revenue_at_stake:sum",
    "currency_id:array_agg_distinct",
    "revenue_at_stake:sum_currency",
]
PROGRESS_BAR = {
    "field": "activity_state",
    "colors": {"planned": "success", "today": "warning", "overdue": "danger"},
    "help": "",
}


@tagged("post_install", "-at_install")
class TestRequirementKanbanLoad(RequirementCommon):
    """Issue 16 item 5: the PM kanban's first load reads one index instead of the
    requirements table, and still shows the same column totals and progress bars."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        leads = [
            cls._lead(cls.contact_a, 120000, probability=50),
            cls._lead(cls.contact_b, 80000, probability=25),
            cls._lead(cls.contact_c, 33333.33, probability=30),
        ]
        cls.ours = cls.Requirement
        for i, (stage, lead_index) in enumerate(
            [
                (cls.stage_new, 0),
                (cls.stage_new, 1),
                (cls.stage_review, 2),
                (cls.stage_planned, 0),
                (cls.stage_development, None),
                (cls.stage_released, 1),
            ]
        ):
            vals = {"stage_id": stage.id, "priority": str(i % 4)}
            if lead_index is not None:
                vals["lead_ids"] = [Command.set(leads[lead_index].ids)]
            cls.ours |= cls._requirement(f"Kanban load {i}", **vals)
        # archived: its revenue is in no column
        cls.archived = cls._requirement(
            "Kanban load archived",
            stage_id=cls.stage_review.id,
            lead_ids=[Command.set(leads[0].ids)],
        )
        cls.archived.action_archive()
        todo = cls.env.ref("mail.mail_activity_data_todo")
        for requirement, days in zip(cls.ours, (-5, -3, 4, 6), strict=False):
            requirement.activity_schedule(
                activity_type_id=todo.id,
                date_deadline=today + timedelta(days=days),
                user_id=cls.user_pm.id,
            )
        cls.env.flush_all()

    def _pm_requirements(self):
        return self.Requirement.with_user(self.user_pm).with_context(tz="Asia/Shanghai")

    def test_kanban_index_covers_the_first_load(self):
        """The kanban's index is ordered as each column's cards and carries what the
        column totals and the progress bars read, for the active requirements."""
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'product_requirement' "
            "AND indexname = 'product_requirement_kanban_idx'"
        )
        rows = self.env.cr.fetchall()
        self.assertEqual(len(rows), 1, "the kanban's index is missing")
        definition = rows[0][0]
        self.assertIn("(stage_id, priority DESC, sequence, id DESC)", definition)
        self.assertIn("INCLUDE (revenue_at_stake, currency_id, company_id)", definition)
        self.assertIn("WHERE (active IS TRUE)", definition)

    def test_kanban_opens_40_cards_per_column_with_their_company(self):
        """The kanban opens each column with 40 cards (not the action's 80) and reads
        the company with them: the write rules behind each card's can_edit check it."""
        views = self._pm_requirements().get_views([(False, "kanban")])["views"]
        kanban = etree.fromstring(views["kanban"]["arch"])
        self.assertEqual(kanban.get("limit"), "40")
        outside_templates = {
            node.get("name") for node in kanban.findall("field") if node.get("name")
        }
        self.assertIn("company_id", outside_templates)
        self.assertIn("can_edit", outside_templates)

    def test_column_totals_are_the_sums_of_their_records(self):
        """web_read_group, called as the kanban calls it, gives each column the count,
        the revenue at stake, its currencies and its sum in the company's currency of
        the column's active requirements, summed here record by record."""
        Requirement = self._pm_requirements()
        result = Requirement.with_context(read_group_expand=True).web_read_group(
            [],
            ["stage_id"],
            KANBAN_AGGREGATES,
            auto_unfold=True,
            unfold_read_specification={"name": {}, "revenue_at_stake": {}},
            unfold_read_default_limit=80,
        )
        records = Requirement.search([])
        self.assertIn(self.ours[0], records)
        self.assertNotIn(self.archived, records)
        expected = self._expected_columns(Requirement, records)
        groups = {group["stage_id"][0]: group for group in result["groups"]}
        # every stage is a column (empty ones too), and only those
        self.assertEqual(set(groups), set(self.env["product.requirement.stage"]._get_column_ids()))
        for stage_id, group in groups.items():
            column = expected[stage_id]
            self.assertEqual(group["__count"], column["count"])
            self.assertAlmostEqual(group["revenue_at_stake:sum"], column["sum"], places=2)
            self.assertAlmostEqual(
                group["revenue_at_stake:sum_currency"], column["converted"], places=2
            )
            self.assertEqual(set(group["currency_id:array_agg_distinct"] or []), column["cur"])
        # the test's own figures are in it: 120,000 × 50 % + 80,000 × 25 % in New
        new = groups[self.stage_new.id]
        self.assertGreaterEqual(new["revenue_at_stake:sum"], 80000)
        self.assertGreater(sum(g["revenue_at_stake:sum"] for g in groups.values()), 0)

    def test_column_cards_in_the_kanban_order(self):
        """Each open column's cards are its active requirements in the model's order
        (priority, sequence, newest first), as the index stores them."""
        Requirement = self._pm_requirements()
        result = Requirement.with_context(read_group_expand=True).web_read_group(
            [],
            ["stage_id"],
            KANBAN_AGGREGATES,
            auto_unfold=True,
            unfold_read_specification={"name": {}},
            unfold_read_default_limit=80,
        )
        opened = [group for group in result["groups"] if "__records" in group]
        self.assertTrue(opened)
        for group in opened:
            expected = Requirement.search([("stage_id", "=", group["stage_id"][0])], limit=80)
            self.assertEqual([card["id"] for card in group["__records"]], expected.ids)
        cards = {card["id"] for group in opened for card in group["__records"]}
        self.assertTrue(set(self.ours[:4].ids) <= cards)
        self.assertNotIn(self.archived.id, cards)

    def test_progress_bars_count_the_records_activity_states(self):
        """read_progress_bar gives each column the number of its active requirements
        per activity state (overdue, today, planned), as each record computes it."""
        Requirement = self._pm_requirements()
        bars = Requirement.read_progress_bar([], "stage_id", PROGRESS_BAR)
        expected = defaultdict(Counter)
        for requirement in Requirement.search([]):
            if requirement.activity_state in PROGRESS_BAR["colors"]:
                expected[str(requirement.stage_id.id)][requirement.activity_state] += 1
        got = {
            stage: {state: count for state, count in counts.items() if count}
            for stage, counts in bars.items()
        }
        self.assertEqual(got, {stage: dict(counts) for stage, counts in expected.items()})
        # the test's own activities (days away from the time zones' edges of today)
        self.assertGreaterEqual(expected[str(self.stage_new.id)]["overdue"], 2)
        self.assertGreaterEqual(sum(sum(c.values()) for c in expected.values()), 4)

    # === the first load's cheaper plans (issue 16 item 5) === #
    def _expected_columns(self, Requirement, records):
        """{stage id: count, sum, sum converted to the company currency at today's rates,
        currencies} of ``records``, computed record by record."""
        rates = (
            self.env["res.currency"]
            .search([])
            ._get_rates(self.env.company.root_id, fields.Date.context_today(Requirement))
        )
        expected = defaultdict(lambda: {"count": 0, "sum": 0.0, "converted": 0.0, "cur": set()})
        for requirement in records:
            column = expected[requirement.stage_id.id]
            column["count"] += 1
            column["sum"] += requirement.revenue_at_stake
            column["converted"] += requirement.revenue_at_stake / rates[requirement.currency_id.id]
            column["cur"].add(requirement.currency_id.id)
        return expected

    def _first_load(self, Requirement):
        """The two calls the web client sends when the PM opens the kanban, with the
        kanban's own card specification, card limit, column aggregates and progress bar
        (as bench/bench_requirements.py replays them)."""
        views = Requirement.get_views([(False, "kanban")])["views"]
        arch = etree.fromstring(views["kanban"]["arch"])
        names = {node.get("name") for node in arch.iter("field")} | {
            # the kanban_activity widget's own fields
            "activity_exception_decoration",
            "activity_exception_icon",
            "activity_state",
            "activity_summary",
            "activity_type_icon",
            "activity_type_id",
        }
        # a many2one always hidden is read as its id (the web client's getFieldsSpec)
        hidden = {
            name
            for name in names
            if all(
                node.get("invisible") in ("1", "True")
                for node in arch.iter("field")
                if node.get("name") == name
            )
        }
        spec = {
            name: {"fields": {} if name in hidden else {"display_name": {}}}
            if Requirement._fields[name].type == "many2one"
            else {}
            for name in names
        }
        bar = arch.find("progressbar")
        progress_bar = {"field": bar.get("field"), "colors": json.loads(bar.get("colors"))}
        self.assertEqual(
            progress_bar, {"field": PROGRESS_BAR["field"], "colors": PROGRESS_BAR["colors"]}
        )
        self.assertEqual(bar.get("sum_field"), "revenue_at_stake")
        groups = Requirement.with_context(read_group_expand=True).web_read_group(
            [],
            ["stage_id"],
            KANBAN_AGGREGATES,
            auto_unfold=True,
            unfold_read_specification=spec,
            unfold_read_default_limit=int(arch.get("limit")),
        )
        return groups, Requirement.read_progress_bar([], "stage_id", progress_bar)

    def _statements(self, function):
        """The SQL statements `function` runs."""
        statements = []
        original = Cursor.execute

        def execute(cursor, query, params=None, log_exceptions=True):
            statements.append(query.code if hasattr(query, "code") else str(query))
            return original(cursor, query, params, log_exceptions)

        with patch.object(Cursor, "execute", execute):
            function()
        return statements

    def test_first_load_queries(self):
        """The first load (columns, totals, cards, progress bars) takes at most 20
        queries, the target of the 200,000-requirement bench, whose activities are the
        PM's own (another user's activity on a card costs core's access check of its
        document and that user's name: two more)."""
        self.env["mail.activity"].search([("res_model", "=", "product.requirement")]).write(
            {"user_id": self.user_pm.id}
        )
        Requirement = self._pm_requirements()
        self._first_load(Requirement)  # the access rules and views, cached on a server
        self.env.invalidate_all()
        with self.assertQueryCount(20):
            groups, bars = self._first_load(Requirement)
        self.assertTrue(any("__records" in group for group in groups["groups"]))
        self.assertTrue(bars)

    def test_column_totals_do_not_sort_the_rows(self):
        """The column totals are summed per currency, not by PostgreSQL's sorting
        `ARRAY_AGG(DISTINCT …)` over every requirement, nor joined to the stages to be
        ordered."""
        Requirement = self._pm_requirements()
        statements = self._statements(lambda: self._first_load(Requirement))
        grouped = [query for query in statements if "GROUP BY" in query]
        self.assertTrue(grouped)
        self.assertFalse([query for query in grouped if "ARRAY_AGG(DISTINCT" in query.upper()])
        totals = [query for query in grouped if '"currency_id", COUNT(*)' in query]
        self.assertEqual(len(totals), 1)
        self.assertNotIn("product_requirement_stage", totals[0])

    def test_column_totals_in_several_currencies(self):
        """A PM working in two companies of different currencies: a column's totals
        list both currencies and convert each requirement at its currency's rate, as
        core's `sum_currency` does; other aggregations are left to core."""
        currency = self.setup_other_currency("EUR", rates=[("2000-01-01", 0.5)])
        company_eur = self.env["res.company"].create(
            {"name": "Kanban EUR Co", "currency_id": currency.id}
        )
        self.user_pm.company_ids = [Command.link(company_eur.id)]
        lead_eur = self._lead(
            self.contact_a, 10000, probability=100, company_id=company_eur.id, user_id=False
        )
        eur = self.env["product.requirement"].create(
            {
                "name": "Kanban load in euros",
                "company_id": company_eur.id,
                "stage_id": self.stage_new.id,
                "user_id": self.user_pm.id,
                "lead_ids": [Command.set(lead_eur.ids)],
            }
        )
        self.assertEqual(eur.currency_id, currency)
        self.assertAlmostEqual(eur.revenue_at_stake, 10000)
        Requirement = self._pm_requirements().with_context(
            allowed_company_ids=[self.env.company.id, company_eur.id]
        )
        groups, _bars = self._first_load(Requirement)
        records = Requirement.search([])
        self.assertIn(eur, records)
        expected = self._expected_columns(Requirement, records)
        columns = {group["stage_id"][0]: group for group in groups["groups"]}
        for stage_id, group in columns.items():
            column = expected[stage_id]
            self.assertEqual(group["__count"], column["count"])
            self.assertAlmostEqual(group["revenue_at_stake:sum"], column["sum"], places=2)
            self.assertAlmostEqual(
                group["revenue_at_stake:sum_currency"], column["converted"], places=2
            )
            self.assertEqual(group["currency_id:array_agg_distinct"], sorted(column["cur"]))
        new = columns[self.stage_new.id]
        self.assertEqual(
            new["currency_id:array_agg_distinct"],
            sorted({self.env.company.currency_id.id, currency.id}),
        )
        # the euros count twice in the company's currency (0.5 EUR a unit)
        self.assertAlmostEqual(
            new["revenue_at_stake:sum_currency"] - new["revenue_at_stake:sum"], 10000, places=2
        )
        # any other aggregation is core's own query, same figures
        with_max = Requirement._read_group(
            [], ["stage_id"], ["revenue_at_stake:max", *KANBAN_AGGREGATES, "__count"]
        )
        for stage, top, total, currencies, converted, count in with_max:
            column = expected[stage.id]
            self.assertEqual(count, column["count"])
            self.assertAlmostEqual(total, column["sum"], places=2)
            self.assertAlmostEqual(converted, column["converted"], places=2)
            self.assertEqual(currencies, sorted(column["cur"]))
            self.assertLessEqual(top, total)

    def test_columns_in_the_stages_order(self):
        """The totals split by currency come back in the stages' order (sequence, then
        id), as core's query orders them, also after a PM reorders the stages."""
        self.stage_planned.sequence = -1  # before New, though created after it
        Requirement = self._pm_requirements()
        ours = Requirement._read_group([], ["stage_id"], KANBAN_AGGREGATES, order="stage_id")
        # any other aggregate leaves the query to core
        core = Requirement._read_group(
            [], ["stage_id"], [*KANBAN_AGGREGATES, "revenue_at_stake:max"], order="stage_id"
        )
        self.assertEqual([row[:4] for row in ours], [row[:4] for row in core])
        stages = [row[0] for row in ours]
        self.assertEqual(stages[0], self.stage_planned)
        self.assertEqual(
            [(s.sequence, s.id) for s in stages], sorted((s.sequence, s.id) for s in stages)
        )
        groups = Requirement.with_context(read_group_expand=True).web_read_group(
            [], ["stage_id"], KANBAN_AGGREGATES
        )["groups"]
        self.assertEqual(groups[0]["stage_id"][0], self.stage_planned.id)
