import json
from datetime import timedelta

import polib

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.misc import file_open
from odoo.tools.translate import code_translations, extract_spreadsheet_terms

from .common import MODULE, CollabCommon

# dashboard -> the roles it is meant for (and shown to), the roles it is hidden from
DASHBOARDS = {
    f"{MODULE}.spreadsheet_dashboard_collab_product": (("pm", "admin"), ("rep", "cs", "employee")),
    f"{MODULE}.spreadsheet_dashboard_collab_customer_service": (
        ("cs", "pm", "admin"),
        ("rep", "channel", "finance", "employee"),
    ),
    f"{MODULE}.spreadsheet_dashboard_collab_channel_rebate": (
        ("channel", "finance", "admin"),
        ("rep", "cs", "pm", "employee"),
    ),
}
# the spreadsheets, each in the area its dashboard belongs to
DASHBOARD_FILES = (
    "data/requirement/files/product_dashboard.json",
    "data/feedback/files/customer_service_dashboard.json",
    "data/rebate/files/channel_rebate_dashboard.json",
)


@tagged("post_install", "-at_install")
class TestDashboards(CollabCommon):
    """The Dashboards app's dashboards of the Collaboration app: one per audience, shown
    only to the roles concerned, and every pivot and chart in them reads stored, readable
    fields of live models with the viewer's rights (record rules apply)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            "rep": cls.user_rep,
            "cs": cls.user_cs,
            "pm": cls.user_pm,
            "channel": cls.user_channel,
            "finance": cls.user_finance,
            "admin": cls.user_admin,
            "employee": cls.user_employee,
        }

    def _snapshot(self, xmlid):
        return json.loads(self.env.ref(xmlid).spreadsheet_data)

    def _sources(self, snapshot):
        """(model, domain, groupby list, measures, field matching) of every pivot and chart."""
        sources = []
        for pivot in snapshot["pivots"].values():
            groupby = [
                f"{row['fieldName']}:{row['granularity']}"
                if row.get("granularity")
                else row["fieldName"]
                for row in pivot["rows"] + pivot["columns"]
            ]
            measures = [m["fieldName"] for m in pivot["measures"]]
            sources.append(
                (pivot["model"], pivot["domain"], groupby, measures, pivot["fieldMatching"])
            )
        for sheet in snapshot["sheets"]:
            for figure in sheet["figures"]:
                if figure["tag"] != "chart" or not figure["data"]["type"].startswith("odoo_"):
                    continue
                data = figure["data"]
                sources.append(
                    (
                        data["metaData"]["resModel"],
                        data["searchParams"]["domain"],
                        data["metaData"]["groupBy"],
                        [data["metaData"]["measure"]],
                        data["fieldMatching"],
                    )
                )
        return sources

    def _aggregates(self, model, measures):
        fields = self.env[model]._fields
        return [m if m == "__count" else f"{m}:{fields[m].aggregator}" for m in measures]

    def test_dashboards_group_and_data(self):
        group = self.env.ref(f"{MODULE}.spreadsheet_dashboard_group_collab")
        dashboards = self.env["spreadsheet.dashboard"].browse(
            [self.env.ref(xmlid).id for xmlid in DASHBOARDS]
        )
        self.assertEqual(group.published_dashboard_ids, dashboards)
        for xmlid in DASHBOARDS:
            snapshot = self._snapshot(xmlid)
            self.assertTrue(snapshot["pivots"], xmlid)
            self.assertTrue(snapshot["sheets"][0]["figures"], xmlid)
            self.assertIn("Period", [f["label"] for f in snapshot["globalFilters"]], xmlid)
            self.assertIn("Company", [f["label"] for f in snapshot["globalFilters"]], xmlid)

    def test_referenced_fields_exist_stored_aggregated_readable(self):
        """Every field a pivot/chart groups, measures or filters on exists, is stored, has
        an aggregator when measured, and is readable by each role the dashboard is for."""
        for xmlid, (allowed, _hidden) in DASHBOARDS.items():
            snapshot = self._snapshot(xmlid)
            filter_models = {
                f["id"]: f["modelName"]
                for f in snapshot["globalFilters"]
                if f["type"] == "relation"
            }
            for model, _domain, groupby, measures, matching in self._sources(snapshot):
                fields = self.env[model]._fields
                names = [g.split(":")[0] for g in groupby] + [m for m in measures if m != "__count"]
                names += [m["chain"] for m in matching.values()]
                for name in names:
                    with self.subTest(dashboard=xmlid, model=model, field=name):
                        self.assertIn(name, fields)
                        self.assertTrue(fields[name].store, f"{model}.{name} is not stored")
                for name in measures:
                    if name != "__count":
                        self.assertTrue(fields[name].aggregator, f"{model}.{name}")
                for filter_id, match in matching.items():
                    if filter_id in filter_models:
                        self.assertEqual(
                            fields[match["chain"]].comodel_name, filter_models[filter_id]
                        )
                for role in allowed:
                    user = self.users[role]
                    with self.subTest(dashboard=xmlid, model=model, role=role):
                        self.env[model].with_user(user).check_access("read")
                        readable = self.env[model].with_user(user).fields_get(names)
                        self.assertEqual(set(readable), set(names))

    def test_dashboard_loads_for_each_allowed_role(self):
        """As the client does: the dashboard's serialized data, then each pivot's and
        chart's grouped read, with the viewer's rights."""
        for xmlid, (allowed, _hidden) in DASHBOARDS.items():
            dashboard = self.env.ref(xmlid)
            for role in allowed:
                user = self.users[role]
                with self.subTest(dashboard=xmlid, role=role):
                    mine = dashboard.with_user(user)
                    self.assertIn(mine, mine.search([]))
                    loaded = json.loads(mine._get_serialized_readonly_dashboard())
                    self.assertEqual(loaded["snapshot"]["pivots"], self._snapshot(xmlid)["pivots"])
                    mine._dashboard_is_empty()
                    for model, domain, groupby, measures, _matching in self._sources(
                        loaded["snapshot"]
                    ):
                        Model = self.env[model].with_user(user)
                        aggregates = self._aggregates(model, measures)
                        Model.formatted_read_grouping_sets(domain, [groupby, []], aggregates)
                        Model.formatted_read_group(domain, groupby, aggregates)

    def test_dashboard_hidden_from_other_roles(self):
        for xmlid, (_allowed, hidden) in DASHBOARDS.items():
            dashboard = self.env.ref(xmlid)
            for role in hidden:
                with self.subTest(dashboard=xmlid, role=role):
                    mine = dashboard.with_user(self.users[role])
                    self.assertNotIn(dashboard, mine.search([]))
                    with self.assertRaises(AccessError):
                        mine.check_access("read")
                    self.assertFalse(mine.spreadsheet_data)

    def test_figures_respect_record_rules(self):
        """A requirement of a company the product manager is not in is not counted in his
        dashboard's figures; the administrator of both companies counts it."""
        other = self.env["res.company"].create({"name": "Other Co"})
        Requirement = self.env["product.requirement"]
        domain = [("name", "=like", "Dashboard rule %")]
        Requirement.create({"name": "Dashboard rule mine", "company_id": self.env.company.id})
        Requirement.with_company(other).create(
            {"name": "Dashboard rule other", "company_id": other.id}
        )
        self.user_admin.company_ids |= other
        pm = Requirement.with_user(self.user_pm).with_context(
            allowed_company_ids=self.user_pm.company_ids.ids
        )
        admin = Requirement.with_user(self.user_admin).with_context(
            allowed_company_ids=[self.env.company.id, other.id]
        )
        self.assertEqual(pm.formatted_read_group(domain, [], ["__count"])[0]["__count"], 1)
        self.assertEqual(admin.formatted_read_group(domain, [], ["__count"])[0]["__count"], 2)

    def test_issue_measures_on_the_dashboards(self):
        """Each measure issue 15 asks for has a pivot (and so a chart) on its dashboard."""
        expected = {
            f"{MODULE}.spreadsheet_dashboard_collab_product": {
                ("product.requirement", "first_response_hours"),
                ("product.requirement", "first_response_on_time_rate"),
                ("product.requirement", "cycle_days"),
                ("product.requirement", "revenue_at_stake"),
                ("crm.lead.winback", "won_revenue"),
                ("crm.lead.winback", "won_rate"),
            },
            f"{MODULE}.spreadsheet_dashboard_collab_customer_service": {
                ("customer.feedback", "breached_rate"),
                ("customer.feedback", "satisfaction_measure"),
                ("customer.feedback", "reopen_rate"),
            },
            f"{MODULE}.spreadsheet_dashboard_collab_channel_rebate": {
                ("res.partner", "__count"),
                ("res.partner.grade.evaluation", "__count"),
                ("rebate.settlement", "amount_total"),
                ("rebate.settlement.line", "total"),
            },
        }
        for xmlid, measures in expected.items():
            found = {
                (model, measure)
                for model, _domain, _groupby, names, _matching in self._sources(
                    self._snapshot(xmlid)
                )
                for measure in names
            }
            self.assertLessEqual(measures, found, xmlid)

    def test_new_measures_respect_record_rules(self):
        """The product manager's average first response time and cycle time count the
        requirements of his company only; the administrator of both companies counts all."""
        other = self.env["res.company"].create({"name": "Other Co"})
        Requirement = self.env["product.requirement"]
        mine = Requirement.create({"name": "Dashboard rule mine"})
        theirs = Requirement.with_company(other).create(
            {"name": "Dashboard rule other", "company_id": other.id}
        )
        for requirement, hours in ((mine, 10), (theirs, 30)):
            requirement.sudo().first_response_date = requirement.create_date + timedelta(
                hours=hours
            )
        self.user_admin.company_ids |= other
        domain = [("name", "=like", "Dashboard rule %"), ("first_response_date", "!=", False)]
        aggregates = ["__count", "first_response_hours:avg"]
        pm = Requirement.with_user(self.user_pm).with_context(
            allowed_company_ids=self.user_pm.company_ids.ids
        )
        admin = Requirement.with_user(self.user_admin).with_context(
            allowed_company_ids=[self.env.company.id, other.id]
        )
        [pm_row] = pm.formatted_read_group(domain, [], aggregates)
        [admin_row] = admin.formatted_read_group(domain, [], aggregates)
        self.assertEqual((pm_row["__count"], pm_row["first_response_hours:avg"]), (1, 10.0))
        self.assertEqual((admin_row["__count"], admin_row["first_response_hours:avg"]), (2, 20.0))

    def test_dashboards_translated(self):
        """The names and every text the spreadsheet shows (titles written as `_t()`
        formulas, chart axes, filter labels: what Odoo's exporter extracts from
        data/*/..._dashboard.json) are translated into zh_CN and zh_TW, as web client
        (odoo-javascript) terms of the addon."""
        for xmlid in DASHBOARDS:
            dashboard = self.env.ref(xmlid)
            self.assertNotEqual(dashboard.with_context(lang="zh_CN").name, dashboard.name)
            self.assertNotEqual(dashboard.with_context(lang="zh_TW").name, dashboard.name)
        for relative in DASHBOARD_FILES:
            with file_open(f"{MODULE}/{relative}") as handle:
                extracted = extract_spreadsheet_terms(handle, [], [], {})
                terms = {term for _line, _function, term, _comments in extracted}
            with file_open(f"{MODULE}/{relative}") as handle:
                cells = json.load(handle)["sheets"][0]["cells"]
            # a plain text cell is not extracted: every title is a _t() formula
            self.assertFalse([c for c in cells.values() if not c.startswith("=")], relative)
            self.assertGreater(len(terms), 5, relative)
            occurrence = f"addons/{MODULE}/{relative}"
            for lang in ("zh_CN", "zh_TW"):
                with file_open(f"{MODULE}/i18n/{lang}.po") as handle:
                    catalog = {entry.msgid: entry for entry in polib.pofile(handle.read())}
                # what the web client gets for the dashboard's namespace (the addon)
                web = {
                    message["id"]: message["string"]
                    for message in code_translations.get_web_translations(MODULE, lang)["messages"]
                }
                for term in terms:
                    with self.subTest(file=relative, lang=lang, term=term):
                        self.assertTrue(web.get(term), "not sent to the web client")
                        self.assertNotEqual(web[term], term)
                        entry = catalog[term]
                        self.assertIn(f"code:{occurrence}", [o[0] for o in entry.occurrences])
