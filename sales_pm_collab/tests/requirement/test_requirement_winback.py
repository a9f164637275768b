from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from ..common import MODULE
from .common import INTERNAL_KEYS, RequirementCommon

QUIET = ("odoo.addons.base.models.ir_rule", "odoo.models")


class TestRequirementWinback(RequirementCommon):
    """Win-back: the deals lost for a requirement are offered back when it ships."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.winback_months = 6
        cls.release = cls.env["product.release"].create(
            {"name": "CloudPOS 9.9", "product_id": cls.product.id, "user_id": cls.user_pm.id}
        )
        cls.lost_a = cls._lead(cls.contact_a, 100000, user=cls.user_rep)
        cls.lost_b = cls._lead(cls.contact_b, 40000, user=cls.user_sales_manager)
        cls.open_c = cls._lead(cls.contact_c, 30000, user=cls.user_rep)
        cls.offline = cls._requirement(
            "Offline mode",
            release_id=cls.release.id,
            stage_id=cls.stage_development.id,
            user_id=cls.user_pm.id,
            lead_ids=[Command.set([cls.lost_a.id, cls.lost_b.id, cls.open_c.id])],
        )
        cls.fapiao = cls._requirement(
            "E-invoices at the POS",
            stage_id=cls.stage_planned.id,
            lead_ids=[Command.set([cls.lost_a.id])],
        )
        cls.winback_type = cls.env.ref(f"{MODULE}.mail_activity_type_winback")
        (cls.lost_a | cls.lost_b).action_set_lost(lost_reason_id=cls.lost_reason_feature.id)

    def _ship(self, release=None, day=date(2026, 3, 2)):
        release = release or self.release
        release.date_released = day
        release.with_user(self.user_pm).action_mark_released()

    def _winback_activities(self, leads):
        """The open win-back activities of `leads` (done ones are archived)."""
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", leads.ids),
                ("activity_type_id", "=", self.winback_type.id),
            ]
        )

    # === Losing remembers what for === #

    def test_lost_deal_remembers_its_open_requirements(self):
        self.assertEqual(self.lost_a.lost_requirement_ids, self.offline | self.fapiao)
        self.assertEqual(self.lost_b.lost_requirement_ids, self.offline)
        self.assertFalse(self.open_c.lost_requirement_ids, "an open deal is not lost for anything")

    def test_released_or_declined_requirements_are_not_lost_for(self):
        shipped = self._requirement("Already shipped", stage_id=self.stage_released.id)
        declined = self._requirement(
            "Declined", stage_id=self.stage_declined.id, decline_reason="Not our market"
        )
        lead = self._lead(self.contact_c, 5000)
        (shipped | declined | self.fapiao).sudo().lead_ids = [Command.link(lead.id)]
        lead.action_set_lost()
        self.assertEqual(lead.lost_requirement_ids, self.fapiao)

    def test_rep_cannot_write_the_snapshot(self):
        with mute_logger(*QUIET), self.assertRaises(AccessError):
            self.open_c.with_user(self.user_rep).with_context(**INTERNAL_KEYS).write(
                {"lost_requirement_ids": [Command.set(self.offline.ids)]}
            )
        self.assertFalse(self.open_c.lost_requirement_ids)

    # === Shipping offers the deals back === #

    def test_release_offers_each_lost_deal_back_to_its_salesperson(self):
        self._ship()
        winbacks = self.env["crm.lead.winback"].search(
            [("lead_id", "in", (self.lost_a | self.lost_b | self.open_c).ids)]
        )
        self.assertEqual(
            {(w.lead_id, w.requirement_id, w.user_id) for w in winbacks},
            {
                (self.lost_a, self.offline, self.user_rep),
                (self.lost_b, self.offline, self.user_sales_manager),
            },
            "only lost deals, only the shipped requirement",
        )
        self.assertEqual(winbacks.mapped("state"), ["pending", "pending"])
        self.assertEqual(winbacks.lost_reason_id, self.lost_reason_feature)
        self.assertEqual(winbacks.release_id, self.release)
        self.assertEqual(self.lost_a.winback_requirement_ids, self.offline)
        activity = self._winback_activities(self.lost_a)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_rep)
        self.assertIn("测试甲零售有限公司", activity.summary)
        self.assertIn("Offline mode", activity.summary)
        self.assertIn("CloudPOS 9.9", activity.summary)
        self.assertFalse(self._winback_activities(self.open_c))

    def test_team_leader_answers_when_the_salesperson_left(self):
        self.user_rep.action_archive()
        self._ship()
        activity = self._winback_activities(self.lost_a)
        self.assertEqual(activity.user_id, self.team.user_id)
        self.assertEqual(activity.user_id, self.user_sales_manager)

    def test_offered_back_once_even_if_shipped_again(self):
        self._ship()
        second = self.env["product.release"].create(
            {"name": "CloudPOS 9.9.1", "product_id": self.product.id, "user_id": self.user_pm.id}
        )
        self.offline.sudo().release_id = second
        self._ship(second, date(2026, 4, 1))
        winbacks = self.env["crm.lead.winback"].search([("lead_id", "=", self.lost_a.id)])
        self.assertEqual(len(winbacks), 1)
        self.assertEqual(winbacks.release_id, self.release)
        self.assertEqual(len(self._winback_activities(self.lost_a)), 1)

    def test_merged_requirements_offer_the_deal_back_once(self):
        self.fapiao.with_user(self.user_pm).action_merge_into(self.offline.id)
        self.assertEqual(self.lost_a.lost_requirement_ids, self.offline)
        self._ship()
        winbacks = self.env["crm.lead.winback"].search([("lead_id", "=", self.lost_a.id)])
        self.assertEqual(winbacks.requirement_id, self.offline)
        self.assertEqual(len(winbacks), 1)

    def test_users_cannot_make_or_change_winbacks(self):
        self._ship()
        winback = self.env["crm.lead.winback"].search([("lead_id", "=", self.lost_a.id)])
        for user in (self.user_rep, self.user_pm, self.user_sales_manager):
            with (
                self.subTest(user=user.login),
                mute_logger(*QUIET),
                self.assertRaises(AccessError),
            ):
                winback.with_user(user).with_context(**INTERNAL_KEYS).write({"state": "reopened"})
            with (
                self.subTest(user=user.login, op="create"),
                mute_logger(*QUIET),
                self.assertRaises(AccessError),
            ):
                self.env["crm.lead.winback"].with_user(user).create(
                    {"lead_id": self.open_c.id, "requirement_id": self.offline.id}
                )
        self.assertEqual(winback.state, "pending")

    def test_rep_sees_only_winbacks_of_own_deals(self):
        self._ship()
        seen = self.env["crm.lead.winback"].with_user(self.user_rep).search([])
        self.assertEqual(seen.lead_id, self.lost_a)
        all_seen = self.env["crm.lead.winback"].with_user(self.user_pm).search([])
        self.assertEqual(all_seen.lead_id, self.lost_a | self.lost_b)

    # === Answers === #

    def test_reopen_restores_the_deal_at_its_stage(self):
        stage = self.lost_a.stage_id
        self._ship()
        self.lost_a.with_user(self.user_rep).action_winback_reopen()
        self.assertTrue(self.lost_a.active)
        self.assertEqual(self.lost_a.stage_id, stage)
        self.assertGreater(self.lost_a.probability, 0)
        winback = self.lost_a.winback_ids
        self.assertEqual(winback.state, "reopened")
        self.assertEqual(winback.answered_uid, self.user_rep)
        self.assertFalse(self.lost_a.winback_requirement_ids)
        self.assertFalse(self._winback_activities(self.lost_a), "the activity is done")
        self.assertIn("Offline mode", self.lost_a.message_ids[0].body)

    def test_reopen_needs_a_pending_winback_and_write_access(self):
        with self.assertRaises(UserError):
            self.open_c.with_user(self.user_rep).action_winback_reopen()
        self._ship()
        # the rep does not sell lost_b (the sales manager does) and may not edit it
        other_rep = self.user_rep.copy({"login": "winback_other_rep"})
        with mute_logger(*QUIET), self.assertRaises(AccessError):
            self.lost_a.with_user(other_rep).with_context(**INTERNAL_KEYS).action_winback_reopen()
        self.assertFalse(self.lost_a.active)
        self.assertEqual(self.lost_a.winback_ids.state, "pending")

    def test_dismiss_needs_a_reason(self):
        self._ship()
        for reason in (False, "", "   ", 42):
            with self.subTest(reason=reason), self.assertRaises(UserError):
                self.lost_a.with_user(self.user_rep).action_winback_dismiss(reason)
        self.lost_a.with_user(self.user_rep).action_winback_dismiss(
            "Signed with a competitor for three years"
        )
        winback = self.lost_a.winback_ids
        self.assertEqual(winback.state, "dismissed")
        self.assertEqual(winback.dismiss_reason, "Signed with a competitor for three years")
        self.assertFalse(self.lost_a.active, "the deal stays lost")
        self.assertFalse(self._winback_activities(self.lost_a))
        with self.assertRaises(UserError):
            self.lost_a.with_user(self.user_rep).action_winback_reopen()

    def test_dismiss_wizard(self):
        self._ship()
        wizard = (
            self.env["crm.lead.winback.dismiss"]
            .with_user(self.user_rep)
            .create({"lead_ids": [Command.set(self.lost_a.ids)], "reason": "Budget frozen"})
        )
        wizard.action_dismiss()
        self.assertEqual(self.lost_a.winback_ids.dismiss_reason, "Budget frozen")

    # === What it brought back === #

    def test_revenue_won_back_and_after_release(self):
        self._ship()
        self.lost_a.with_user(self.user_rep).action_winback_reopen()
        self.lost_a.with_user(self.user_rep).action_set_won()
        # customer B (lost_b stays lost) orders 2 months after the release, and once
        # before it and once 7 months after (outside the 6-month window)
        product = self.env["product.product"].create({"name": "Winback test item", "list_price": 1})
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.contact_b.id,
                    "date_order": when,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": 1, "price_unit": amount}
                        )
                    ],
                }
                for when, amount in (
                    (datetime(2026, 5, 4, 10), 12000.0),
                    (datetime(2026, 2, 1, 10), 999.0),
                    (datetime(2026, 10, 5, 10), 777.0),
                )
            ]
        )
        orders.action_confirm()
        # confirming dates the orders today: put them back where the test needs them
        for order, when in zip(
            orders,
            (datetime(2026, 5, 4, 10), datetime(2026, 2, 1, 10), datetime(2026, 10, 5, 10)),
            strict=True,
        ):
            order.date_order = when
        # lost_a won now (date_closed today, outside the window of March 2026 + 6 months
        # unless today is in it): pin it inside the window
        self.lost_a.date_closed = datetime(2026, 6, 1, 10)
        # stored for the dashboards: the daily cron brings in the orders and deals
        self.env["product.requirement"]._cron_revenue_won_after_release()
        self.env.invalidate_all()
        self.assertEqual(self.offline.revenue_won_back, 100000.0)
        self.assertEqual(self.release.revenue_won_back, 100000.0)
        # A won 100,000 without an order; B ordered 12,000 in the window
        self.assertEqual(self.offline.revenue_won_after_release, 112000.0)
        self.assertEqual(self.release.revenue_won_after_release, 112000.0)
        self.assertEqual(self.fapiao.revenue_won_after_release, 0.0, "not released")
        winback = self.lost_a.winback_ids
        self.assertTrue(winback.won)
        self.assertEqual(winback.won_rate, 100.0)

    def test_no_collaboration_role_sees_no_change(self):
        # a core salesperson without a Collaboration role loses a deal and opens it
        core = self.env["res.users"].create(
            {
                "name": "Core Seller",
                "login": "winback_core_seller",
                "group_ids": [Command.set([self.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        lead = self._lead(self.contact_c, 1000, user=core)
        lead.with_user(core).action_set_lost()
        self.assertFalse(lead.with_user(core).active)
        fields_read = lead.with_user(core).fields_get()
        self.assertNotIn("winback_requirement_ids", fields_read)
        self.assertNotIn("lost_requirement_ids", fields_read)
