from odoo.tests import HttpCase, tagged

from .common import RebateCommon

LONG_NAMES = (
    "华东区一级分销商 East China Distribution Holdings Co., Ltd.",
    "Guangzhou Pearl River Retail & E-commerce Group Co., Ltd.",
    "北京中关村渠道代理有限公司 Beijing Zhongguancun Channel Agency",
)


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRebateLayout(HttpCase, RebateCommon):
    """At 1440 px, the settlement's Partner Rebates table (beside the chatter when the
    screen is wide) and the settlement lines list show whole partner names and totals
    without scrolling sideways."""

    browser_size = "1440x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls._program(name="Layout rebate", growth_rate=5)
        for partner, name, amount in zip(
            cls.partner_a | cls.partner_b | cls.partner_c,
            LONG_NAMES,
            (50_130_000, 38_420_000, 9_870_000),
            strict=True,
        ):
            partner.name = name
            cls._target(cls.program, partner, 40_000_000)
            cls._invoice(partner, amount)
        cls.settlement = cls._settle(cls.program)

    def test_settlement_partner_rebates_fit(self):
        self.start_tour(
            f"/odoo/action-sales_pm_collab.rebate_settlement_action/{self.settlement.id}",
            "sales_pm_collab_list_fits",
            login="t_finance",
        )

    def test_settlement_lines_list_fits(self):
        self.start_tour(
            "/odoo/action-sales_pm_collab.rebate_settlement_line_action",
            "sales_pm_collab_list_fits",
            login="t_finance",
        )
