from odoo.tests import HttpCase, new_test_user, tagged

MODULE = "sales_pm_collab"


@tagged("post_install", "-at_install", "collab_ui")
class TestDashboardUi(HttpCase):
    """The dashboards as the browser gets them: the data route for the roles they are meant
    for (and not the others), and the product dashboard rendered for a product manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pm = new_test_user(
            cls.env,
            login="t_dash_pm",
            groups=f"base.group_user,{MODULE}.group_collab_product_manager",
        )
        cls.rep = new_test_user(
            cls.env, login="t_dash_rep", groups=f"base.group_user,{MODULE}.group_collab_sales_rep"
        )
        cls.cs = new_test_user(
            cls.env,
            login="t_dash_cs",
            groups=f"base.group_user,{MODULE}.group_collab_customer_service",
        )
        cls.finance = new_test_user(
            cls.env, login="t_dash_finance", groups=f"base.group_user,{MODULE}.group_collab_finance"
        )
        cls.channel = new_test_user(
            cls.env,
            login="t_dash_channel",
            groups=f"base.group_user,{MODULE}.group_collab_channel_manager",
        )
        cls.product = cls.env.ref(f"{MODULE}.spreadsheet_dashboard_collab_product")
        cls.feedback = cls.env.ref(f"{MODULE}.spreadsheet_dashboard_collab_customer_service")
        cls.channel_rebate = cls.env.ref(f"{MODULE}.spreadsheet_dashboard_collab_channel_rebate")

    def test_data_route_per_role(self):
        self.authenticate("t_dash_pm", "t_dash_pm")
        response = self.url_open(f"/spreadsheet/dashboard/data/{self.product.id}")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertIn("snapshot", data)
        self.assertTrue(data["snapshot"]["pivots"])
        self.authenticate("t_dash_rep", "t_dash_rep")
        response = self.url_open(f"/spreadsheet/dashboard/data/{self.product.id}")
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn("pivots", response.text)

    def _assert_renders(self, dashboard, login, lang=None):
        """The dashboard opens for `login` (in `lang`) without any error logged while its
        pivots and charts load, and the charts in view are drawn."""
        if lang:
            self.env["res.users"].search([("login", "=", login)]).lang = lang
        code = """
            const start = Date.now();
            const check = () => {
                const root = ".o_action_manager";
                const figures = document.querySelectorAll(`${root} .o-figure`);
                if (figures.length >= 2) {
                    console.log("test successful");
                } else if (Date.now() - start > 20000) {
                    console.error("the dashboard did not render its charts");
                } else {
                    setTimeout(check, 250);
                }
            };
            check();
        """
        self.browser_js(
            f"/odoo/dashboards?dashboard_id={dashboard.id}",
            code,
            ready="odoo.isReady",
            login=login,
        )

    def test_product_dashboard_renders_for_pm(self):
        self._assert_renders(self.product, "t_dash_pm")

    def test_product_dashboard_renders_in_chinese(self):
        self.env.ref("base.lang_zh_CN").active = True
        self._assert_renders(self.product, "t_dash_pm", lang="zh_CN")

    def test_feedback_dashboard_renders_for_customer_service(self):
        self._assert_renders(self.feedback, "t_dash_cs")

    def test_channel_rebate_dashboard_renders_for_channel_and_finance(self):
        self._assert_renders(self.channel_rebate, "t_dash_channel")
        self._assert_renders(self.channel_rebate, "t_dash_finance")
