"""Browser tours and portal routes of the partner rebate balances (issue 13)."""

import base64

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RebateCommon


@tagged("post_install", "-at_install", "collab_ui")
class TestUiRebateBalance(HttpCase, RebateCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a.name = "Tour Distributor"
        cls.Move = cls.env["rebate.balance.move"]
        cls.deduction = cls._program(
            name="Tour deduction", payout="order_deduction", journal_id=False
        )
        cls.fund = cls._program(
            name="Tour marketing fund",
            payout="fund",
            journal_id=cls.purchase_journal.id,
        )
        for program in (cls.deduction, cls.fund):
            cls._target(program, cls.partner_a, 100_000)
            cls._target(program, cls.partner_b, 100_000)
        cls._invoice(cls.partner_a, 100_000)
        cls._invoice(cls.partner_b, 100_000)
        cls._settle(cls.deduction)
        cls._settle(cls.fund)  # 3,000 in each balance of A and B
        cls.tour_rep = new_test_user(
            cls.env,
            login="t_tour_rep",
            password="t_tour_rep",
            groups="base.group_user,sales_pm_collab.group_collab_sales_rep",
        )
        cls.tour_finance = new_test_user(
            cls.env,
            login="t_tour_finance",
            password="t_tour_finance",
            groups="base.group_user,sales_pm_collab.group_collab_finance",
        )
        contact_a, contact_b = cls.env["res.partner"].create(
            [
                {"name": "Tour 黄丽", "parent_id": cls.partner_a.id, "email": "hl@a.example.com"},
                {"name": "Tour 周强", "parent_id": cls.partner_b.id, "email": "zq@b.example.com"},
            ]
        )
        cls.portal_a = new_test_user(
            cls.env,
            login="t_fund_portal_a",
            password="t_fund_portal_a",
            groups="base.group_portal",
            partner_id=contact_a.id,
        )
        cls.portal_b = new_test_user(
            cls.env,
            login="t_fund_portal_b",
            password="t_fund_portal_b",
            groups="base.group_portal",
            partner_id=contact_b.id,
        )
        claim = cls.env["rebate.fund.claim"].create(
            {
                "partner_id": cls.partner_b.id,
                "program_id": cls.fund.id,
                "amount": 700,
                "purpose": "training",
                "description": "B internal note",
            }
        )
        attachment = cls.env["ir.attachment"].create(
            {
                "name": "b-proof.pdf",
                "datas": base64.b64encode(b"%PDF b"),
                "res_model": "rebate.fund.claim",
                "res_id": claim.id,
            }
        )
        claim.attachment_ids = [Command.set(attachment.ids)]
        claim.action_submit()
        cls.claim_b = claim

    def test_rep_applies_the_rebate_on_the_next_quotation(self):
        self.product_hw.list_price = 5_000
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner_a.id,
                "user_id": self.tour_rep.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_hw.id,
                            "price_unit": 5_000,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}",
            "sales_pm_collab_rebate_apply",
            login="t_tour_rep",
        )
        self.assertEqual(order.state, "sale")
        use = self.Move.search([("sale_order_id", "=", order.id)])
        self.assertEqual((use.kind, use.amount), ("use", -3_000))

    def test_partner_files_a_claim_and_finance_approves_it(self):
        self.start_tour("/my/fund", "sales_pm_collab_fund_claim_portal", login="t_fund_portal_a")
        claim = self.env["rebate.fund.claim"].search([("partner_id", "=", self.partner_a.id)])
        self.assertEqual(
            (claim.state, claim.amount, claim.purpose), ("submitted", 1_500, "advertising")
        )
        self.assertEqual(claim.attachment_ids.mapped("name"), ["广告合同.pdf"])
        claim.with_user(self.user_channel).action_check()
        self.start_tour(
            "/odoo/action-sales_pm_collab.rebate_fund_claim_action",
            "sales_pm_collab_fund_claim_approve",
            login="t_tour_finance",
        )
        self.assertEqual(claim.state, "approved")
        self.assertEqual(claim.move_id.move_type, "in_invoice")
        self.assertEqual(
            self.Move._get_partner_balance(self.partner_a, "fund", self.company), 1_500
        )

    def test_portal_shows_only_the_partners_own_records(self):
        self.authenticate("t_fund_portal_a", "t_fund_portal_a")
        page = self.url_open("/my/fund")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Tour marketing fund", page.text)
        # nothing of partner B, nothing internal
        for forbidden in (self.claim_b.name, "B internal note", "b-proof.pdf", "Test 华南分销 B"):
            self.assertNotIn(forbidden, page.text)
        # another partner's claim: not found
        with mute_logger("odoo.http"):
            response = self.url_open(f"/my/fund/claims/{self.claim_b.id}")
        self.assertEqual(response.status_code, 404)
        with mute_logger("odoo.http"):
            response = self.url_open("/my/fund/claims/999999999")
        self.assertEqual(response.status_code, 404)
        # B sees its own claim, without internal fields
        self.authenticate("t_fund_portal_b", "t_fund_portal_b")
        response = self.url_open(f"/my/fund/claims/{self.claim_b.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("b-proof.pdf", response.text)
        for forbidden in (self.user_channel.name, self.fund.journal_id.name, "fund_available"):
            self.assertNotIn(forbidden, response.text)

    def test_portal_claim_on_another_partners_fund_or_bad_input_is_refused(self):
        self.authenticate("t_fund_portal_a", "t_fund_portal_a")
        page = self.url_open("/my/fund/claims/new")
        self.assertEqual(page.status_code, 200)
        other = self._program(name="Tour not a fund")
        cases = (
            ({"program_id": other.id, "amount": "10", "purpose": "training"}, "special funds"),
            ({"program_id": self.fund.id, "amount": "-5", "purpose": "training"}, "above zero"),
            ({"program_id": self.fund.id, "amount": "9999", "purpose": "training"}, "above the"),
            ({"program_id": self.fund.id, "amount": "10", "purpose": "bribes"}, "purpose"),
        )
        for data, message in cases:
            with self.subTest(data=data):
                response = self.url_open(
                    "/my/fund/claims/new",
                    data={**data, "csrf_token": self._csrf()},
                    files={"attachments": ("p.pdf", b"%PDF", "application/pdf")},
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
        # without proof
        response = self.url_open(
            "/my/fund/claims/new",
            data={
                "program_id": self.fund.id,
                "amount": "10",
                "purpose": "training",
                "csrf_token": self._csrf(),
            },
        )
        self.assertIn("Attach the invoices", response.text)
        self.assertFalse(
            self.env["rebate.fund.claim"].search([("partner_id", "=", self.partner_a.id)])
        )

    def _csrf(self):
        page = self.url_open("/my/fund/claims/new")
        marker = 'name="csrf_token" value="'
        start = page.text.index(marker) + len(marker)
        return page.text[start : page.text.index('"', start)]
