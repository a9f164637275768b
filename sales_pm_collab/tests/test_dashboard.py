import json

from odoo.exceptions import AccessError
from odoo.tests import tagged

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
