"""Win rate of registered vs unregistered deals (issue 14 item 5): `is_registered_deal`
follows the registrations, Reporting > Registered Deals compares them."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import DealRegistrationCommon

ACTION = "sales_pm_collab.action_crm_registered_deals"
FORGED = {
    "default_is_registered_deal": True,
    "default_deal_win_rate": 100,
    "active_test": False,
    "tracking_disable": True,
}


@tagged("post_install", "-at_install")
@freeze_time(date(2026, 3, 2))
class TestRegisteredDeals(DealRegistrationCommon):
    def _approved_lead(self, name, vat, revenue):
        registration = self._approved(self.dist_a, customer_name=name, customer_vat=vat)
        lead = registration.lead_id
        lead.expected_revenue = revenue
        return registration, lead

    def _lead(self, partner, name, revenue):
        return self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "channel_partner_id": partner.id if partner else False,
                "expected_revenue": revenue,
            }
        )

    def _figures(self, user):
        """{(registered, won status): (count, expected revenue)} and {registered: win
        rate} as the menu shows them to `user`."""
        action = self.env["ir.actions.act_window"]._for_xml_id(ACTION)
        Lead = self.env["crm.lead"].with_user(user).with_context(**safe_eval(action["context"]))
        # the demo data's deals left out
        domain = safe_eval(action["domain"]) + [
            ("channel_partner_id", "in", (self.dist_a | self.dist_b).ids)
        ]
        counts = {
            (registered, status): (count, revenue)
            for registered, status, count, revenue in Lead._read_group(
                domain, ["is_registered_deal", "won_status"], ["__count", "expected_revenue:sum"]
            )
        }
        rates = dict(Lead._read_group(domain, ["is_registered_deal"], ["deal_win_rate:avg"]))
        by_partner = {
            (registered, partner): count
            for registered, partner, count in Lead._read_group(
                domain, ["is_registered_deal", "channel_partner_id"], ["__count"]
            )
        }
        return counts, rates, by_partner

    def test_registered_deal_follows_the_registration(self):
        registration = self._submitted(self.dist_a)
        self.assertFalse(registration.lead_id)
        registration.with_user(self.user_channel).action_approve()
        lead = registration.lead_id
        self.assertTrue(lead.is_registered_deal)
        lead.action_set_lost()
        self.assertEqual(registration.state, "lost")
        self.assertTrue(lead.is_registered_deal, "a lost registered deal stays registered")
        self.assertFalse(self._lead(self.dist_a, "T-direct", 1_000).is_registered_deal)

    def test_linked_opportunity_becomes_registered(self):
        lead = self._lead(self.dist_b, "T-open deal", 5_000)
        self.assertFalse(lead.is_registered_deal)
        registration = self._submitted(self.dist_a, link_lead_id=lead.id)
        self.assertFalse(lead.is_registered_deal, "submitted: not approved yet")
        registration.with_user(self.user_channel).action_approve()
        self.assertEqual(registration.lead_id, lead)
        self.assertTrue(lead.is_registered_deal)

    def test_win_rate_registered_vs_unregistered(self):
        _reg, won_1 = self._approved_lead("杭州云帆科技有限公司", "91330100AA0000001", 100_000)
        _reg, won_2 = self._approved_lead("苏州精工电子有限公司", "91320500AA0000002", 200_000)
        _reg, lost_1 = self._approved_lead("南京华远物流有限公司", "91320100AA0000003", 50_000)
        _reg, _open = self._approved_lead("宁波海通贸易有限公司", "91330200AA0000004", 70_000)
        (won_1 | won_2).action_set_won()
        lost_1.action_set_lost()
        # unregistered: partner A won 1 (30,000) and lost 2 (10,000 + 20,000), partner B
        # won 1 (40,000) and lost 1 (5,000); a direct deal without channel partner won
        a_won, a_lost_1, a_lost_2, b_won, b_lost, direct = (
            self._lead(self.dist_a, "T-A won", 30_000),
            self._lead(self.dist_a, "T-A lost 1", 10_000),
            self._lead(self.dist_a, "T-A lost 2", 20_000),
            self._lead(self.dist_b, "T-B won", 40_000),
            self._lead(self.dist_b, "T-B lost", 5_000),
            self._lead(False, "T-direct won", 999_000),
        )
        (a_won | b_won | direct).action_set_won()
        (a_lost_1 | a_lost_2 | b_lost).action_set_lost()
        self._lead(self.dist_b, "T-B still open", 8_000)

        counts, rates, by_partner = self._figures(self.user_channel)
        self.assertEqual(
            counts,
            {
                (True, "won"): (2, 300_000),
                (True, "lost"): (1, 50_000),
                (False, "won"): (2, 70_000),
                (False, "lost"): (3, 35_000),
            },
        )
        # registered 2 of 3 won, unregistered 2 of 5
        self.assertAlmostEqual(rates[True], 200 / 3)
        self.assertAlmostEqual(rates[False], 40.0)
        self.assertEqual(
            by_partner,
            {(True, self.dist_a): 3, (False, self.dist_a): 3, (False, self.dist_b): 2},
        )

    def test_menu_for_channel_and_sales_managers(self):
        menu = self.env.ref("sales_pm_collab.menu_channel_registered_deals")
        for user, visible in (
            (self.user_channel, True),
            (self.user_sales_manager, True),
            (self.user_rep, False),
            (self.user_finance, False),
        ):
            with self.subTest(user=user.login):
                menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
                self.assertEqual(menu.id in menus, visible)

    def test_registered_flag_cannot_be_forged(self):
        lead = self._lead(self.dist_a, "T-forged", 1_000)
        lead.action_set_lost()
        for user in (self.user_channel, self.user_sales_manager, self.user_rep):
            for context in ({}, FORGED):
                with self.subTest(user=user.login, context=context):
                    Lead = self.env["crm.lead"].with_user(user).with_context(**context)
                    with self.assertRaises(AccessError), self.env.cr.savepoint():
                        Lead.browse(lead.id).write({"is_registered_deal": True})
                    with self.assertRaises(AccessError), self.env.cr.savepoint():
                        Lead.browse(lead.id).write({"deal_win_rate": 100})
                    created = Lead.create(
                        {
                            "name": "T-forged new",
                            "type": "opportunity",
                            "channel_partner_id": self.dist_a.id,
                        }
                    )
                    self.assertFalse(created.is_registered_deal)
                    self.assertEqual(created.deal_win_rate, 0)
                    with self.assertRaises(AccessError), self.env.cr.savepoint():
                        Lead.create({"name": "T-forged 2", "is_registered_deal": True})
        lead.invalidate_recordset()
        self.assertEqual((lead.is_registered_deal, lead.deal_win_rate), (False, 0))
