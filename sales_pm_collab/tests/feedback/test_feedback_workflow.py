from datetime import date, datetime

from freezegun import freeze_time
from lxml import etree
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..common import MODULE
from .common import MONDAY, FeedbackCommon


@tagged("post_install", "-at_install")
class TestFeedbackWorkflow(FeedbackCommon):
    """States, transitions, resolve rules, revisit, rating loop, deletion."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)

    def _resolved(self, **vals):
        feedback = self._feedback(root_cause="Paper sensor", solution="Replaced it", **vals)
        feedback.action_resolve()
        return feedback

    def test_reference_and_display_name(self):
        feedback = self._feedback()
        year = date.today().year
        self.assertRegex(feedback.reference, rf"^FB/{year}/\d{{5}}$")
        self.assertEqual(feedback.display_name, f"{feedback.reference} {feedback.name}")
        found = self.Feedback.name_search(feedback.reference)
        self.assertEqual(found[0][0], feedback.id)

    def test_happy_path(self):
        feedback = self._feedback()
        self.assertEqual(feedback.state, "new")
        feedback.action_acknowledge()
        self.assertEqual(feedback.state, "acknowledged")
        feedback.action_start()
        self.assertEqual(feedback.state, "in_progress")
        feedback.write({"root_cause": "Firmware buffer", "solution": "Firmware 2.3"})
        feedback.action_resolve()
        self.assertEqual(feedback.state, "resolved")
        self.assertTrue(feedback.resolved_date)
        feedback.action_close()
        self.assertEqual(feedback.state, "closed")
        feedback.action_reopen()
        self.assertEqual((feedback.state, feedback.followup_count), ("in_progress", 1))

    def test_transitions_give_clear_errors(self):
        feedback = self._feedback()
        with self.assertRaisesRegex(UserError, "Closing is not possible .* it is New"):
            feedback.action_close()
        with self.assertRaisesRegex(UserError, "Reopening is not possible"):
            feedback.action_reopen()
        feedback.action_acknowledge()
        with self.assertRaisesRegex(UserError, "Acknowledging is not possible .* Acknowledged"):
            feedback.action_acknowledge()
        feedback.action_cancel()
        with self.assertRaisesRegex(UserError, "Resolving is not possible .* Cancelled"):
            feedback.action_resolve()
        feedback.action_reset_to_new()
        self.assertEqual(feedback.state, "new")

    def test_acknowledge_takes_ownership_when_unassigned(self):
        feedback = self._feedback(user_id=False)
        feedback.with_user(self.user_cs).action_acknowledge()
        self.assertEqual(feedback.user_id, self.user_cs)

    def test_complaint_and_defect_need_root_cause_and_solution(self):
        for kind in ("complaint", "defect"):
            feedback = self._feedback(kind=kind)
            with self.assertRaisesRegex(UserError, "fill in its Root Cause and Solution"):
                feedback.action_resolve()
            feedback.root_cause = "Paper sensor"
            with self.assertRaisesRegex(UserError, "Root Cause and Solution"):
                feedback.action_resolve()
            feedback.solution = "   "
            with self.assertRaisesRegex(UserError, "Root Cause and Solution"):
                feedback.action_resolve()
            feedback.solution = "Replaced the sensor"
            feedback.action_resolve()
            self.assertEqual(feedback.state, "resolved")

    def test_root_cause_rule_holds_outside_the_button(self):
        """Writing the state directly (import, RPC) or emptying the root cause of a
        resolved complaint is refused the same way; other kinds are free."""
        feedback = self._feedback(kind="defect")
        for vals in ({"state": "resolved"}, {"state": "closed", "root_cause": "Sensor"}):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, "is a defect: fill in its Root Cause"),
                self.env.cr.savepoint(),
            ):
                feedback.write(vals)
        with self.assertRaisesRegex(ValidationError, "is a complaint: fill in"):
            self._feedback(name="Imported", state="closed")
        resolved = self._resolved()
        with self.assertRaisesRegex(ValidationError, "Root Cause"), self.env.cr.savepoint():
            resolved.root_cause = ""
        question = self._feedback(kind="question")
        question.write({"state": "closed"})
        self.assertEqual(question.state, "closed")
        question.kind = "complaint"  # reclassified afterwards: not a resolution

    def test_other_kinds_resolve_without_root_cause(self):
        feedback = self._feedback(kind="question")
        feedback.action_resolve()
        self.assertEqual(feedback.state, "resolved")

    def test_resolve_sends_the_rating_request_and_plans_the_revisit(self):
        self.env.company.feedback_revisit_days = 3
        with freeze_time(MONDAY):
            feedback = self._resolved()
        revisit = self._activities(feedback, "mail_activity_type_feedback_revisit")
        self.assertEqual(revisit.user_id, self.user_cs)
        self.assertEqual(revisit.date_deadline, date(2026, 3, 5))
        rating = feedback.rating_ids
        self.assertEqual(len(rating), 1, "a rating request with its access token")
        self.assertEqual(rating.partner_id, self.contact)
        self.assertFalse(rating.consumed)
        mail = self.env["mail.mail"].search(
            [
                ("res_id", "=", feedback.id),
                ("model", "=", feedback._name),
                ("recipient_ids", "in", self.contact.ids),
            ]
        )
        self.assertEqual(len(mail), 1, "the rating request is queued for the customer contact")
        self.assertIn(f"/rate/{rating.access_token}/1", mail.body_html)
        self.assertIn(f"/rate/{rating.access_token}/5", mail.body_html)

    def test_default_revisit_delay_is_two_days(self):
        company = self.env["res.company"].create({"name": "Fresh Co"})
        self.assertEqual(company.feedback_revisit_days, 2)

    def test_no_rating_request_without_an_email(self):
        self.contact.email = False
        self.customer.email = False
        feedback = self._resolved()
        self.assertFalse(feedback.rating_ids)

    def test_happy_rating_records_satisfaction(self):
        feedback = self._resolved()
        token = feedback._rating_get_access_token()
        feedback.rating_apply(5, token=token, feedback="Works again")
        self.assertEqual(feedback.satisfaction, 5)
        self.assertTrue(feedback.satisfaction_date)
        self.assertEqual(feedback.state, "resolved")
        self.assertEqual(feedback.followup_count, 0)

    def test_unhappy_rating_reopens_for_a_second_follow_up(self):
        feedback = self._resolved()
        token = feedback._rating_get_access_token()
        feedback.rating_apply(1, token=token, feedback="Still jams")
        self.assertEqual(feedback.satisfaction, 1)
        self.assertEqual(feedback.state, "in_progress")
        self.assertEqual(feedback.followup_count, 1)
        followup = self._activities(feedback, "mail_activity_type_feedback_followup")
        self.assertEqual(followup.user_id, self.user_sales_manager, "the owner's team leader")
        self.assertFalse(
            self._activities(feedback, "mail_activity_type_feedback_revisit"),
            "the pending revisit is done: the second follow-up replaces it",
        )
        # solved again, rated unhappy again: one more follow-up
        feedback.action_resolve()
        feedback.rating_apply(1, token=feedback._rating_get_access_token())
        self.assertEqual(feedback.followup_count, 2)

    def test_neutral_rating_does_not_reopen(self):
        feedback = self._resolved()
        feedback.rating_apply(3, token=feedback._rating_get_access_token())
        self.assertEqual((feedback.state, feedback.satisfaction), ("resolved", 3))

    def test_rating_outside_one_to_five_is_refused(self):
        feedback = self._resolved()
        token = feedback._rating_get_access_token()
        for rate in (0, 6, -1, 7.5):
            with self.subTest(rate=rate), self.assertRaisesRegex(ValidationError, "between 1"):
                feedback.rating_apply(rate, token=token)
        for rate in ("abc", None, True, "0"):
            with self.subTest(rate=rate), self.assertRaisesRegex(ValidationError, "between 1"):
                feedback.rating_apply(rate, token=token)
        with self.assertRaisesRegex(ValidationError, "between 1 .* got 9"), self.env.cr.savepoint():
            feedback.satisfaction = 9
        # a message carrying a rating (portal comment with stars) is checked the same way
        for rate in (9, -2, "6", 0.5):
            with self.subTest(rate=rate), self.assertRaisesRegex(ValidationError, "between 1"):
                feedback.message_post(body="Rated", rating_value=rate)
        self.assertFalse(feedback.rating_ids.filtered("consumed"), "nothing recorded")
        self.assertEqual((feedback.state, feedback.satisfaction), ("resolved", 0))

    def test_rating_in_a_message_counts_as_the_rating(self):
        feedback = self._resolved()
        feedback.message_post(body="Works now", rating_value="4")
        self.assertEqual((feedback.state, feedback.satisfaction), ("resolved", 4))
        self.assertEqual(feedback.rating_ids.filtered("consumed").mapped("rating"), [4.0])
        feedback.message_post(body="Broken again", rating_value=1, author_id=self.contact.id)
        self.assertEqual((feedback.state, feedback.followup_count), ("in_progress", 1))
        self.assertEqual(feedback.satisfaction, 1)
        feedback.message_post(body="A plain comment")
        self.assertEqual(feedback.satisfaction, 1)
        # the rating e-mail's faces: a whole number given as a float is fine
        feedback.root_cause, feedback.solution = "Sensor", "Replaced again"
        feedback.action_resolve()
        feedback.rating_apply(5.0, token=feedback._rating_get_access_token())
        self.assertEqual((feedback.state, feedback.satisfaction), ("resolved", 5))

    def test_satisfaction_column_is_checked_in_sql(self):
        feedback = self._feedback()
        self._assert_sql_refuses(
            feedback,
            [
                ("satisfaction", 6, "satisfaction_range"),
                ("escalation_level", 3, "escalation_level_range"),
                ("escalation_level", -1, "escalation_level_range"),
                ("followup_count", -1, "followup_positive"),
            ],
        )

    def test_revisit_wizard_satisfied_closes(self):
        feedback = self._resolved()
        wizard_action = feedback.action_log_revisit()
        self.assertEqual(wizard_action["res_model"], "customer.feedback.revisit")
        form = Form(self.env["customer.feedback.revisit"].with_context(**wizard_action["context"]))
        form.satisfaction = "4"
        form.note = "Fine since the update"
        form.save().action_confirm()
        self.assertEqual((feedback.state, feedback.satisfaction), ("closed", 4))
        self.assertFalse(self._activities(feedback, "mail_activity_type_feedback_revisit"))
        self.assertTrue(feedback.message_ids.filtered(lambda m: "Fine since the update" in m.body))

    def test_revisit_wizard_unsatisfied_reopens(self):
        feedback = self._resolved()
        self.env["customer.feedback.revisit"].create(
            {"feedback_id": feedback.id, "satisfaction": "2", "note": "Jams weekly"}
        ).action_confirm()
        self.assertEqual(
            (feedback.state, feedback.satisfaction, feedback.followup_count),
            ("in_progress", 2, 1),
        )
        self.assertTrue(self._activities(feedback, "mail_activity_type_feedback_followup"))

    def test_revisit_only_after_resolution(self):
        with self.assertRaisesRegex(UserError, "Logging a revisit is not possible"):
            self._feedback().action_log_revisit()

    def test_manual_reopen_is_a_follow_up(self):
        feedback = self._resolved()
        feedback.action_close()
        feedback.action_reopen()
        self.assertEqual(feedback.followup_count, 1)
        self.assertFalse(feedback.resolved_date)
        self.assertTrue(self._activities(feedback, "mail_activity_type_feedback_followup"))

    def test_follow_up_goes_to_the_owner_without_team_leader(self):
        feedback = self._resolved(team_id=False)
        feedback.action_reopen()
        followup = self._activities(feedback, "mail_activity_type_feedback_followup")
        self.assertEqual(followup.user_id, self.user_cs)

    def test_deletion_of_history_is_for_administrators(self):
        new = self._feedback()
        new.with_user(self.user_cs).unlink()
        self.assertFalse(new.exists())
        resolved = self._resolved()
        closed = self._resolved()
        closed.action_close()
        for feedback in resolved | closed:
            with self.assertRaisesRegex(UserError, "only a Collaboration administrator"):
                feedback.with_user(self.user_cs).unlink()
        (resolved | closed).with_user(self.user_admin).unlink()
        self.assertFalse((resolved | closed).exists())

    def test_satisfaction_average_ignores_unrated(self):
        rated = self._resolved(name="Rated")
        rated.rating_apply(5, token=rated._rating_get_access_token())
        other = self._resolved(name="Rated too")
        other.rating_apply(3, token=other._rating_get_access_token())
        self._feedback(name="Unrated")
        domain = [("partner_id", "=", self.customer.id)]
        [(avg, measure, breached, count)] = self.Feedback._read_group(
            domain,
            [],
            ["satisfaction:avg", "satisfaction_measure:avg", "breached_rate:avg", "__count"],
        )
        self.assertEqual(count, 3)
        self.assertEqual(avg, 4.0, "(5 + 3) / 2: the unrated one is not a zero")
        self.assertEqual(measure, 4.0)
        # the pivot's own call (read_group formatting) gives the same figure
        [group] = self.Feedback.formatted_read_group(domain, [], ["satisfaction_measure:avg"])
        self.assertEqual(group["satisfaction_measure:avg"], 4.0)
        self.assertEqual(breached, 0.0)

    def test_breached_share_averages_to_a_percentage(self):
        with freeze_time(MONDAY):
            late = self._feedback(name="Late")
            self._feedback(name="On time")
        with freeze_time(datetime(2026, 3, 5, 9, 0)), self._cron_progress():
            late.action_acknowledge()
        [(share,)] = self.Feedback._read_group(
            [("partner_id", "=", self.customer.id)], [], ["breached_rate:avg"]
        )
        self.assertEqual(share, 50.0)

    def test_analysis_views_count_by_kind_and_month(self):
        """The pivot shows the count next to the average satisfaction and % breached
        (measures given in a pivot arch replace the count unless display_quantity)."""
        views = self.Feedback.get_views([(False, "pivot"), (False, "graph")])["views"]
        pivot = etree.fromstring(views["pivot"]["arch"])
        self.assertEqual(pivot.get("display_quantity"), "1")
        self.assertEqual(
            [(f.get("name"), f.get("type")) for f in pivot.iter("field")],
            [
                ("kind", "row"),
                ("sla_start_date", "col"),
                ("satisfaction_measure", "measure"),
                ("breached_rate", "measure"),
            ],
        )
        graph = etree.fromstring(views["graph"]["arch"])
        self.assertEqual([f.get("name") for f in graph.iter("field")], ["sla_start_date", "kind"])

    def test_partner_onchange_splits_company_and_contact(self):
        form = Form(self.Feedback)
        form.name = "Scanner"
        form.partner_id = self.contact
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.contact_id, self.contact)
        feedback = form.save()
        self.assertEqual(feedback.commercial_partner_id, self.customer)

    def test_requirement_prefill_values(self):
        lead = self.env["crm.lead"].create({"name": "Rollout", "partner_id": self.contact.id})
        feedback = self._feedback(
            kind="feature_request",
            product_id=self.product.id,
            lead_id=lead.id,
            description="<p>Live streaming from the POS</p>",
        )
        values = feedback._prepare_requirement_values()
        self.assertEqual(values["name"], feedback.name)
        self.assertEqual(values["kind"], "feature")
        feedback.kind = "usability"
        self.assertEqual(feedback._prepare_requirement_values()["kind"], "improvement")
        self.assertEqual(values["product_id"], self.product.id)
        self.assertEqual(values["partner_ids"], [Command.link(self.customer.id)])
        self.assertEqual(values["lead_ids"], [Command.link(lead.id)])
        self.assertIn("Live streaming", values["description"])

    def test_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.feedback_alias_name, "feedback")
        settings.write(
            {
                "feedback_revisit_days": 5,
                "feedback_escalation_user_id": self.user_sales_manager.id,
                "feedback_alias_name": "complaints",
            }
        )
        settings.execute()
        self.assertEqual(self.env.company.feedback_revisit_days, 5)
        self.assertEqual(self.env.company.feedback_escalation_user_id, self.user_sales_manager)
        alias = self.env.ref(f"{MODULE}.mail_alias_customer_feedback")
        self.assertEqual(alias.alias_name, "complaints")
        with (
            self.assertRaisesRegex(IntegrityError, "feedback_revisit_days_positive"),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.company.feedback_revisit_days = -1
            self.env.flush_all()

    def test_default_data(self):
        self.assertEqual(self.env.ref(f"{MODULE}.seq_customer_feedback").prefix, "FB/%(year)s/")
        alias = self.env.ref(f"{MODULE}.mail_alias_customer_feedback")
        self.assertEqual(alias.alias_model_id.model, "customer.feedback")
