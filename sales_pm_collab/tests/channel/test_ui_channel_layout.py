from datetime import date

from odoo.tests import HttpCase, tagged

from ..common import MODULE
from .common import ChannelCommon

LONG_NAMES = (
    "华东区一级分销商 East China Distribution Holdings Co., Ltd.",
    "Guangzhou Pearl River Retail & E-commerce Group Co., Ltd.",
    "北京中关村渠道代理有限公司 Beijing Zhongguancun Channel Agency",
)


@tagged("post_install", "-at_install", "collab_ui")
class TestUiChannelLayout(HttpCase, ChannelCommon):
    """At 1440 px, the level evaluations list shows the partners' names, their
    revenue with its currency and the proposal without scrolling sideways."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = (
            cls.dist_a
            | cls.dist_b
            | cls.env["res.partner"].create(
                {"name": "T-Dist C", "is_company": True, "channel_type": "retailer"}
            )
        )
        for partner, name, amount in zip(
            partners, LONG_NAMES, (50_130_000, 38_420_000, 9_870_000), strict=True
        ):
            partner.name = name
            invoice = cls._invoice(partner, amount, date(2024, 2, 1), due=date(2024, 3, 1))
            cls._pay(invoice)
        ChannelCommon._evaluate(cls, partners)

    def test_evaluation_list_fits(self):
        self.start_tour(
            f"/odoo/action-{MODULE}.action_res_partner_grade_evaluation",
            "sales_pm_collab_list_fits",
            login="t_channel",
        )
