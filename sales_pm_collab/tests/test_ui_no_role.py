"""Issue 17, item 1 in the browser: a core Sales user ("Own Documents Only") who never
received a Collaboration role opens the CRM pipeline, an opportunity, a quotation and a
customer in the web client without an error (an addon field reading a model such a user
cannot read would fail there, not in a server-side Form)."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

# waits for the view, checks that it shows the record, then reports success; an error
# dialog or a console error fails the test (browser_js)
CHECK = """
    const view = document.querySelector(%(selector)r);
    if (!view) { throw new Error("no view %(selector)s"); }
    if (document.querySelector(".o_error_dialog, .o_dialog .modal-title.text-danger")) {
        throw new Error("an error dialog opened");
    }
    // the record's name: on its card, or in the breadcrumb of its form
    const shown = view.textContent + (document.querySelector(".o_breadcrumb")?.textContent || "");
    if (!shown.includes(%(text)r)) { throw new Error("%(text)s not shown"); }
    console.log("test successful");
"""


@tagged("post_install", "-at_install", "collab_ui")
class TestUiUserWithoutRole(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="t_ui_core_salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Core Salesman",
        )
        # none of the addon's groups, directly or implied
        addon_groups = (
            cls.env["res.groups"]
            .search([])
            .filtered(lambda g: g.get_external_id().get(g.id, "").startswith("sales_pm_collab."))
        )
        assert not (cls.user.all_group_ids & addon_groups), "the user has a Collaboration role"
        cls.customer = cls.env["res.partner"].create(
            {"name": "T-UI Core Customer Ltd", "is_company": True}
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "T-UI core opportunity",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.user.id,
                "expected_revenue": 5000,
            }
        )
        product = cls.env["product.product"].create({"name": "T-UI product", "list_price": 10})
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "user_id": cls.user.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )

    def _open(self, url, selector, text):
        self.browser_js(
            url,
            CHECK % {"selector": selector, "text": text},
            ready=f"!!document.querySelector({selector!r})",
            login=self.user.login,
        )

    def test_pipeline_opportunity_quotation_and_customer_open(self):
        pipeline = self.env.ref("crm.crm_lead_action_pipeline")
        quotations = self.env.ref("sale.action_quotations_with_onboarding")
        contacts = self.env.ref("contacts.action_contacts", raise_if_not_found=False) or (
            self.env.ref("base.action_partner_form")
        )
        cases = [
            (f"/odoo/action-{pipeline.id}", ".o_kanban_view .o_kanban_record", "T-UI core"),
            (f"/odoo/action-{pipeline.id}/{self.lead.id}", ".o_form_view", "T-UI core"),
            (f"/odoo/action-{quotations.id}/{self.order.id}", ".o_form_view", self.order.name),
            (f"/odoo/action-{contacts.id}/{self.customer.id}", ".o_form_view", "T-UI Core"),
        ]
        for url, selector, text in cases:
            with self.subTest(url=url):
                self._open(url, selector, text)
