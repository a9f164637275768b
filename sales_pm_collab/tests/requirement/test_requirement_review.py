from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RequirementCommon


@tagged("post_install", "-at_install")
class TestRequirementReview(RequirementCommon):
    """The weekly review: agenda, meeting, decisions applied and announced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()
        lead_big = cls._lead(cls.contact_a, 500000, probability=50)
        lead_small = cls._lead(cls.contact_b, 10000, probability=50)
        create = cls._requirement
        cls.big = create(
            "Big money", lead_ids=[Command.set(lead_big.ids)], stage_id=cls.stage_review.id
        )
        cls.small = create("Small money", lead_ids=[Command.set(lead_small.ids)])
        cls.breached = create("Waited too long", first_response_deadline=now - timedelta(days=2))
        cls.answered_late = create(
            "Answered late",
            stage_id=cls.stage_review.id,
            first_response_deadline=now - timedelta(days=5),
            first_response_date=now - timedelta(days=1),
        )
        cls.planned = create("Already planned", stage_id=cls.stage_planned.id)
        cls.master = create("Master", stage_id=cls.stage_development.id)
        cls.mine = cls.big | cls.small | cls.breached | cls.answered_late | cls.planned
        other_company = cls.env["res.company"].create({"name": "Review Other Co"})
        cls.user_rep.company_ids = [Command.link(other_company.id)]
        cls.elsewhere = cls._requirement(
            "Other company", company_id=other_company.id, team_id=False, user_id=False
        )

    def _review(self, **vals):
        return (
            self.env["product.requirement.review"]
            .with_user(self.user_pm)
            .create(
                {
                    "date": datetime(2030, 1, 7, 2, 0),
                    "attendee_ids": [Command.set((self.user_pm | self.user_rep).ids)],
                    **vals,
                }
            )
        )

    def _line(self, review, requirement):
        return review.line_ids.filtered(lambda line: line.requirement_id == requirement)

    def test_agenda_breached_first_then_revenue(self):
        review = self._review()
        # (demo requirements waiting for a decision are on the agenda too)
        agenda = review.line_ids.sorted("sequence").requirement_id
        self.assertEqual(
            [r for r in agenda if r in self.mine],
            [self.answered_late, self.breached, self.big, self.small],
        )
        self.assertNotIn(self.planned, agenda)
        self.assertNotIn(self.elsewhere, agenda)
        self.assertTrue(self._line(review, self.breached).triage_breached)
        self.assertFalse(self._line(review, self.big).triage_breached)
        # refreshing adds the newcomers and keeps what is there
        count = len(review.line_ids)
        newcomer = self._requirement("Newcomer")
        review.action_fill_agenda()
        self.assertEqual(len(review.line_ids), count + 1)
        self.assertEqual(review.line_ids.sorted("sequence")[-1].requirement_id, newcomer)

    def test_meeting_in_the_calendar(self):
        review = self._review()
        event = review.calendar_event_id
        self.assertTrue(event)
        self.assertEqual(event.start, datetime(2030, 1, 7, 2, 0))
        self.assertEqual(event.stop, datetime(2030, 1, 7, 3, 0))
        self.assertEqual(event.partner_ids, (self.user_pm | self.user_rep).partner_id)
        self.assertEqual((event.res_model, event.res_id), (review._name, review.id))
        review.write(
            {"date": datetime(2030, 1, 8, 2, 0), "attendee_ids": [Command.link(self.user_cs.id)]}
        )
        self.assertEqual(event.start, datetime(2030, 1, 8, 2, 0))
        self.assertIn(self.user_cs.partner_id, event.partner_ids)
        self.assertEqual(review.action_open_event()["res_id"], event.id)
        self.assertIn("2030-01-0", review.name)
        # a planned review that is deleted takes its meeting along
        review.unlink()
        self.assertFalse(event.exists())

    def test_action_done_applies_every_decision(self):
        review = self._review()
        self._line(review, self.big).write({"decision": "accept", "note": "Q1, 40 stores first."})
        self._line(review, self.small).write({"decision": "decline", "note": "Too niche."})
        self._line(review, self.breached).write(
            {"decision": "need_info", "note": "Which printer model?"}
        )
        self._line(review, self.answered_late).write(
            {"decision": "merge", "merge_into_id": self.master.id}
        )
        self.assertTrue(review.activity_ids.filtered("calendar_event_id"), "the meeting")
        review.action_done()

        self.assertEqual(review.state, "done")
        self.assertTrue(review.line_ids.filtered("decision").mapped("applied"))
        self.assertFalse(
            review.activity_ids.filtered("calendar_event_id"), "the meeting took place"
        )
        # accept -> planned, with the decision shown to sales
        self.assertEqual(self.big.stage_id, self.stage_planned)
        self.assertEqual(self.big.decision_note, "Q1, 40 stores first.")
        # decline -> declined with the reason
        self.assertEqual(self.small.stage_id, self.stage_declined)
        self.assertEqual(self.small.decline_reason, "Too niche.")
        self.assertTrue(self.small.first_response_date, "a decision is an answer")
        # need info -> under review, and the requester has something to do
        self.assertEqual(self.breached.stage_id, self.stage_review)
        todo = self.breached.activity_ids
        self.assertEqual(todo.user_id, self.user_rep)
        self.assertIn("Which printer model?", todo.note)
        # merge -> archived into the master
        self.assertFalse(self.answered_late.active)
        self.assertEqual(self.answered_late.merged_into_id, self.master)
        # every decision is posted on the requirement and sent to the requester
        for requirement, word in (
            (self.big, "Accept"),
            (self.small, "Decline"),
            (self.breached, "Need more information"),
            (self.master, "Merge into another"),
        ):
            posted = requirement.message_ids.filtered(
                lambda m, word=word: word in (m.body or "") and review.name in m.body
            )
            self.assertEqual(len(posted), 1, requirement.name)
            self.assertEqual(posted.partner_ids, self.user_rep.partner_id)
        with self.assertRaisesRegex(UserError, "already done"):
            review.action_done()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            review.unlink()

    def test_undecided_items_stay(self):
        review = self._review()
        self._line(review, self.big).decision = "accept"
        review.action_done()
        self.assertEqual(self.small.stage_id, self.stage_new)
        undecided = len(review.line_ids) - 1
        self.assertIn(
            f"1 decision(s) applied, {undecided} requirement(s)", review.message_ids[0].body
        )

    def test_decline_needs_a_note_and_merge_a_target(self):
        review = self._review()
        self._line(review, self.big).decision = "accept"
        self._line(review, self.small).decision = "decline"
        with self.assertRaisesRegex(UserError, "Write the reason to decline"):
            review.action_done()
        self.assertEqual(self.big.stage_id, self.stage_review, "nothing applied")
        self._line(review, self.small).write({"decision": "merge"})
        with self.assertRaisesRegex(UserError, "Choose the requirement to merge"):
            review.action_done()
        self.assertEqual(review.state, "draft")

    def test_only_product_managers_close_reviews(self):
        review = self._review()
        self._line(review, self.big).write({"decision": "accept", "note": "Go"})
        for user in (
            self.user_rep,
            self.user_cs,
            self.user_sales_manager,
            self.user_channel,
            self.user_finance,
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._rpc(user, "product.requirement.review", "action_done", review.ids)
        self.assertEqual(review.state, "draft")
        self.assertEqual(self.big.stage_id, self.stage_review)

    def test_action_done_over_rpc(self):
        review = self._review()
        self._line(review, self.big).write({"decision": "accept", "note": "Q1"})
        self._line(review, self.small).write({"decision": "decline", "note": "Too niche."})
        result = self._rpc(self.user_pm, "product.requirement.review", "action_done", review.ids)
        self.assertIs(result, True)
        self.assertEqual(review.state, "done")
        self.assertEqual(self.big.stage_id, self.stage_planned)
        self.assertEqual(self.small.decline_reason, "Too niche.")
