from odoo import Command
from odoo.tests import new_test_user
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from odoo.addons.base.tests.common import BaseCommon

MODULE = "sales_pm_collab"
ACCESS_ERROR = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"

# login -> groups of the test users every feature's tests can rely on
ROLE_GROUPS = {
    "t_rep": f"{MODULE}.group_collab_sales_rep",
    "t_cs": f"{MODULE}.group_collab_customer_service",
    "t_pm": f"{MODULE}.group_collab_product_manager",
    "t_channel": f"{MODULE}.group_collab_channel_manager",
    "t_finance": f"{MODULE}.group_collab_finance",
    "t_admin": f"{MODULE}.group_collab_admin",
    # a sales manager of core Sales, without any role of this app
    "t_sales_manager": "sales_team.group_sale_manager",
    # a plain internal user, without any role of this app
    "t_employee": "base.group_user",
}


class CollabCommon(BaseCommon):
    """One user per role, created by the test (demo data is not relied upon)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = {
            # every role user is an employee (the demo users too): groups plus base.group_user
            login: new_test_user(
                cls.env, login=login, groups=f"base.group_user,{groups}", name=login.title()
            )
            for login, groups in ROLE_GROUPS.items()
        }
        cls.user_rep = users["t_rep"]
        cls.user_cs = users["t_cs"]
        cls.user_pm = users["t_pm"]
        cls.user_channel = users["t_channel"]
        cls.user_finance = users["t_finance"]
        cls.user_admin = users["t_admin"]
        cls.user_sales_manager = users["t_sales_manager"]
        cls.user_employee = users["t_employee"]
        cls.user_portal = cls._create_new_portal_user(login="t_portal")

    @classmethod
    def _create_week_calendar(cls, name):
        """Mon-Fri 08:00-12:00 and 13:00-17:00 in UTC: working-hours deadlines read plainly."""
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": "UTC",
                "schedule_type": "fully_fixed",
                "company_id": cls.env.company.id,
                "attendance_ids": [
                    Command.clear(),
                    *(
                        Command.create(
                            {
                                "name": f"day {day} {period}",
                                "dayofweek": str(day),
                                "hour_from": start,
                                "hour_to": stop,
                                "day_period": period,
                            }
                        )
                        for day in range(5)
                        for start, stop, period in ((8, 12, "morning"), (13, 17, "afternoon"))
                    ),
                ],
            }
        )


class TrackingCommon(CollabCommon):
    """The role users, with mail tracking and subscriptions on (BaseCommon switches them
    off): messages, followers and tracking are part of what these tests check."""

    @classmethod
    def default_env_context(cls):
        return {"no_reset_password": True}


class PortalRpcMixin:
    """For HttpCase tests: a portal user's raw JSON-RPC calls (`/web/dataset/call_kw`),
    what a hostile client sends with its session, and the check that a model shows the
    portal only its whitelisted fields (`_portal_fields` of collab.guard.mixin)."""

    def _rpc(self, model, method, *args, **kwargs):
        with mute_logger("odoo.http"):
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
            )

    def _assert_rpc_refused(self, model, method, *args, error=ACCESS_ERROR, **kwargs):
        with self.subTest(model=model, method=method, args=args, kwargs=kwargs):
            with self.assertRaises(JsonRpcException) as caught:
                self._rpc(model, method, *args, **kwargs)
            self.assertEqual(str(caught.exception), error)

    def _assert_portal_rpc_whitelist(self, record, hidden, shown):
        """As the authenticated portal user: each field of `hidden` ({name: a distinctive
        value it holds: text, number or record}) is refused by every read, search,
        group-by, order and export method and missing from fields_get and from the
        default reads; the fields of `shown` read as usual."""
        model, ids = record._name, record.ids
        readable = self._rpc(model, "read", ids, list(shown))
        self.assertEqual([row["id"] for row in readable], ids)
        described = self._rpc(model, "fields_get", [], attributes=["type"])
        for name in shown:
            self.assertIn(name, described)
        # the reads without a list of fields: every field the user may read, none other
        for method, args, kwargs in (
            ("read", [ids], {}),
            ("search_read", [[("id", "in", ids)]], {}),
            ("web_read", [ids], {"specification": {"display_name": {}}}),
        ):
            rows = self._rpc(model, method, *args, **kwargs)
            text = repr(rows)
            for name, value in hidden.items():
                with self.subTest(method=method, field=name):
                    self.assertNotIn(name, rows[0])
                    if value and isinstance(value, (str, int, float)):
                        self.assertNotIn(str(value), text)
        for name, value in hidden.items():
            self.assertNotIn(name, described)
            field = record._fields[name]
            guess = value.id if hasattr(value, "id") else value
            refused = [
                ("read", [ids, [name]], {}),
                ("search_read", [[("id", "in", ids)], [name]], {}),
                ("web_read", [ids], {"specification": {name: {}}}),
                ("web_search_read", [], {"domain": [], "specification": {name: {}}}),
                ("search", [[(name, "=", guess)]], {}),
                ("search_count", [[(name, "!=", False)]], {}),
                ("search", [[]], {"order": f"{name} desc"}),
                ("name_search", [], {"name": "", "domain": [(name, "=", guess)]}),
                ("web_search_read", [], {"domain": [(name, "=", guess)], "specification": {}}),
                ("formatted_read_group", [], {"domain": [], "groupby": [name]}),
            ]
            if field.type in ("integer", "float", "monetary"):
                refused.append(
                    (
                        "formatted_read_group",
                        [],
                        {"domain": [], "groupby": ["id"], "aggregates": [f"{name}:sum"]},
                    )
                )
            if field.type == "many2one":
                refused += [
                    ("search", [[(f"{name}.display_name", "ilike", "%")]], {}),
                    ("web_read", [ids], {"specification": {name: {"fields": {}}}}),
                ]
            for method, args, kwargs in refused:
                self._assert_rpc_refused(model, method, *args, **kwargs)
            # a portal user has no export right at all (core's base.group_allow_export)
            self._assert_rpc_refused(model, "export_data", ids, [name], error=USER_ERROR)
