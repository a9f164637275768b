from odoo.tests import HttpCase, new_test_user, tagged

from ..common import MODULE

LONG_TITLE = (
    "收银打印机连续打印两百张小票后卡纸 — receipt printer paper jam after 200 tickets "
    "in every store of the East China region since the last firmware update"
)


class FeedbackLayoutCommon:
    """The feedback form of a breached complaint with a long title, checked by the
    tour sales_pm_collab_feedback_layout at the size of the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="layout_cs",
            groups=f"base.group_user,{MODULE}.group_collab_customer_service",
            name="Layout Customer Service",
        )
        customer = cls.env["res.partner"].create({"name": "Layout Retail Co.", "is_company": True})
        cls.feedback = cls.env["customer.feedback"].create(
            {"name": LONG_TITLE, "partner_id": customer.id, "kind": "complaint"}
        )
        cls.feedback.write({"sla_status": "breached"})  # the server's SLA engine

    def _check(self, lang="en_US"):
        self.user.lang = lang
        self.start_tour(
            f"/odoo/action-{MODULE}.customer_feedback_action/{self.feedback.id}",
            "sales_pm_collab_feedback_layout",
            login="layout_cs",
        )

    def test_feedback_form_layout(self):
        self._check()

    def test_feedback_form_layout_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self._check("zh_CN")


@tagged("post_install", "-at_install", "collab_ui")
class TestUiFeedbackLayoutDesktop(FeedbackLayoutCommon, HttpCase):
    browser_size = "1440x900"
    allow_inherited_tests_method = True  # the checks live in the common class


@tagged("post_install", "-at_install", "collab_ui")
class TestUiFeedbackLayoutMobile(FeedbackLayoutCommon, HttpCase):
    browser_size = "390x844"
    touch_enabled = True
    allow_inherited_tests_method = True
