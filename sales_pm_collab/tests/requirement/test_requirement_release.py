from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..common import MODULE
from .common import RequirementCommon


@tagged("post_install", "-at_install")
class TestRequirementRelease(RequirementCommon):
    """Spec 5: beta enrolment when testing, follow-through when released."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead_a = cls._lead(cls.contact_a, 100000, user=cls.user_rep)
        cls.lead_b = cls._lead(cls.contact_b, 50000, user=cls.user_sales_manager)
        cls.lead_c = cls._lead(cls.contact_c, 30000, user=cls.user_cs)  # contact without email
        cls.release = cls.env["product.release"].create(
            {"name": "CloudPOS 9.9", "product_id": cls.product.id, "user_id": cls.user_pm.id}
        )
        cls.offline = cls._requirement(
            "Offline mode",
            release_id=cls.release.id,
            stage_id=cls.stage_development.id,
            lead_ids=[Command.set([cls.lead_a.id, cls.lead_b.id])],
        )
        cls.fapiao = cls._requirement(
            "E-invoices at the POS",
            release_id=cls.release.id,
            stage_id=cls.stage_planned.id,
            requested_by_id=cls.user_cs.id,
            lead_ids=[Command.set([cls.lead_c.id])],
        )
        cls.declined = cls._requirement(
            "Declined but attached",
            release_id=cls.release.id,
            stage_id=cls.stage_declined.id,
            decline_reason="Not now",
        )
        cls.tell_type = cls.env.ref(f"{MODULE}.mail_activity_type_tell_customer")
        cls.beta_type = cls.env.ref(f"{MODULE}.mail_activity_type_beta_test")

    def _activities(self, records, activity_type):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )

    def test_start_testing_enrols_requesters(self):
        self.release.with_user(self.user_pm).action_start_testing()
        self.assertEqual(self.release.state, "testing")
        self.assertEqual(self.offline.stage_id, self.stage_testing)
        self.assertEqual(self.fapiao.stage_id, self.stage_testing)
        self.assertEqual(self.declined.stage_id, self.stage_declined, "declined ones stay")
        self.assertEqual(self.release.beta_user_ids, self.user_rep | self.user_cs)
        activities = self._activities(self.release, self.beta_type)
        self.assertEqual(activities.user_id, self.user_rep | self.user_cs)
        self.assertIn(
            "Offline mode", activities.filtered(lambda a: a.user_id == self.user_rep).note
        )
        invitation = self.release.message_ids[0]
        self.assertIn("Beta test started", invitation.body)
        self.assertEqual(invitation.partner_ids, (self.user_rep | self.user_cs).partner_id)
        self.assertIn(self.user_rep.partner_id, self.release.message_partner_ids)
        with self.assertRaisesRegex(UserError, "only a planned release"):
            self.release.with_user(self.user_pm).action_start_testing()

    def test_start_testing_needs_requirements(self):
        empty = self.env["product.release"].create({"name": "Empty 1.0"})
        with self.assertRaisesRegex(UserError, "has no requirements"):
            empty.with_user(self.user_pm).action_start_testing()

    def test_release_refused_without_requirements(self):
        empty = self.env["product.release"].create({"name": "Empty 1.0"})
        with self.assertRaisesRegex(UserError, "has no requirements"):
            empty.with_user(self.user_pm).action_mark_released()
        self.assertEqual(empty.state, "planned")

    def test_release_without_date_asks_for_it(self):
        """Issue 17 item 6: no error, a small dialog asking for the date, today by
        default; confirming it sets the date and releases."""
        action = self.release.with_user(self.user_pm).action_mark_released()
        self.assertEqual(self.release.state, "planned", "nothing done before the date")
        self.assertEqual(action["res_model"], "product.release.date.wizard")
        self.assertEqual(action["target"], "new")
        Wizard = (
            self.env[action["res_model"]].with_user(self.user_pm).with_context(**action["context"])
        )
        wizard = Wizard.create({})
        self.assertEqual(wizard.release_ids, self.release)
        self.assertEqual(wizard.date_released, fields.Date.context_today(wizard))
        wizard.date_released = fields.Date.to_date("2026-03-02")
        wizard.action_mark_released()
        self.assertEqual(self.release.state, "released")
        self.assertEqual(self.release.date_released, fields.Date.to_date("2026-03-02"))
        self.assertEqual(self.offline.stage_id, self.stage_released)
        # only product managers confirm it
        other = self.env["product.release"].create({"name": "CloudPOS 9.10"})
        self._requirement("Other", release_id=other.id)
        with self.assertRaises(AccessError):
            Wizard.with_user(self.user_rep).create({"release_ids": [Command.set(other.ids)]})

    def test_release_closes_the_beta_test_activities(self):
        """Issue 17 item 6: the open Beta Test activities of the release are done once it
        is released (logged as done, with why); other activities stay."""
        self.release.with_user(self.user_pm).action_start_testing()
        beta = self._activities(self.release, self.beta_type)
        self.assertEqual(len(beta), 2)
        manual = self.release.activity_schedule(
            "sales_pm_collab.mail_activity_type_beta_test", user_id=self.user_pm.id
        )
        todo = self.release.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_pm.id
        )
        self.release.date_released = fields.Date.today()
        self.release.with_user(self.user_pm).action_mark_released()
        self.assertFalse(self._activities(self.release, self.beta_type), "beta test over")
        self.assertFalse(manual.active)
        self.assertTrue(todo.active, "other activities stay")
        done = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search([("id", "in", (beta | manual).ids)])
        )
        self.assertEqual(len(done), 3)
        self.assertTrue(all(not a.active for a in done), "kept as done")
        self.assertIn("the beta test is over", " ".join(self.release.message_ids.mapped("body")))

    def test_mark_released_tells_everyone(self):
        self.release.write({"date_released": fields.Date.today(), "state": "testing"})
        mails_before = self.env["mail.mail"].search([])
        self.release.with_user(self.user_pm).action_mark_released()
        self.assertEqual(self.release.state, "released")
        self.assertEqual((self.offline | self.fapiao).stage_id, self.stage_released)
        self.assertEqual(self.declined.stage_id, self.stage_declined)
        # the requester of each requirement: message and activity on the requirement
        activity = self._activities(self.offline, self.tell_type)
        self.assertEqual(activity.user_id, self.user_rep)
        self.assertIn("Offline mode shipped in CloudPOS 9.9", activity.summary)
        self.assertIn(self.customer_a.name, activity.summary)
        self.assertIn(self.customer_b.name, activity.summary)
        self.assertEqual(self._activities(self.fapiao, self.tell_type).user_id, self.user_cs)
        shipped = self.offline.message_ids.filtered(lambda m: "Shipped in CloudPOS 9.9" in m.body)
        self.assertEqual(shipped.partner_ids, self.user_rep.partner_id)
        # the salesperson of every linked opportunity: on the deal
        lead_activity = self._activities(self.lead_b, self.tell_type)
        self.assertEqual(lead_activity.user_id, self.user_sales_manager)
        self.assertEqual(
            lead_activity.summary,
            f"Tell {self.customer_b.name} that Offline mode shipped in CloudPOS 9.9",
        )
        self.assertEqual(self._activities(self.lead_a, self.tell_type).user_id, self.user_rep)
        self.assertEqual(self._activities(self.lead_c, self.tell_type).user_id, self.user_cs)
        note = self.lead_b.message_ids.filtered(lambda m: "shipped in CloudPOS 9.9" in m.body)
        self.assertEqual(note.partner_ids, self.user_sales_manager.partner_id)
        # no customer email unless switched on
        self.assertFalse(self.release.notify_customers)
        new_mails = self.env["mail.mail"].search([]) - mails_before
        customers = self.contact_a | self.contact_b | self.contact_c
        self.assertFalse(new_mails.filtered(lambda m: m.recipient_ids & customers))
        with self.assertRaisesRegex(UserError, "already released"):
            self.release.with_user(self.user_pm).action_mark_released()

    def test_customer_emails_queued_when_switched_on(self):
        self.release.write(
            {
                "date_released": fields.Date.today(),
                "notify_customers": True,
                "release_notes": "<p>Works offline now.</p>",
            }
        )
        self.assertEqual(
            self.release.mail_template_id,
            self.env.ref(f"{MODULE}.mail_template_requirement_shipped"),
        )
        mails_before = self.env["mail.mail"].search([])
        self.release.with_user(self.user_pm).action_mark_released()
        customers = self.contact_a | self.contact_b | self.contact_c
        mails = (self.env["mail.mail"].search([]) - mails_before).filtered(
            lambda m: m.recipient_ids & customers
        )
        # contacts with an email of the linked deals: A and B (C has no email)
        self.assertEqual(mails.recipient_ids, self.contact_a | self.contact_b)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"}, "queued, not sent")
        self.assertEqual(set(mails.mapped("res_id")), {self.offline.id})
        self.assertIn("Offline mode", mails[0].subject)
        self.assertIn("CloudPOS 9.9", mails[0].subject)
        self.assertIn("Works offline now.", mails[0].body_html)
        emailed = self.lead_a.message_ids.filtered(lambda m: "was emailed" in m.body)
        self.assertTrue(emailed)

    def test_only_product_managers_move_releases(self):
        self.release.date_released = fields.Date.today()
        for user in (self.user_rep, self.user_sales_manager):
            with self.assertRaises(AccessError):
                self.release.with_user(user).action_start_testing()
            with self.assertRaises(AccessError):
                self.release.with_user(user).action_mark_released()

    def test_release_over_rpc_by_role(self):
        """Start Beta Test and Mark Released are contract methods: a product manager calls
        them over RPC on plain ids; every other role is refused and nothing moves."""
        self.release.date_released = fields.Date.today()
        refused = (
            self.user_rep,
            self.user_cs,
            self.user_sales_manager,
            self.user_channel,
            self.user_finance,
        )
        for method in ("action_start_testing", "action_mark_released"):
            for user in refused:
                with self.subTest(method=method, user=user.login), self.assertRaises(AccessError):
                    self._rpc(user, "product.release", method, self.release.ids)
            self.assertEqual(self.release.state, "planned")
        self.assertIs(
            self._rpc(self.user_pm, "product.release", "action_start_testing", self.release.ids),
            True,
        )
        self.assertEqual(self.release.state, "testing")
        self.assertEqual(self.offline.stage_id, self.stage_testing)
        self.assertIs(
            self._rpc(self.user_pm, "product.release", "action_mark_released", self.release.ids),
            True,
        )
        self.assertEqual(self.release.state, "released")
        self.assertEqual((self.offline | self.fapiao).stage_id, self.stage_released)
        self.assertTrue(self._activities(self.lead_b, self.tell_type))

    def test_cancel_and_reset(self):
        self.release.with_user(self.user_pm).action_cancel()
        self.assertEqual(self.release.state, "cancelled")
        self.release.with_user(self.user_pm).action_reset_planned()
        self.assertEqual(self.release.state, "planned")
        self.release.write({"date_released": fields.Date.today()})
        self.release.with_user(self.user_pm).action_mark_released()
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            self.release.with_user(self.user_pm).action_cancel()

    def test_release_figures_and_requirements_action(self):
        self.assertEqual(self.release.requirement_count, 3)
        self.assertEqual(self.release.customer_count, 3)
        self.assertAlmostEqual(self.release.revenue_at_stake, 50000 + 25000 + 15000)
        action = self.release.action_view_requirements()
        self.assertEqual(
            self.Requirement.search(action["domain"]),
            self.offline | self.fapiao | self.declined,
        )

    def test_release_list_figures_in_one_batch(self):
        other = self.env["product.release"].create({"name": "CloudPOS 10.0"})
        self._requirement("Later", release_id=other.id, lead_ids=[Command.link(self.lead_a.id)])
        releases = self.release | other
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=7):
            figures = [(r.requirement_count, r.customer_count) for r in releases]
        self.assertEqual(figures, [(3, 3), (1, 1)])

    def test_rep_sees_planned_date_on_the_deal(self):
        self.release.date_planned = "2030-06-30"
        requirement = self.lead_a.with_user(self.user_rep).requirement_ids
        self.assertEqual(requirement, self.offline)
        self.assertEqual(requirement.release_id, self.release)
        self.assertEqual(str(requirement.release_date_planned), "2030-06-30")
