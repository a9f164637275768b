import re
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import FeedbackCommon

REP = "sales_pm_collab.group_collab_sales_rep"


@tagged("post_install", "-at_install")
class TestFeedbackAccess(FeedbackCommon):
    """Who sees and handles which feedback (behaviour 6)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)
        Partner = cls.env["res.partner"]
        cls.cust_salesperson = Partner.create(
            {"name": "Rep's Own Co", "is_company": True, "user_id": cls.user_rep.id}
        )
        cls.cust_lead = Partner.create({"name": "Lead Co", "is_company": True})
        cls.cust_lead_contact = Partner.create(
            {"name": "Lead Person", "parent_id": cls.cust_lead.id}
        )
        cls.env["crm.lead"].create(
            {"name": "Deal", "partner_id": cls.cust_lead_contact.id, "user_id": cls.user_rep.id}
        )
        cls.cust_order = Partner.create({"name": "Order Co", "is_company": True})
        cls.env["sale.order"].create({"partner_id": cls.cust_order.id, "user_id": cls.user_rep.id})
        cls.cust_other = Partner.create({"name": "Someone Else's Co", "is_company": True})
        cls.other_team = cls.env["crm.team"].create({"name": "Other Team"})
        # a channel partner, and a customer of an opportunity won with it
        cls.channel_partner = Partner.create(
            {"name": "Distributor Co", "is_company": True, "channel_type": "distributor_l1"}
        )
        cls.cust_channel = Partner.create({"name": "Channel Customer Co", "is_company": True})
        cls.env["crm.lead"].create(
            {
                "name": "Won through the distributor",
                "type": "opportunity",
                "partner_id": cls.cust_channel.id,
                "channel_partner_id": cls.channel_partner.id,
            }
        ).action_set_won()

        def make(name, partner, **vals):
            return cls.env["customer.feedback"].create(
                {
                    "name": name,
                    "partner_id": partner.id,
                    "kind": "question",
                    "user_id": cls.user_cs.id,
                    "team_id": cls.other_team.id,
                    **vals,
                }
            )

        cls.fb_salesperson = make("Salesperson", cls.cust_salesperson)
        cls.fb_lead = make("Lead", cls.cust_lead_contact)
        cls.fb_order = make("Order", cls.cust_order)
        cls.fb_owned = make("Owned by rep", cls.cust_other, user_id=cls.user_rep.id)
        cls.fb_other_complaint = make("Other complaint", cls.cust_other, kind="complaint")
        cls.fb_other_question = make("Other question", cls.cust_other)
        cls.fb_team = make("Team", cls.cust_other, team_id=cls.team.id)
        cls.fb_channel_customer = make("Channel customer", cls.cust_channel)
        cls.fb_channel_partner = make("Channel partner", cls.channel_partner)
        cls.all_feedback = (
            cls.fb_salesperson
            | cls.fb_lead
            | cls.fb_order
            | cls.fb_owned
            | cls.fb_other_complaint
            | cls.fb_other_question
            | cls.fb_team
            | cls.fb_channel_customer
            | cls.fb_channel_partner
        )

    def _visible(self, user):
        return self.Feedback.with_user(user).search([("id", "in", self.all_feedback.ids)])

    def test_rep_sees_feedback_of_own_customers(self):
        visible = self._visible(self.user_rep)
        self.assertEqual(
            visible, self.fb_salesperson | self.fb_lead | self.fb_order | self.fb_owned
        )
        with self.assertRaises(AccessError):
            self.fb_other_question.with_user(self.user_rep).read(["name"])
        self.assertEqual(
            self.fb_lead.with_user(self.user_rep).sales_user_ids,
            self.user_rep,
        )

    def test_rep_sees_a_customer_given_in_the_same_transaction(self):
        """The rule reads salespeople in SQL: changes not flushed yet count too."""
        self.env.flush_all()
        self.cust_other.user_id = self.user_rep
        self.assertIn(self.fb_other_question, self._visible(self.user_rep))
        self.assertEqual(self.fb_other_question.with_user(self.user_rep).name, "Other question")
        # an opportunity or an order created in the same transaction
        for model, customer, feedback, vals in (
            ("crm.lead", self.cust_salesperson, self.fb_salesperson, {"name": "New deal"}),
            ("sale.order", self.cust_lead, self.fb_lead, {}),
        ):
            with self.subTest(model=model):
                self.env[model].create(
                    {"partner_id": customer.id, "user_id": self.user_pm.id, **vals}
                )
                found = self.Feedback.search(
                    [("sales_user_ids", "in", self.user_pm.ids), ("id", "=", feedback.id)]
                )
                self.assertEqual(found, feedback)

    def test_rep_creates_and_edits_but_does_not_delete(self):
        Feedback = self.Feedback.with_user(self.user_rep)
        logged = Feedback.create({"name": "Logged at a visit", "partner_id": self.cust_other.id})
        self.assertEqual(logged.user_id, self.user_rep)
        self.assertEqual(
            Feedback.search([("id", "=", logged.id)]), logged, "they see what they log"
        )
        self.fb_lead.with_user(self.user_rep).write({"priority": "high"})
        with self.assertRaises(AccessError):
            self.fb_other_question.with_user(self.user_rep).write({"priority": "high"})
        with self.assertRaises(AccessError):
            self.fb_lead.with_user(self.user_rep).unlink()

    def test_customer_service_and_pm_see_and_handle_all(self):
        for user in (self.user_cs, self.user_pm, self.user_admin):
            with self.subTest(user=user.login):
                self.assertEqual(self._visible(user), self.all_feedback)
        self.fb_other_question.with_user(self.user_cs).action_acknowledge()
        self.fb_other_question.with_user(self.user_pm).action_resolve()
        self.assertEqual(self.fb_other_question.state, "resolved")
        self.fb_order.with_user(self.user_cs).unlink()

    def test_sales_manager_sees_their_team(self):
        self.assertEqual(self._visible(self.user_sales_manager), self.fb_team)
        self.fb_team.with_user(self.user_sales_manager).write({"priority": "urgent"})
        with self.assertRaises(AccessError):
            self.fb_team.with_user(self.user_sales_manager).unlink()
        # a team member (not leader) manager sees the team too
        member = self.env["res.users"].create(
            {
                "name": "Member Manager",
                "login": "member_manager",
                "group_ids": [Command.set(self.env.ref("sales_team.group_sale_manager").ids)],
            }
        )
        self.team.member_ids |= member
        self.assertEqual(self._visible(member), self.fb_team)

    def test_finance_reads_complaints_only(self):
        self.assertEqual(self._visible(self.user_finance), self.fb_other_complaint)
        with self.assertRaises(AccessError):
            self.fb_other_complaint.with_user(self.user_finance).write({"priority": "low"})
        with self.assertRaises(AccessError):
            self.Feedback.with_user(self.user_finance).create(
                {"name": "No", "partner_id": self.cust_other.id}
            )

    def test_channel_manager_reads_channel_feedback_only(self):
        """Channel managers read the feedback of channel partners and of their customers
        (the satisfaction KPI's), and change nothing."""
        visible = self._visible(self.user_channel)
        self.assertEqual(visible, self.fb_channel_customer | self.fb_channel_partner)
        with self.assertRaises(AccessError):
            self.fb_lead.with_user(self.user_channel).read(["name"])
        with self.assertRaises(AccessError):
            self.fb_channel_customer.with_user(self.user_channel).write({"priority": "high"})
        with self.assertRaises(AccessError):
            self.fb_channel_customer.with_user(self.user_channel).unlink()
        with self.assertRaises(AccessError):
            self.Feedback.with_user(self.user_channel).create(
                {"name": "No", "partner_id": self.cust_channel.id}
            )

    def test_no_access_for_other_roles(self):
        with self.assertRaises(AccessError):
            self.Feedback.with_user(self.user_employee).search([])
        # a portal user without a customer company: only its own (none)
        self.assertFalse(self.Feedback.with_user(self.user_portal).search([]))
        partner = self.customer.with_user(self.user_employee)
        self.assertNotIn("feedback_count", partner.fields_get())
        self.assertEqual(partner.read(["name"])[0]["name"], self.customer.name)

    def test_portal_customers_see_only_their_own(self):
        """Portal customers read (never change) their own company's feedback: the
        customer portal's pages (tests in test_portal_feedback, test_ui_portal_feedback)."""
        portal = self.user_portal
        portal.partner_id.parent_id = self.cust_lead
        self.assertEqual(self.Feedback.with_user(portal).search([]), self.fb_lead)
        domain = self.env["ir.rule"].with_user(portal)._compute_domain(self.Feedback._name, "read")
        self.assertEqual(self.all_feedback.filtered_domain(domain), self.fb_lead)

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.Feedback.with_company(other).create(
            {
                "name": "Elsewhere",
                "partner_id": self.cust_other.id,
                "company_id": other.id,
                "user_id": False,
                "team_id": False,
            }
        )
        self.assertFalse(self.Feedback.with_user(self.user_cs).search([("id", "=", foreign.id)]))
        self.user_cs.company_ids |= other
        visible = (
            self.Feedback.with_user(self.user_cs)
            .with_context(allowed_company_ids=[self.env.company.id, other.id])
            .search([("id", "=", foreign.id)])
        )
        self.assertEqual(visible, foreign)

    def test_sla_policies_are_configured_by_the_administrator(self):
        policy = self.Sla.search([], limit=1)
        for user in (self.user_rep, self.user_cs, self.user_pm, self.user_finance):
            with self.subTest(user=user.login):
                self.assertTrue(policy.with_user(user).name)
                with self.assertRaises(AccessError):
                    policy.with_user(user).write({"first_response_hours": 1})
        policy.with_user(self.user_admin).write({"first_response_hours": 1})
        self.assertEqual(policy.first_response_hours, 1)

    def test_rating_request_and_revisit_by_customer_service(self):
        self.fb_other_question.with_user(self.user_cs).action_resolve()
        wizard = (
            self.env["customer.feedback.revisit"]
            .with_user(self.user_cs)
            .create({"feedback_id": self.fb_other_question.id, "satisfaction": "5"})
        )
        wizard.action_confirm()
        self.assertEqual(self.fb_other_question.state, "closed")

    def test_views_open_for_every_role(self):
        """Each role loads the feedback views and the form of a feedback it can read
        (no field or model it cannot read in the views)."""
        readable = {
            self.user_rep: self.fb_lead,
            self.user_cs: self.fb_other_complaint,
            self.user_pm: self.fb_other_complaint,
            self.user_sales_manager: self.fb_team,
            self.user_finance: self.fb_other_complaint,
            self.user_channel: self.fb_channel_customer,
        }
        views = [(False, kind) for kind in ("kanban", "list", "form", "search", "pivot", "graph")]
        for user, feedback in readable.items():
            with self.subTest(user=user.login):
                Feedback = self.Feedback.with_user(user)
                arch = Feedback.get_views(views)
                self.assertIn("form", arch["views"])
                kanban_fields = ["name", "partner_id", "sla_status", "user_id", "activity_ids"]
                self.assertTrue(Feedback.search_read([("id", "=", feedback.id)], kanban_fields))
                form = Form(feedback.with_user(user))
                self.assertEqual(form.name, feedback.name)

    def test_buttons_only_for_those_who_can_edit(self):
        """Read-only roles (rebate accountants, channel managers) see no action button:
        each one would end in an access error."""
        expected = {
            (self.user_finance, self.fb_other_complaint): False,
            (self.user_channel, self.fb_channel_customer): False,
            (self.user_rep, self.fb_lead): True,
            (self.user_cs, self.fb_other_complaint): True,
            (self.user_pm, self.fb_channel_customer): True,
            (self.user_sales_manager, self.fb_team): True,
        }
        for (user, feedback), can_edit in expected.items():
            with self.subTest(user=user.login):
                self.assertEqual(feedback.with_user(user).can_edit, can_edit)
        # a rep who also reads the channel feedback: only what the rep may change
        self.user_rep.group_ids |= self.env.ref("sales_pm_collab.group_collab_channel_manager")
        both = (self.fb_lead | self.fb_channel_customer).with_user(self.user_rep)
        self.assertEqual(both.mapped("can_edit"), [True, False])
        self.assertTrue(Form(self.Feedback.with_user(self.user_rep)).can_edit, "a new one")
        form = self.Feedback.get_views([(False, "form")])["views"]["form"]["arch"]
        buttons = re.findall(r'<button name="action_\w+" type="object"[^>]*>', form)
        header_buttons = [b for b in buttons if "oe_stat_button" not in b]
        self.assertGreaterEqual(len(header_buttons), 8)
        for button in header_buttons:
            self.assertIn("not can_edit", button)

    def test_escalation_recipients_open_what_they_are_asked_to_handle(self):
        """Level 1 goes to the team leader, level 2 to the escalation manager, the
        second follow-up to the team leader: each may open and handle the feedback,
        also a leader who is a plain rep and a sales manager outside the team."""
        leader = new_test_user(self.env, login="t_leader_rep", groups="base.group_user," + REP)
        director = new_test_user(
            self.env,
            login="t_director",
            groups="base.group_user,sales_team.group_sale_manager," + REP,
        )
        team = self.env["crm.team"].create({"name": "Led by a rep", "user_id": leader.id})
        self.env.company.feedback_escalation_user_id = director
        feedback = self.Feedback.create(
            {
                "name": "Escalated",
                "partner_id": self.cust_other.id,
                "kind": "complaint",
                "user_id": self.user_cs.id,
                "team_id": team.id,
            }
        )
        for user in (leader, director):
            self.assertFalse(feedback.with_user(user).has_access("read"), user.login)
        feedback._sla_process(feedback.first_response_escalation_date + timedelta(minutes=1))
        self.assertEqual(feedback.escalation_level, 2)
        self.assertEqual(feedback.activity_ids.user_id, leader | director)
        for user in (leader, director):
            with self.subTest(user=user.login):
                self.assertEqual(
                    self.Feedback.with_user(user).search([("team_id", "=", team.id)]), feedback
                )
                self.assertTrue(feedback.with_user(user).can_edit)
        feedback.with_user(leader).write({"root_cause": "Paper sensor", "solution": "Replaced"})
        feedback.with_user(director).action_resolve()
        feedback.with_user(leader).action_reopen()
        self.assertEqual(feedback.state, "in_progress")
