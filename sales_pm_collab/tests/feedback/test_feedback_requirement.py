from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..requirement.common import RequirementCommon


@tagged("post_install", "-at_install")
class TestFeedbackRequirement(RequirementCommon):
    """Issue 3, behaviours 4 and 5: feedback turned into (or linked to) requirements,
    its customers in the requirement's demand, feedback on releases."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Feedback = cls.env["customer.feedback"]
        # customer A is the rep's customer (its salesperson); B and C are not
        cls.customer_a.user_id = cls.user_rep
        cls.lead_a = cls._lead(cls.contact_a, 100000, probability=50)
        cls.requirement = cls._requirement(
            "Offline mode for unstable networks",
            product_id=cls.product.id,
            stage_id=cls.stage_review.id,
            requested_by_id=cls.user_pm.id,
            lead_ids=[Command.set([cls.lead_a.id])],
        )
        cls.other_requirement = cls._requirement("Kitchen display integration")

    @classmethod
    def _feedback(cls, partner=None, **vals):
        return cls.env["customer.feedback"].create(
            {
                "name": "Tills blocked when the network drops",
                "partner_id": (partner or cls.customer_a).id,
                "kind": "complaint",
                "user_id": cls.user_cs.id,
                "team_id": cls.team.id,
                **vals,
            }
        )

    def _commit_tracking(self):
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit

    def _link_wizard(self, feedback, user):
        action = feedback.with_user(user).action_link_requirement()
        self.assertEqual(action["res_model"], "customer.feedback.requirement.link")
        return Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))

    # === create a requirement from feedback === #
    def test_create_requirement_prefilled_and_linked_back(self):
        feedback = self._feedback(
            contact_id=self.contact_a2.id,
            kind="feature_request",
            product_id=self.product_other.id,
            lead_id=self.lead_a.id,
            description="<p>Print the member's points on the receipt.</p>",
        )
        action = feedback.with_user(self.user_cs).action_create_requirement()
        requirement = self.Requirement.browse(action["res_id"])
        self.assertEqual(
            (action["res_model"], action["view_mode"]), ("product.requirement", "form")
        )
        self.assertEqual(requirement.name, feedback.name)
        self.assertEqual(requirement.kind, "feature")
        self.assertEqual(requirement.product_id, self.product_other)
        self.assertIn("member's points", requirement.description)
        self.assertEqual(requirement.partner_ids, self.customer_a)
        self.assertEqual(requirement.lead_ids, self.lead_a)
        self.assertEqual(requirement.team_id, self.team)
        self.assertEqual(requirement.requested_by_id, self.user_cs)
        self.assertEqual(requirement.state, "new")
        # linked back: the requirement counts the feedback and its customer once
        self.assertEqual(feedback.requirement_id, requirement)
        self.assertEqual(requirement.feedback_ids, feedback)
        self.assertEqual(requirement.feedback_count, 1)
        self.assertEqual(requirement.customer_count, 1)
        # both chatters tell it, each with a link to the other record
        self.assertIn("Raised from the customer feedback", requirement.message_ids[0].body)
        self.assertIn(feedback.reference, requirement.message_ids[0].body)
        self.assertEqual(requirement.message_ids[0].author_id, self.user_cs.partner_id)
        note = feedback.message_ids.filtered(lambda m: "Requirement raised" in (m.body or ""))
        self.assertRegex(
            note.body, rf"data-oe-model=.product.requirement. data-oe-id=.{requirement.id}."
        )

    def test_create_requirement_twice_is_refused(self):
        feedback = self._feedback(requirement_id=self.requirement.id)
        with self.assertRaisesRegex(
            UserError, "already linked to the requirement “Offline mode for unstable networks”"
        ):
            feedback.with_user(self.user_cs).action_create_requirement()
        self.assertEqual(self.Requirement.search_count([("name", "=", feedback.name)]), 0)

    def test_create_requirement_refused_for_cancelled_feedback(self):
        feedback = self._feedback()
        feedback.action_cancel()
        with self.assertRaisesRegex(UserError, "Creating a requirement is not possible"):
            feedback.action_create_requirement()
        with self.assertRaisesRegex(UserError, "Linking to a requirement is not possible"):
            feedback.action_link_requirement()

    def test_rep_creates_requirement_from_own_feedback(self):
        # the deal belongs to another salesperson: it still joins the demand
        lead = self._lead(self.contact_a2, 20000, user=self.user_sales_manager)
        feedback = self._feedback(user_id=self.user_rep.id, lead_id=lead.id)
        action = feedback.with_user(self.user_rep).action_create_requirement()
        requirement = self.Requirement.browse(action["res_id"])
        self.assertEqual(requirement.requested_by_id, self.user_rep)
        self.assertEqual(requirement.lead_ids, lead)
        self.assertEqual(feedback.requirement_id, requirement)
        # a product manager raising one has not answered its requester yet (triage SLA)
        action = (
            self._feedback(name="Shelf labels").with_user(self.user_pm).action_create_requirement()
        )
        self.assertFalse(self.Requirement.browse(action["res_id"]).first_response_date)
        # finance reads feedback but edits none
        other = self._feedback()
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            other.with_user(self.user_finance).action_create_requirement()
        self.assertFalse(other.requirement_id)

    # === link to an existing requirement === #
    def test_link_wizard_suggests_and_links_open_requirements(self):
        feedback = self._feedback(
            name="Offline mode lost three orders",
            product_id=self.product.id,
            user_id=self.user_rep.id,
        )
        self._commit_tracking()  # what changes in a record's first transaction is not tracked
        wizard = self._link_wizard(feedback, self.user_rep).save()
        self.assertEqual(wizard.match_ids[0].requirement_id, self.requirement)
        self.assertNotIn(self.other_requirement, wizard.match_ids.requirement_id)
        wizard.match_ids[0].action_link()
        self.assertEqual(feedback.requirement_id, self.requirement)
        # a rep linked it without write access to the requirement (under review, not theirs)
        self.assertFalse(self.requirement.with_user(self.user_rep).has_access("write"))
        self.assertEqual(self.requirement.feedback_count, 1)
        log = self.requirement.message_ids[0]
        self.assertIn("linked by T_Rep", log.body)
        self.assertIn(feedback.reference, log.body)
        self.assertEqual(log.author_id, self.user_rep.partner_id)
        # the link is tracked on the feedback
        self._commit_tracking()
        tracked = feedback.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "requirement_id"
        )
        self.assertEqual(tracked.new_value_char, self.requirement.display_name)

    def test_link_wizard_with_a_chosen_requirement_and_several_feedback(self):
        feedback = self._feedback() | self._feedback(partner=self.customer_b)
        action = feedback.with_user(self.user_cs).action_link_requirement()
        form = Form(
            self.env[action["res_model"]].with_user(self.user_cs).with_context(**action["context"])
        )
        form.requirement_id = self.other_requirement
        result = form.save().action_link()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(feedback.requirement_id, self.other_requirement)
        self.assertEqual(self.other_requirement.feedback_count, 2)
        self.assertEqual(self.other_requirement.customer_count, 2)
        # one note for both
        self.assertEqual(self.other_requirement.message_ids[0].body.count("linked by"), 2)

    def test_link_only_to_open_requirements(self):
        feedback = self._feedback()
        released = self._requirement("Shipped already", stage_id=self.stage_released.id)
        declined = self._requirement(
            "Will not build", stage_id=self.stage_declined.id, decline_reason="Out of scope"
        )
        Wizard = self.env["customer.feedback.requirement.link"]
        for field in (Wizard._fields["requirement_id"], self.Feedback._fields["requirement_id"]):
            found = self.Requirement.search(
                field.domain + [("id", "in", (released | declined | self.requirement).ids)]
            )
            self.assertEqual(found, self.requirement, "only open requirements are offered")
        for requirement in (released, declined):
            with self.assertRaisesRegex(UserError, "can only be linked to an open requirement"):
                feedback.with_user(self.user_cs)._link_requirement(requirement)
        self.assertFalse(feedback.requirement_id)
        feedback._link_requirement(self.requirement)
        with self.assertRaisesRegex(UserError, "already linked to"):
            feedback._link_requirement(self.requirement)
        wizard = Wizard.create({"feedback_ids": [Command.set(feedback.ids)]})
        with self.assertRaisesRegex(UserError, "Pick the open requirement"):
            wizard.action_link()

    def test_relink_and_unlink_are_noted_on_both_requirements(self):
        feedback = self._feedback(requirement_id=self.requirement.id)
        self.assertIn("linked by", self.requirement.message_ids[0].body)
        feedback.requirement_id = self.other_requirement
        self.assertIn("unlinked by", self.requirement.message_ids[0].body)
        self.assertIn("linked by", self.other_requirement.message_ids[0].body)
        self.assertEqual(
            (self.requirement.feedback_count, self.other_requirement.feedback_count), (0, 1)
        )
        feedback.requirement_id = False
        self.assertIn("unlinked by", self.other_requirement.message_ids[0].body)
        self.assertEqual(self.other_requirement.feedback_count, 0)

    def test_other_company_is_refused(self):
        other_company = self.env["res.company"].create({"name": "Feedback Link Other Co"})
        self.env.user.company_ids |= other_company
        self.user_rep.company_ids = [Command.link(other_company.id)]
        foreign = self._requirement(
            "Elsewhere", company_id=other_company.id, team_id=False, user_id=False
        )
        foreign_release = self.env["product.release"].create(
            {"name": "Other 1.0", "company_id": other_company.id, "user_id": False}
        )
        feedback = self._feedback()
        refused = (
            (r"the requirement “Elsewhere” belongs to Feedback Link Other Co: link a", foreign),
            (r"the release “Other 1.0” belongs to Feedback Link Other Co", foreign_release),
        )
        for message, target in refused:
            fname = "requirement_id" if target == foreign else "release_id"
            with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
                feedback.write({fname: target.id})
            with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
                self._feedback(**{fname: target.id})
        with (
            self.assertRaisesRegex(UserError, "belongs to Feedback Link Other Co"),
            self.env.cr.savepoint(),
        ):
            feedback.with_user(self.user_rep)._link_requirement(foreign)
        self.assertFalse(feedback.requirement_id or feedback.release_id)
        self.assertEqual(foreign.feedback_count, 0)

    # === demand === #
    def test_feedback_customers_join_the_demand_once(self):
        requirement = self.requirement  # customer A through its opportunity
        self.assertEqual(requirement.customer_count, 1)
        fb_a = self._feedback(contact_id=self.contact_a2.id, requirement_id=requirement.id)
        self.assertEqual(requirement.customer_count, 1, "A already asks through its deal")
        fb_b = self._feedback(partner=self.contact_b, requirement_id=requirement.id)
        self.assertEqual(fb_b.commercial_partner_id, self.customer_b)
        self.assertEqual(requirement.customer_count, 2)
        self.assertEqual(
            requirement._get_demand_partners()[requirement.id],
            {self.customer_a.id, self.customer_b.id},
        )
        # cancelled feedback is a mistake or a duplicate: it does not count
        fb_b.action_cancel()
        self.assertEqual((requirement.customer_count, requirement.feedback_count), (1, 1))
        fb_b.action_reset_to_new()
        self.assertEqual((requirement.customer_count, requirement.feedback_count), (2, 2))
        # the feedback's customer changes: recounted
        fb_b.partner_id = self.customer_c
        self.assertEqual(requirement.customer_count, 2)
        self.assertEqual(
            requirement._get_demand_partners()[requirement.id],
            {self.customer_a.id, self.customer_c.id},
        )
        # removing the link or deleting the feedback removes its customer
        fb_b.requirement_id = False
        self.assertEqual((requirement.customer_count, requirement.feedback_count), (1, 1))
        fb_b.requirement_id = requirement
        fb_b.unlink()
        self.assertEqual((requirement.customer_count, requirement.feedback_count), (1, 1))
        # A's deal leaves the requirement: A still asks through its feedback
        requirement.lead_ids = [Command.clear()]
        self.assertEqual(requirement.customer_count, 1)
        fb_a.requirement_id = False
        self.assertEqual(requirement.customer_count, 0)

    def test_release_customer_count_includes_feedback_customers(self):
        release = self.env["product.release"].create({"name": "CloudPOS 9.8"})
        self.requirement.sudo().release_id = release
        self._feedback(partner=self.customer_b, requirement_id=self.requirement.id)
        self.assertEqual(release.customer_count, 2)

    def test_recomputes_only_the_touched_requirements(self):
        untouched = self._requirement("Untouched")
        feedback = self._feedback(requirement_id=untouched.id)
        self._feedback(requirement_id=untouched.id)
        self.env.flush_all()
        Requirement = type(self.Requirement)
        computed = []

        def spy(original):
            def wrapper(records):
                computed.append(set(records.ids))
                return original(records)

            return wrapper

        with (
            patch.object(
                Requirement, "_compute_customer_count", spy(Requirement._compute_customer_count)
            ),
            patch.object(
                Requirement, "_compute_feedback_figures", spy(Requirement._compute_feedback_figures)
            ),
        ):
            feedback.requirement_id = self.requirement
            self.env.flush_all()
            self.assertEqual(set().union(*computed), {untouched.id, self.requirement.id})
            computed.clear()
            feedback.write({"satisfaction": 4})
            feedback.action_acknowledge()
            self.env.flush_all()
        self.assertEqual(set().union(*computed), {self.requirement.id})
        self.assertEqual((untouched.feedback_count, self.requirement.feedback_count), (1, 1))

    def test_new_requirement_in_a_form(self):
        feedback = self._feedback(partner=self.customer_b, satisfaction=4)
        draft = self.Requirement.new(
            {
                "name": "Draft",
                "lead_ids": [Command.set(self.lead_a.ids)],
                "feedback_ids": [Command.set(feedback.ids)],
            }
        )
        self.assertEqual(draft.customer_count, 2)
        self.assertEqual((draft.feedback_count, draft.feedback_satisfaction), (1, 4.0))

    # === feedback figures === #
    def test_feedback_count_and_average_satisfaction(self):
        requirement = self.requirement
        self.assertEqual((requirement.feedback_count, requirement.feedback_satisfaction), (0, 0))
        rated = self._feedback(
            kind="question", contact_id=self.contact_a.id, requirement_id=requirement.id
        )
        unrated = self._feedback(partner=self.customer_b, requirement_id=requirement.id)
        self.assertEqual(requirement.feedback_count, 2)
        self.assertFalse(requirement.feedback_satisfaction, "empty while nothing is rated")
        # the customer rates through Odoo's rating (resolved -> rating e-mail -> 5)
        rated.action_resolve()
        rated.rating_apply(5, token=rated.rating_ids.access_token)
        self.assertEqual(rated.satisfaction, 5)
        self.assertEqual(requirement.feedback_satisfaction, 5.0)
        # a revisit logs 2 on another: only the rated ones make the average
        unrated.write({"satisfaction": 2})
        self.assertEqual(requirement.feedback_satisfaction, 3.5)
        # cancelled feedback counts in neither figure
        cancelled = self._feedback(
            partner=self.customer_c, satisfaction=1, requirement_id=requirement.id
        )
        self.assertEqual(requirement.feedback_count, 3)
        self.assertAlmostEqual(requirement.feedback_satisfaction, 8 / 3, places=2)
        cancelled.action_cancel()
        self.assertEqual((requirement.feedback_count, requirement.feedback_satisfaction), (2, 3.5))
        # the smart button lists what is counted
        action = requirement.action_view_feedback()
        self.assertEqual(self.Feedback.search(action["domain"]), rated | unrated)
        self.assertEqual(action["context"]["default_requirement_id"], requirement.id)

    # === merge === #
    def test_merge_moves_feedback_to_the_master(self):
        duplicate = self._requirement("POS works without internet", stage_id=self.stage_review.id)
        fb_dup = self._feedback(
            partner=self.customer_b, requirement_id=duplicate.id, satisfaction=2
        )
        fb_cancelled = self._feedback(partner=self.customer_c, requirement_id=duplicate.id)
        fb_cancelled.action_cancel()
        fb_master = self._feedback(requirement_id=self.requirement.id, satisfaction=4)
        self._commit_tracking()
        duplicate.with_user(self.user_pm).action_merge_into(self.requirement.id)
        master = self.requirement
        self.assertEqual(master.feedback_ids, fb_dup | fb_cancelled | fb_master)
        self.assertEqual(master.feedback_count, 2)
        self.assertEqual(master.feedback_satisfaction, 3.0)
        self.assertEqual(master.customer_count, 2)  # A (deal, feedback) and B (feedback)
        self.assertFalse(duplicate.with_context(active_test=False).feedback_ids)
        self.assertEqual(duplicate.feedback_count, 0)
        self.assertIn("Their customer feedback (2) is now linked here", master.message_ids[0].body)
        self._commit_tracking()
        tracked = fb_dup.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "requirement_id"
        )
        self.assertIn(master.display_name, tracked.mapped("new_value_char"))

    def test_requirement_with_feedback_is_archived_not_deleted(self):
        requirement = self.Requirement.with_user(self.user_rep).create({"name": "Typo?"})
        self._feedback(requirement_id=requirement.id)
        requirement.with_user(self.user_rep).unlink()
        self.assertTrue(requirement.exists())
        self.assertFalse(requirement.active)
        self.assertEqual(requirement.feedback_count, 1)

    # === releases === #
    def test_beta_tester_logs_feedback_from_the_release(self):
        release = self.env["product.release"].create(
            {
                "name": "CloudPOS 9.9",
                "product_id": self.product.id,
                "user_id": self.user_pm.id,
                "beta_user_ids": [Command.link(self.user_rep.id)],
            }
        )
        self.requirement.sudo().release_id = release
        release.action_start_testing()
        rep_release = release.with_user(self.user_rep)
        action = rep_release.action_log_feedback()
        self.assertEqual(action["context"]["default_release_id"], release.id)
        self.assertEqual(action["context"]["default_source"], "beta_test")
        self.assertEqual(action["context"]["default_product_id"], self.product.id)
        form = Form(self.Feedback.with_user(self.user_rep).with_context(**action["context"]))
        form.name = "Offline orders sent twice after reconnecting"
        form.partner_id = self.contact_c  # a beta customer that is not the rep's
        feedback = form.save()
        self.assertEqual(
            (feedback.release_id, feedback.source, feedback.product_id),
            (release, "beta_test", self.product),
        )
        # the rep sees what they logged on the release form; customer service logs too
        self.assertEqual(rep_release.feedback_count, 1)
        self.assertEqual(rep_release.feedback_ids, feedback)
        other = self._feedback(partner=self.customer_b, release_id=release.id)
        self.env.invalidate_all()  # counts and lists are per user (one user per request)
        self.assertEqual(release.with_user(self.user_pm).feedback_ids, feedback | other)
        self.assertEqual(release.with_user(self.user_pm).feedback_count, 2)
        self.env.invalidate_all()
        self.assertEqual(rep_release.feedback_count, 1, "the other customer is not the rep's")
        action = release.action_view_feedback()
        self.assertEqual(self.Feedback.search(action["domain"]), feedback | other)
        # once released, feedback on it is no longer beta feedback
        release.write({"date_released": "2026-03-02"})
        release.action_mark_released()
        self.assertNotIn("default_source", release.action_log_feedback()["context"])

    # === access === #
    def test_requirement_feedback_respects_who_reads_feedback(self):
        mine = self._feedback(kind="question", requirement_id=self.requirement.id)
        not_mine = self._feedback(partner=self.customer_b, requirement_id=self.requirement.id)
        everything = mine | not_mine
        expected = {
            self.user_rep: mine,  # customer A is the rep's, B is not
            self.user_cs: everything,
            self.user_pm: everything,
            self.user_admin: everything,
            self.user_sales_manager: everything,  # the team they lead
            self.user_finance: not_mine,  # complaints only
        }
        for user, visible in expected.items():
            with self.subTest(user=user.login):
                self.env.invalidate_all()
                requirement = self.requirement.with_user(user)
                self.assertEqual(requirement.feedback_ids, visible)
                self.assertEqual(requirement.feedback_count, 2, "the stored count is shared")
                action = requirement.action_view_feedback()
                found = self.Feedback.with_user(user).search(action["domain"])
                self.assertEqual(found, visible)
        # a rep cannot open the other customer's feedback from the requirement either
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            not_mine.with_user(self.user_rep).read(["name"])
        # channel managers read requirements but no feedback: the count only
        requirement = self.requirement.with_user(self.user_channel)
        self.assertEqual(requirement.read(["feedback_count"])[0]["feedback_count"], 2)
        with self.assertRaises(AccessError):
            requirement.read(["feedback_ids"])

    def test_views_open_for_every_role(self):
        feedback = self._feedback(kind="complaint", requirement_id=self.requirement.id)
        release = self.env["product.release"].create({"name": "Views 1.0"})
        feedback.release_id = release
        for user in (
            self.user_rep,
            self.user_cs,
            self.user_pm,
            self.user_channel,
            self.user_finance,
            self.user_sales_manager,
            self.user_admin,
        ):
            with self.subTest(user=user.login):
                self.env.invalidate_all()
                Form(self.requirement.with_user(user))
                Form(release.with_user(user))
                kanban = self.Requirement.with_user(user).get_views([(False, "kanban")])
                self.assertIn("feedback_count", kanban["views"]["kanban"]["arch"])
        form = Form(feedback.with_user(self.user_finance))
        self.assertEqual(form.requirement_id, self.requirement)
        self.assertEqual(form.requirement_stage_id, self.stage_review)
