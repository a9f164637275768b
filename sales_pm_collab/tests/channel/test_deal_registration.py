from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import DealRegistrationCommon

TODAY = date(2026, 3, 2)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDealRegistration(DealRegistrationCommon):
    """Deal registration (项目报备): input, the conflict check, first approved wins,
    protection, expiry, orders of others, won/lost from the opportunity."""

    # === bad input === #
    def test_customer_name_required(self):
        with self.assertRaises(ValidationError):
            self._registration(self.dist_a, customer_name="  ")

    def test_submit_needs_the_address(self):
        registration = self._registration(self.dist_a, city=False)
        with self.assertRaisesRegex(UserError, "city"):
            registration.action_submit()
        registration.write({"city": "上海", "country_id": False})
        with self.assertRaisesRegex(UserError, "country"):
            registration.action_submit()
        self.assertEqual(registration.state, "draft")

    def test_close_date_in_the_past_is_refused(self):
        registration = self._registration(
            self.dist_a, expected_close_date=TODAY - timedelta(days=1)
        )
        with self.assertRaisesRegex(UserError, "in the past"):
            registration.action_submit()
        # today is not the past
        registration.expected_close_date = TODAY
        registration.action_submit()
        self.assertEqual(registration.state, "submitted")

    def test_only_channel_partners_register(self):
        with self.assertRaisesRegex(ValidationError, "not a channel partner"):
            self._registration(self.customer_x)

    def test_twice_the_same_customer_while_pending(self):
        first = self._submitted(self.dist_a)
        second = self._registration(
            self.dist_a, customer_name="上海 瑞达精密机械 有限公司", customer_vat=False
        )
        with self.assertRaises(UserError) as caught:
            second.action_submit()
        self.assertIn(first.name, str(caught.exception))
        self.assertIn(f"/my/registrations/{first.id}", str(caught.exception))
        self.assertEqual(second.state, "draft")

    def test_reference_from_the_sequence(self):
        registration = self._submitted(self.dist_a)
        self.assertRegex(registration.name, r"^REG/2026/\d+$")

    def test_approve_rejected_or_expired_is_refused(self):
        rejected = self._submitted(self.dist_a)
        rejected.with_user(self.user_channel).action_reject(reason="Key account")
        self.assertEqual(rejected.state, "rejected")
        self.assertEqual(rejected.reject_reason, "Key account")
        with self.assertRaisesRegex(UserError, "only a submitted"):
            rejected.with_user(self.user_channel).action_approve()
        expired = self._approved(self.dist_b, customer_name="T-Other", customer_vat="9133X")
        self.env["crm.deal.registration"]._cron_expire_registrations(
            today=expired.protection_until + timedelta(days=1)
        )
        self.assertEqual(expired.state, "expired")
        with self.assertRaisesRegex(UserError, "only a submitted"):
            expired.with_user(self.user_channel).action_approve()

    def test_reject_without_reason_asks_it(self):
        registration = self._submitted(self.dist_a)
        action = registration.with_user(self.user_channel).action_reject()
        self.assertEqual(action["res_model"], "crm.deal.registration.reject.wizard")
        self.assertEqual(registration.state, "submitted")
        wizard = (
            self.env["crm.deal.registration.reject.wizard"]
            .with_user(self.user_channel)
            .with_context(**action["context"])
            .create({"reason": "Direct account"})
        )
        wizard.action_reject()
        self.assertEqual(
            (registration.state, registration.reject_reason), ("rejected", "Direct account")
        )

    # === first approved wins === #
    def test_protected_customer_refused_for_another_partner(self):
        first = self._approved(self.dist_a)
        other = self._registration(self.dist_b, customer_vat=" 91310000-MA1FL0XX1 ")
        with self.assertRaises(UserError) as caught:
            other.action_submit()
        message = str(caught.exception)
        self.assertIn("protected until", message)
        self.assertIn(fields.Date.to_string(first.protection_until)[:4], message)
        self.assertEqual(other.state, "draft")
        # the same customer by name and city (no tax id)
        by_name = self._registration(
            self.dist_b, customer_vat=False, customer_name="上海瑞达精密机械（有限公司）"
        )
        with self.assertRaisesRegex(UserError, "protected until"):
            by_name.action_submit()
        # same name, another city: another customer
        elsewhere = self._registration(self.dist_b, customer_vat=False, city="苏州")
        elsewhere.action_submit()
        self.assertEqual(elsewhere.state, "submitted")

    def test_first_approved_wins_among_pending(self):
        reg_a = self._submitted(self.dist_a)
        reg_b = self._submitted(self.dist_b)
        # B sees A's pending claim with its timestamp
        conflict = reg_b.conflict_ids.filtered(lambda c: c.kind == "registration")
        self.assertEqual(conflict.other_registration_id, reg_a)
        self.assertEqual(conflict.owner_ids, self.dist_a)
        self.assertEqual(conflict.date, reg_a.submit_date)
        reg_b.with_user(self.user_channel).action_approve()
        with self.assertRaisesRegex(UserError, "already registered by another partner"):
            reg_a.with_user(self.user_channel).action_approve()
        self.assertEqual(reg_a.state, "submitted")

    def test_conflict_check_lists_direct_opportunity_and_territory(self):
        customer = self.env["res.partner"].create(
            {"name": "上海瑞达精密机械有限公司", "is_company": True, "city": "上海", "vat": "X1"}
        )
        contact = self.env["res.partner"].create({"name": "T-buyer", "parent_id": customer.id})
        direct = self.env["crm.lead"].create(
            {"name": "T-direct", "type": "opportunity", "partner_id": contact.id}
        )
        # a channel partner's opportunity is no direct sale
        self.env["crm.lead"].create(
            {
                "name": "T-channel",
                "type": "opportunity",
                "partner_id": customer.id,
                "channel_partner_id": self.dist_a.id,
            }
        )
        registration = self._submitted(self.dist_b, customer_vat=False)
        by_kind = {c.kind: c for c in registration.conflict_ids}
        self.assertEqual(by_kind["opportunity"].lead_id, direct)
        self.assertEqual(by_kind["territory"].territory_id, self.east)
        self.assertEqual(by_kind["territory"].owner_ids, self.dist_a)
        self.assertEqual(len(registration.conflict_ids), 2)
        # the territory's owner has no territory conflict of its own
        own = self._submitted(self.dist_a, customer_name="T-Shanghai other", customer_vat=False)
        self.assertFalse(own.conflict_ids)

    # === approval === #
    def test_approve_creates_customer_and_opportunity(self):
        registration = self._approved(self.dist_a, expected_revenue=300000)
        lead = registration.lead_id
        self.assertEqual(lead.channel_partner_id, self.dist_a)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.expected_revenue, 300000)
        self.assertEqual(lead.partner_id, registration.customer_partner_id)
        self.assertEqual(registration.customer_partner_id.vat, "91310000MA1FL0XX1")
        self.assertEqual(registration.protection_until, TODAY + timedelta(days=90))
        # an existing customer (by tax id) is matched, not duplicated
        existing = self.env["res.partner"].create(
            {"name": "T-known", "is_company": True, "vat": "91440300MA5XXXX"}
        )
        other = self._approved(
            self.dist_b, customer_name="T-known Ltd", customer_vat="91440300MA5XXXX"
        )
        self.assertEqual(other.customer_partner_id, existing)

    def test_approve_links_chosen_opportunity(self):
        lead = self.env["crm.lead"].create({"name": "T-direct", "type": "opportunity"})
        registration = self._submitted(self.dist_a)
        registration.with_user(self.user_channel).link_lead_id = lead
        registration.with_user(self.user_channel).action_approve()
        self.assertEqual(registration.lead_id, lead)
        self.assertEqual(lead.channel_partner_id, self.dist_a)

    def test_protection_days_from_company(self):
        self.env.company.deal_registration_days = 30
        registration = self._approved(self.dist_a)
        self.assertEqual(registration.protection_until, TODAY + timedelta(days=30))
        with self.assertRaises(ValidationError):
            self.env.company.deal_registration_days = 0

    # === protection window === #
    def test_protection_window_boundaries(self):
        registration = self._approved(self.dist_a)
        until = registration.protection_until
        Registration = self.env["crm.deal.registration"]
        for day, protected in ((until, True), (until + timedelta(days=1), False)):
            with freeze_time(day):
                found = Registration._find_registration_conflicts(
                    self._registration(self.dist_b, expected_close_date=day)._conflict_items()
                )
                self.assertEqual(bool(next(iter(found.values()))["protected"]), protected, day)
                self.assertEqual(registration._protected_on(day), protected)
        # the last protected day refuses another partner, the day after accepts it
        with freeze_time(until):
            with self.assertRaisesRegex(UserError, "protected until"):
                self._submitted(self.dist_b, expected_close_date=until)
        with freeze_time(until + timedelta(days=1)):
            late = self._submitted(self.dist_b, expected_close_date=until + timedelta(days=9))
            self.assertEqual(late.state, "submitted")

    def test_extend_once(self):
        registration = self._approved(self.dist_a)
        until = registration.protection_until
        with self.assertRaises(AccessError):
            registration.with_user(self.user_rep).action_extend()
        registration.with_user(self.user_channel).action_extend()
        self.assertEqual(registration.protection_until, until + timedelta(days=90))
        self.assertTrue(registration.extended)
        with self.assertRaisesRegex(UserError, "already extended"):
            registration.with_user(self.user_channel).action_extend()

    # === expiry === #
    def test_expiry_cron_reminds_then_expires_idempotent(self):
        registration = self._approved(self.dist_a)
        until = registration.protection_until
        Registration = self.env["crm.deal.registration"]
        reminder_day = until - timedelta(days=14)
        self.assertEqual(
            Registration._cron_expire_registrations(today=reminder_day - timedelta(days=1)), (0, 0)
        )
        self.assertEqual(Registration._cron_expire_registrations(today=reminder_day), (1, 0))
        activities = registration.activity_ids.filtered(
            lambda a: a.summary == "Registration protection ends soon"
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.user_channel)
        # again: nothing new
        self.assertEqual(Registration._cron_expire_registrations(today=reminder_day), (0, 0))
        self.assertEqual(Registration._cron_expire_registrations(today=until), (0, 0))
        self.assertEqual(registration.state, "approved")
        messages = len(registration.message_ids)
        self.assertEqual(
            Registration._cron_expire_registrations(today=until + timedelta(days=1)), (0, 1)
        )
        self.assertEqual(registration.state, "expired")
        self.assertEqual(len(registration.message_ids), messages + 1)
        self.assertIn(self.dist_a, registration.message_ids[0].partner_ids)
        self.assertEqual(
            Registration._cron_expire_registrations(today=until + timedelta(days=2)), (0, 0)
        )
        self.assertEqual(len(registration.message_ids), messages + 1)

    # === orders of others === #
    def test_order_of_anyone_else_records_a_registered_deal_conflict(self):
        registration = self._approved(self.dist_a)
        customer = registration.customer_partner_id
        # direct sale to the protected customer
        direct = self._order(customer)
        direct.action_confirm()
        conflict = direct.territory_conflict_ids
        self.assertEqual(len(conflict), 1)
        self.assertEqual(
            (conflict.kind, conflict.registration_id, conflict.owner_ids, conflict.state),
            ("registration", registration, self.dist_a, "open"),
        )
        self.assertEqual(conflict.seller_id, self.env.company.partner_id)
        self.assertTrue(conflict.activity_ids)
        # another channel partner delivering to the customer
        by_b = self._order(self.dist_b, shipping=customer)
        by_b.action_confirm()
        by_b_deal = by_b.territory_conflict_ids.filtered(lambda c: c.kind == "registration")
        self.assertEqual(by_b_deal.seller_id, self.dist_b)
        # the registered deal itself, and the registering partner's own order: no conflict
        own_deal = self._order(customer, opportunity=registration.lead_id)
        own_deal.action_confirm()
        own_order = self._order(self.dist_a, shipping=customer)
        own_order.action_confirm()
        self.assertFalse(own_deal.territory_conflict_ids | own_order.territory_conflict_ids)
        # after the protection: no conflict
        with freeze_time(registration.protection_until + timedelta(days=1)):
            late = self._order(customer)
            late.action_confirm()
            self.assertFalse(late.territory_conflict_ids)

    def test_conflict_recorded_once_per_order(self):
        registration = self._approved(self.dist_a)
        order = self._order(registration.customer_partner_id)
        order.action_confirm()
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(len(order.territory_conflict_ids), 1)

    # === won / lost === #
    def test_won_and_lost_follow_the_opportunity(self):
        registration = self._approved(self.dist_a)
        lead = registration.lead_id
        lead.action_set_won()
        self.assertEqual(registration.state, "won")
        self.assertTrue(registration.close_date)
        # reopened: moved back to a stage that is not won
        lead.write({"stage_id": self.env["crm.stage"].search([("is_won", "=", False)], limit=1).id})
        self.assertEqual(registration.state, "approved")
        lead.action_set_lost()
        self.assertEqual(registration.state, "lost")
        lead.action_unarchive()
        self.assertEqual(registration.state, "approved")
        self.assertFalse(registration.close_date)

    # === new customers KPI === #
    def test_won_registered_deal_is_a_new_customer_of_the_partner(self):
        registration = self._approved(self.dist_a)
        registration.lead_id.action_set_won()
        # the opportunity was handed over to direct sales before it was won: the partner
        # that registered it still gets the new customer
        registration.lead_id.channel_partner_id = False
        Evaluation = self.env["res.partner.grade.evaluation"]
        start, end = TODAY.replace(day=1), TODAY.replace(month=12, day=31)
        found = Evaluation._kpi_new_customers(self.dist_a | self.dist_b, start, end)
        self.assertEqual(found.get(self.dist_a.id), [registration.customer_partner_id.id])
        self.assertFalse(found.get(self.dist_b.id))
        # a customer won before the approval is no new customer
        registration2 = self._approved(self.dist_b, customer_name="T-old", customer_vat="OLD1")
        self.env["crm.lead"].create(
            {
                "name": "T-earlier",
                "type": "opportunity",
                "partner_id": registration2.customer_partner_id.id,
            }
        ).action_set_won()
        self.env["crm.lead"].search([("name", "=", "T-earlier")]).date_closed = (
            fields.Datetime.now() - timedelta(days=30)
        )
        registration2.lead_id.action_set_won()
        registration2.lead_id.channel_partner_id = False
        found = Evaluation._kpi_new_customers(self.dist_a | self.dist_b, start, end)
        self.assertFalse(found.get(self.dist_b.id))
