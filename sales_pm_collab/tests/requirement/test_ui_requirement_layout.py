from odoo.tests import HttpCase, new_test_user, tagged

from ..common import MODULE


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRequirementKanbanLayoutMobile(HttpCase):
    """On a phone the requirement cards' titles keep clear of the ⋮ toggle."""

    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="layout_pm",
            groups=f"base.group_user,{MODULE}.group_collab_product_manager",
            name="Layout PM",
        )
        cls.env["product.requirement"].create(
            [
                {"name": "离线小票：网络中断时所有门店继续开票并在恢复后自动同步"},
                {"name": "Offline receipts for every store when the network is down"},
            ]
        )

    def test_requirement_cards(self):
        self.start_tour(
            f"/odoo/action-{MODULE}.action_product_requirement",
            "sales_pm_collab_requirement_cards",
            login="layout_pm",
        )
