from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import MODULE, CollabCommon

# the app's Configuration records, configured by its administrators
CONFIGURATION = {
    f"{MODULE}.menu_product_requirement_stage": "product.requirement.stage",
    f"{MODULE}.menu_feedback_sla": "customer.feedback.sla",
    f"{MODULE}.menu_channel_levels": "res.partner.grade",
    f"{MODULE}.menu_channel_training_courses": "res.partner.training.course",
}


@tagged("post_install", "-at_install")
class TestMenus(CollabCommon):
    """Every menu of the Collaboration app opens for each role that sees it (the server's
    side of it; tests/test_ui_clickbot.py clicks through them in the browser)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_system = new_test_user(
            cls.env, login="t_system", groups=f"base.group_system,{MODULE}.group_collab_admin"
        )
        cls.root = cls.env.ref(f"{MODULE}.menu_collab_root")

    def _app_menus(self, user):
        Menu = self.env["ir.ui.menu"].with_user(user)
        visible = Menu.browse(Menu._visible_menu_ids())
        return visible.filtered(lambda m: m.parent_path.startswith(f"{self.root.id}/"))

    def _roles(self):
        return {
            "rep": self.user_rep,
            "cs": self.user_cs,
            "pm": self.user_pm,
            "channel": self.user_channel,
            "finance": self.user_finance,
            "collab_admin": self.user_admin,
        }

    def test_every_menu_opens_for_each_role_that_sees_it(self):
        for role, user in self._roles().items():
            for menu in self._app_menus(user).filtered("action"):
                with self.subTest(role=role, menu=menu.complete_name):
                    # the web client reads actions as superuser (/web/action/load) and
                    # runs server actions as the user (/web/action/run)
                    action = menu.action.sudo()
                    if action._name == "ir.actions.server":
                        action = self.env["ir.actions.act_window"].new(
                            menu.action.with_user(user).run()
                        )
                    self.assertEqual(action._name, "ir.actions.act_window")
                    Model = self.env[action.res_model].with_user(user)
                    self.assertTrue(Model.has_access("read"))
                    views = [(v.id, v.view_mode) for v in action.view_ids] or [
                        (action.view_id.id, mode) for mode in action.view_mode.split(",")
                    ]
                    Model.get_views([*views, (action.search_view_id.id, "search")])
                    Model.search_count([])

    def test_every_measure_has_an_aggregator(self):
        """The web client refuses a pivot or graph measure without an aggregator ("No
        aggregate function has been provided for the measure ..."): Channel Analysis
        crashed so, its revenue in a currency that was not stored."""
        views = self.env["ir.ui.view"].search(
            [("type", "in", ("pivot", "graph")), ("model_data_id.module", "=", MODULE)]
        )
        self.assertTrue(views)
        for view in views:
            Model = self.env[view.model].with_user(self.user_admin)
            arch = etree.fromstring(
                Model.get_views([(view.id, view.type)])["views"][view.type]["arch"]
            )
            measures = [
                node.get("name") for node in arch.iter("field") if node.get("type") == "measure"
            ]
            described = Model.fields_get(measures, ["aggregator"])
            for fname in measures:
                with self.subTest(view=view.xml_id, measure=fname):
                    self.assertTrue(described[fname].get("aggregator"))
        self.assertEqual(
            self.env["res.partner"].fields_get(["channel_revenue"], ["aggregator"]),
            {"channel_revenue": {"aggregator": "sum"}},
        )

    def test_settings_for_settings_administrators_configuration_for_app_administrators(self):
        """As core Sales: the app's Settings page (company switches) is for Settings
        administrators; the app's administrators configure its Configuration records."""
        settings = self.env.ref(f"{MODULE}.menu_collab_settings")
        self.assertEqual(settings.action, self.env.ref(f"{MODULE}.action_collab_config_settings"))
        self.assertIn(settings, self._app_menus(self.user_system))
        for role, user in self._roles().items():
            with self.subTest(role=role):
                self.assertNotIn(settings, self._app_menus(user))
                self.assertFalse(self.env["res.config.settings"].with_user(user).has_access("read"))
        menus = self._app_menus(self.user_admin)
        for xmlid, model in CONFIGURATION.items():
            with self.subTest(menu=xmlid):
                self.assertIn(self.env.ref(xmlid), menus)
                self.assertEqual(self.env.ref(xmlid).action.res_model, model)
                # (levels are archived, not deleted, as core's partnership has them)
                for operation in ("read", "write", "create"):
                    self.assertTrue(
                        self.env[model].with_user(self.user_admin).has_access(operation)
                    )
