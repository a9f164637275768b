from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..common import MODULE
from .common import RequirementCommon


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


LONG_TITLES = (
    "离线小票：网络中断时所有门店继续开票并在恢复后自动同步 Offline receipts",
    "Central price management for franchise stores with regional price lists",
    "电子发票对接税务平台并支持红字发票与批量开具 E-invoice bridge",
)


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRequirementListsLayout(HttpCase, RequirementCommon):
    """At 1440 px, the weekly review's agenda and the release's requirements show the
    titles, the revenue at stake with its currency and its total without scrolling
    sideways."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.release = cls.env["product.release"].create(
            {"name": "CloudPOS 2026.1", "user_id": cls.user_pm.id}
        )
        requirements = cls.Requirement
        for title, contact, revenue in zip(
            LONG_TITLES,
            (cls.contact_a, cls.contact_b, cls.contact_c),
            (48_250_000, 12_900_000, 3_450_000),
            strict=True,
        ):
            lead = cls._lead(contact, revenue, probability=50)
            requirements |= cls._requirement(
                title,
                lead_ids=[Command.set(lead.ids)],
                stage_id=cls.stage_review.id,
            )
        cls.review = cls.env["product.requirement.review"].create(
            {
                "name": "Weekly review",
                "line_ids": [Command.create({"requirement_id": r.id}) for r in requirements],
            }
        )
        planned = cls.Requirement.browse()
        for title in LONG_TITLES:
            planned |= cls._requirement(
                f"{title} (v2)", stage_id=cls.stage_planned.id, release_id=cls.release.id
            )
        for requirement, contact in zip(
            planned, (cls.contact_a, cls.contact_b, cls.contact_c), strict=True
        ):
            requirement.lead_ids = [Command.set(cls._lead(contact, 27_640_000).ids)]

    def test_review_agenda_fits(self):
        self.start_tour(
            f"/odoo/action-{MODULE}.action_product_requirement_review/{self.review.id}",
            "sales_pm_collab_list_fits",
            login=self.user_pm.login,
        )

    def test_release_requirements_fit(self):
        self.start_tour(
            f"/odoo/action-{MODULE}.action_product_release/{self.release.id}",
            "sales_pm_collab_list_fits",
            login=self.user_pm.login,
        )
