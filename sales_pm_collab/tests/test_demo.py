import re

from odoo.tests import tagged

from .common import MODULE, CollabCommon

HAN = re.compile(r"[\u4e00-\u9fff]")
# the demo's partners in Taiwan and Hong Kong read Traditional Chinese
TRADITIONAL = {"partner_tp_dadao", "partner_hk_victoria", "channel_xborder_hk"}


@tagged("post_install", "-at_install")
class TestDemo(CollabCommon):
    """The demo (`make demo`; `make test` installs it too) reads like a Chinese company:
    its customers, partners and people use Chinese, its master data has Chinese names,
    and core's settings it relies on are switched on (or off) as Settings would."""

    def _demo_records(self, model):
        data = self.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", model)])
        return {xmlid.name: self.env[model].browse(xmlid.res_id) for xmlid in data}

    def test_demo_is_installed(self):
        module = self.env["ir.module.module"].search([("name", "=", MODULE)])
        self.assertTrue(module.demo, "these tests check the demo data: install it (--with-demo)")

    def test_partners_and_users_read_chinese(self):
        partners = self._demo_records("res.partner")
        companies = {name: p for name, p in partners.items() if p.is_company}
        self.assertGreaterEqual(len(companies), 30)
        for name, partner in companies.items():
            with self.subTest(partner=name):
                expected = "zh_TW" if name in TRADITIONAL else "zh_CN"
                self.assertEqual(partner.lang, expected)
                # their contacts too (e-mails go to them)
                for contact in partner.child_ids:
                    self.assertEqual(contact.lang, expected, contact.name)
        users = self._demo_records("res.users")
        self.assertEqual(users["user_demo_channel"].lang, "zh_CN")
        self.assertEqual(users["user_demo_cs"].lang, "zh_TW")
        self.assertEqual({user.lang for user in users.values()}, {"zh_CN", "zh_TW"})

    def test_master_data_has_chinese_names(self):
        expected = {
            "sales_pm_collab.grade_platinum": ("Platinum", "铂金级", "白金級"),
            "partnership.res_partner_grade_data_gold": ("Gold", "金级", "金級"),
            "partnership.res_partner_grade_data_silver": ("Silver", "银级", "銀級"),
            "sales_pm_collab.grade_registered": ("Registered", "注册级", "註冊級"),
            "sales_pm_collab.territory_east": ("East China", "华东", "華東"),
            "sales_pm_collab.course_install": (
                "Installation and implementation",
                "安装与实施",
                "安裝與導入",
            ),
            "sales_pm_collab.product_pos_x1": (
                "CloudPOS X1 Terminal",
                "CloudPOS X1 收银终端",
                "CloudPOS X1 收銀終端",
            ),
            "sales_pm_collab.pricelist_channel_gold": (
                "Channel Gold (-10%)",
                "渠道金级价（-10%）",
                "通路金級價（-10%）",
            ),
        }
        for xmlid, names in expected.items():
            record = self.env.ref(xmlid)
            with self.subTest(record=xmlid):
                self.assertEqual(
                    tuple(
                        record.with_context(lang=lang).name for lang in ("en_US", "zh_CN", "zh_TW")
                    ),
                    names,
                )

    def test_channel_card_gap_note_in_chinese(self):
        """The demo's evaluation ran in English at install; the channel card's Next level
        note reads Chinese to a Chinese user."""
        partners = [p for p in self._demo_records("res.partner").values() if p.channel_gap_note]
        self.assertTrue(partners)
        for partner in partners:
            note = partner.with_context(lang="zh_CN").channel_gap_note
            self.assertTrue(HAN.search(note), note)
            self.assertNotRegex(note, r"revenue|customer|training|satisfaction|failing")

    def test_customer_records_written_in_chinese(self):
        """The opportunities, requirements and feedback of the demo's Chinese customers
        read as a Chinese company writes them: titles and descriptions in Chinese, and
        the feedback of the Taiwan and Hong Kong customers in Traditional Chinese (every
        customer of the demo is Chinese: test_partners_and_users_read_chinese)."""
        checked = 0
        for model, fields_ in (
            ("crm.lead", ("name",)),
            ("product.requirement", ("name", "description")),
            ("customer.feedback", ("name", "description")),
        ):
            for xmlid, record in self._demo_records(model).items():
                checked += 1
                for field in fields_:
                    with self.subTest(record=xmlid, field=field):
                        self.assertRegex(record[field] or "", HAN, "an English title left")
        self.assertGreaterEqual(checked, 60)
        traditional = {
            "feedback_dadao_tc": "繁體中文收據",
            "feedback_dadao_member_export": "會員匯出時中文姓名被截斷",
            "feedback_victoria_serial": "保修卡上沒有序號",
        }
        for xmlid, name in traditional.items():
            feedback = self.env.ref(f"{MODULE}.{xmlid}")
            self.assertEqual(feedback.partner_id.commercial_partner_id.lang, "zh_TW")
            self.assertEqual(feedback.name, name)
        # a translatable name reads in each language (the demo's sales team)
        team = self.env.ref(f"{MODULE}.crm_team_east")
        self.assertEqual(
            [team.with_context(lang=lang).name for lang in ("en_US", "zh_CN", "zh_TW")],
            ["Key Accounts", "大客户部", "大客戶部"],
        )

    def test_pricelists_feature_on(self):
        """The levels' pricelists need core's Pricelists feature: Settings opens clean
        (saving it does not archive them)."""
        self.assertIn(
            self.env.ref("product.group_product_pricelist"),
            self.env.ref("base.group_user").implied_ids,
        )
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.group_product_pricelist)

    def test_lead_enrichment_manual(self):
        """No call to Odoo's paid lead enrichment service from the demo's leads."""
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("crm.iap.lead.enrich.setting"), "manual")
        cron = self.env.ref("crm_iap_enrich.ir_cron_lead_enrichment", raise_if_not_found=False)
        if cron:  # core's crm_iap_enrich is installed with crm (auto_install)
            self.assertFalse(cron.active)
