from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..common import MODULE
from .common import MONDAY, FeedbackCommon

FRIDAY_4PM = datetime(2026, 3, 6, 16, 0)


@tagged("post_install", "-at_install")
class TestFeedbackSlaPolicy(FeedbackCommon):
    """Policy matching (sequence, empty criteria = any) and its recomputation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grade_gold = cls.env["res.partner.grade"].create({"name": "Gold", "sequence": 1})
        cls.other_team = cls.env["crm.team"].create({"name": "Channel Team"})
        # the catch-all comes first in the list but last in sequence
        cls.sla_any = cls._policy("Any", first=16, resolve=80, sequence=100)
        cls.sla_urgent_complaint = cls._policy(
            "Urgent complaint",
            2,
            24,
            kinds=("complaint", "defect"),
            priorities=("urgent",),
            sequence=10,
        )
        cls.sla_complaint = cls._policy("Complaint", 8, 40, kinds=("complaint",), sequence=20)
        cls.sla_gold = cls._policy(
            "Gold customers", 4, 16, sequence=15, grade_ids=[(6, 0, cls.grade_gold.ids)]
        )
        cls.sla_channel = cls._policy(
            "Channel team", 6, 30, sequence=16, team_ids=[(6, 0, cls.other_team.ids)]
        )

    def test_first_matching_policy_wins(self):
        self.assertEqual(self._feedback(priority="urgent").sla_id, self.sla_urgent_complaint)
        self.assertEqual(
            self._feedback(kind="defect", priority="urgent").sla_id, self.sla_urgent_complaint
        )
        self.assertEqual(self._feedback(priority="high").sla_id, self.sla_complaint)
        self.assertEqual(self._feedback(kind="question").sla_id, self.sla_any)

    def test_sequence_decides_between_matching_policies(self):
        self.customer.grade_id = self.grade_gold
        # gold (15) comes before complaint (20) but after urgent complaint (10)
        self.assertEqual(self._feedback().sla_id, self.sla_gold)
        self.assertEqual(self._feedback(priority="urgent").sla_id, self.sla_urgent_complaint)
        self.sla_gold.sequence = 5
        self.assertEqual(self._feedback(priority="urgent").sla_id, self.sla_gold)

    def test_grade_is_read_on_the_customer_company(self):
        self.customer.grade_id = self.grade_gold
        feedback = self._feedback(partner_id=self.contact.id, kind="question")
        self.assertEqual(feedback.sla_id, self.sla_gold)

    def test_team_criterion(self):
        feedback = self._feedback(kind="question", team_id=self.other_team.id)
        self.assertEqual(feedback.sla_id, self.sla_channel)

    def test_archived_and_other_company_policies_are_ignored(self):
        self.sla_urgent_complaint.active = False
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self._policy("Other", 1, 2, sequence=1, company_id=other_company.id, calendar_id=False)
        self.assertEqual(self._feedback(priority="urgent").sla_id, self.sla_complaint)

    def test_no_matching_policy_means_no_sla(self):
        self.sla_any.active = False
        feedback = self._feedback(kind="praise")
        self.assertFalse(feedback.sla_id)
        self.assertFalse(feedback.first_response_deadline)
        self.assertFalse(feedback.sla_status)

    @freeze_time(MONDAY)
    def test_policy_and_deadlines_follow_changes_while_open(self):
        feedback = self._feedback(kind="question")
        self.assertEqual(feedback.sla_id, self.sla_any)
        # 16 working hours from Monday 09:00: Monday 7 h, Tuesday 8 h, Wednesday 1 h
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 4, 9, 0))
        feedback.write({"kind": "complaint", "priority": "urgent"})
        self.assertEqual(feedback.sla_id, self.sla_urgent_complaint)
        # 2 working hours from Monday 09:00 (the clock started at creation)
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 2, 11, 0))
        feedback.priority = "low"
        self.assertEqual(feedback.sla_id, self.sla_complaint)
        feedback.team_id = self.other_team
        self.assertEqual(
            feedback.sla_id, self.sla_channel, "team policy (16) before complaint (20)"
        )

    @freeze_time(MONDAY)
    def test_team_and_partner_changes_rematch(self):
        feedback = self._feedback(kind="question")
        feedback.team_id = self.other_team
        self.assertEqual(feedback.sla_id, self.sla_channel)
        gold = self.env["res.partner"].create({"name": "Gold Co", "grade_id": self.grade_gold.id})
        feedback.write({"partner_id": gold.id, "contact_id": False})
        self.assertEqual(feedback.sla_id, self.sla_gold)

    @freeze_time(MONDAY)
    def test_resolved_feedback_keeps_its_policy(self):
        feedback = self._feedback(kind="question")
        feedback.action_resolve()
        feedback.write({"kind": "complaint", "priority": "urgent"})
        self.assertEqual(feedback.sla_id, self.sla_any)
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 4, 9, 0))

    def test_bad_policy_values_are_refused(self):
        for vals, message in (
            ({"first_response_hours": 0}, r"more than 0 working hours \(got 0 h and 8 h\)"),
            ({"first_response_hours": -2}, r"more than 0 working hours \(got -2 h"),
            ({"resolve_hours": 0}, r"more than 0 working hours \(got 2 h and 0 h\)"),
            ({"resolve_hours": -8}, "more than 0 working hours"),
            ({"first_response_hours": 10, "resolve_hours": 4}, r"\(4 h\) cannot be shorter"),
            ({"at_risk_percent": 0}, r"between 1 and 99 percent .* \(got 0 %\)"),
            ({"at_risk_percent": 100}, r"between 1 and 99 percent .* \(got 100 %\)"),
            ({"at_risk_percent": -5}, "between 1 and 99 percent"),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, "SLA policy “Bad”: .*" + message),
            ):
                self._policy("Bad", **vals)
        policy = self._policy("Good", first=4, resolve=16)
        with self.assertRaisesRegex(ValidationError, "between 1 and 99"), self.env.cr.savepoint():
            policy.at_risk_percent = 120
        with self.assertRaisesRegex(ValidationError, "cannot be shorter"), self.env.cr.savepoint():
            policy.resolve_hours = 3
        # the SQL constraints stay as the last safety net
        self._assert_sql_refuses(
            policy,
            [
                ("first_response_hours", 0, "first_response_positive"),
                ("resolve_hours", -1, "resolve_positive"),
                ("at_risk_percent", 100, "at_risk_range"),
            ],
        )

    def test_options_mirror_the_selections(self):
        for field in ("kind", "priority"):
            options = self.env["customer.feedback.option"].search([("field", "=", field)])
            values = [v for v, _l in self.Feedback._fields[field].selection]
            self.assertEqual(sorted(options.mapped("value")), sorted(values))

    def test_default_policies_in_data(self):
        urgent = self.env.ref(f"{MODULE}.feedback_sla_urgent_complaint")
        self.assertEqual((urgent.first_response_hours, urgent.resolve_hours), (2, 24))
        self.assertEqual(urgent.kind_ids.mapped("value"), ["complaint", "defect"])
        self.assertFalse(urgent.company_id, "data policies apply to every company")
        default = self.env.ref(f"{MODULE}.feedback_sla_default")
        self.assertFalse(default.kind_ids or default.priority_ids, "the fallback matches anything")


@tagged("post_install", "-at_install")
class TestFeedbackSlaDeadlines(FeedbackCommon):
    """Deadlines in working hours: nights, lunch, weekends, public holidays, timezones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sla = cls._policy("Urgent", first=2, resolve=24)

    def test_deadlines_skip_night_and_weekend(self):
        feedback = self._feedback(sla_start_date=FRIDAY_4PM)
        # Friday 16-17 (1 h), then Monday from 08:00
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 9, 9, 0))
        # 80 % of 2 h = 1.6 h -> Monday 08:36
        self.assertEqual(feedback.first_response_risk_date, datetime(2026, 3, 9, 8, 36))
        # twice the allowed time: 4 h -> Monday 11:00
        self.assertEqual(feedback.first_response_escalation_date, datetime(2026, 3, 9, 11, 0))
        # 24 h: Fri 1 h + Mon 8 + Tue 8 = 17 h, Wed 08-12 (21 h), 13-16 -> Wed 16:00
        self.assertEqual(feedback.resolve_deadline, datetime(2026, 3, 11, 16, 0))
        # 48 h: Wed 17:00 = 24 + 1 h... Fri 1 + Mon-Fri 40 = 41, next Mon 7 h -> 16:00
        self.assertEqual(feedback.resolve_escalation_date, datetime(2026, 3, 16, 16, 0))

    def test_lunch_break_is_not_working_time(self):
        feedback = self._feedback(sla_start_date=datetime(2026, 3, 2, 11, 0))
        # 11-12 (1 h), lunch, 13-14
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 2, 14, 0))

    def test_received_outside_working_hours(self):
        feedback = self._feedback(sla_start_date=datetime(2026, 3, 7, 22, 0))  # Saturday night
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 9, 10, 0))

    def test_public_holiday_is_skipped(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59),
            }
        )
        feedback = self._feedback(sla_start_date=FRIDAY_4PM)
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 10, 9, 0))

    def test_calendar_timezone(self):
        self.calendar.tz = "Asia/Shanghai"  # 08:00 Shanghai = 00:00 UTC
        feedback = self._feedback(sla_start_date=datetime(2026, 3, 2, 1, 0))  # 09:00 Shanghai
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 2, 3, 0))

    def test_company_calendar_when_policy_has_none(self):
        self.sla.calendar_id = False
        self.env.company.resource_calendar_id = self.calendar
        feedback = self._feedback(sla_start_date=FRIDAY_4PM)
        self.assertEqual(feedback.first_response_deadline, datetime(2026, 3, 9, 9, 0))

    def test_no_calendar_counts_elapsed_hours(self):
        self.sla.calendar_id = False
        self.env.company.resource_calendar_id = False
        feedback = self._feedback(sla_start_date=FRIDAY_4PM)
        self.assertEqual(feedback.first_response_deadline, FRIDAY_4PM + timedelta(hours=2))


@tagged("post_install", "-at_install")
class TestFeedbackSlaLadder(FeedbackCommon):
    """At risk -> breached (team leader) -> twice the time (sales manager), by the cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sla = cls._policy("Urgent", first=2, resolve=8)

    def _run_cron(self, when):
        with freeze_time(when), self._cron_progress():
            self.Feedback._cron_update_sla()

    def test_ladder(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
        self.assertEqual(feedback.sla_status, "on_time")
        self.assertEqual(feedback.sla_next_check, datetime(2026, 3, 2, 10, 36))
        risk_type = "mail_activity_type_feedback_sla_risk"
        escalation_type = "mail_activity_type_feedback_escalation"

        self._run_cron(datetime(2026, 3, 2, 10, 0))  # not due yet: untouched
        self.assertEqual(feedback.sla_status, "on_time")
        self.assertFalse(feedback.activity_ids)

        self._run_cron(datetime(2026, 3, 2, 10, 40))
        self.assertEqual(feedback.sla_status, "at_risk")
        risk = self._activities(feedback, risk_type)
        self.assertEqual(risk.user_id, self.user_cs, "the owner is warned")
        self.assertEqual(feedback.escalation_level, 0)

        self._run_cron(datetime(2026, 3, 2, 11, 5))
        self.assertEqual(feedback.sla_status, "breached")
        self.assertEqual(feedback.escalation_level, 1)
        escalation = self._activities(feedback, escalation_type)
        self.assertEqual(escalation.user_id, self.user_sales_manager, "team leader")
        message = feedback.message_ids.filtered(lambda m: "escalated to level 1" in m.body)
        self.assertEqual(len(message), 1)
        tracking = message.tracking_value_ids
        self.assertEqual(tracking.field_id.name, "escalation_level")
        self.assertEqual((tracking.old_value_integer, tracking.new_value_integer), (0, 1))
        self.assertIn(self.user_sales_manager.name, message.body)

        self._run_cron(datetime(2026, 3, 2, 11, 20))  # nothing new: never twice per level
        self.assertEqual(len(self._activities(feedback, escalation_type)), 1)
        self.assertEqual(len(self._activities(feedback, risk_type)), 1)

        # twice the allowed first response time: 09:00 + 4 working hours = 14:00
        self._run_cron(datetime(2026, 3, 2, 14, 1))
        self.assertEqual(feedback.escalation_level, 2)
        escalations = self._activities(feedback, escalation_type)
        self.assertEqual(escalations.user_id, self.user_sales_manager | self.user_admin)
        self._run_cron(datetime(2026, 3, 3, 16, 0))
        self.assertEqual(len(self._activities(feedback, escalation_type)), 2)
        self.assertEqual(feedback.escalation_level, 2)

    def test_level_two_falls_back_on_a_sales_manager(self):
        self.env.company.feedback_escalation_user_id = False
        with freeze_time(MONDAY):
            feedback = self._feedback()
        expected = feedback._escalation_manager()
        self.assertTrue(expected.has_group("sales_team.group_sale_manager"))
        self._run_cron(datetime(2026, 3, 2, 15, 0))
        self.assertEqual(feedback.escalation_level, 2)
        self.assertIn(
            expected, self._activities(feedback, "mail_activity_type_feedback_escalation").user_id
        )

    def test_a_late_cron_escalates_both_levels_at_once(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
        self._run_cron(datetime(2026, 3, 4, 9, 0))
        self.assertEqual(feedback.escalation_level, 2)
        activities = self._activities(feedback, "mail_activity_type_feedback_escalation")
        self.assertEqual(activities.user_id, self.user_sales_manager | self.user_admin)
        self.assertFalse(self._activities(feedback, "mail_activity_type_feedback_sla_risk"))

    def test_first_response_in_time_then_resolution_ladder(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
        with freeze_time(datetime(2026, 3, 2, 10, 0)):
            feedback.action_acknowledge()
        self.assertEqual(feedback.first_response_date, datetime(2026, 3, 2, 10, 0))
        # resolution 8 h: Monday 09:00 -> Tuesday 09:00
        self.assertEqual(feedback.resolve_deadline, datetime(2026, 3, 3, 9, 0))
        self.assertEqual(feedback.sla_next_check, datetime(2026, 3, 2, 16, 24))
        self._run_cron(datetime(2026, 3, 2, 16, 30))
        self.assertEqual(feedback.sla_status, "at_risk")
        self._run_cron(datetime(2026, 3, 3, 9, 30))
        self.assertEqual((feedback.sla_status, feedback.escalation_level), ("breached", 1))

    def test_late_first_response_stays_breached(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
        with freeze_time(datetime(2026, 3, 2, 15, 0)):
            feedback.action_acknowledge()
        self.assertEqual(feedback.sla_status, "breached")
        self.assertEqual(feedback.escalation_level, 0, "answered before any cron escalated")
        with freeze_time(datetime(2026, 3, 2, 15, 0)):
            feedback.write({"root_cause": "Paper sensor", "solution": "Replaced"})
            feedback.action_resolve()
        self.assertEqual(feedback.sla_status, "breached")
        self.assertFalse(feedback.sla_next_check)
        self.assertEqual(feedback.breached_rate, 100.0)

    def test_resolution_in_time_is_on_time_and_clears_sla_activities(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
        self._run_cron(datetime(2026, 3, 2, 10, 40))
        self.assertTrue(self._activities(feedback, "mail_activity_type_feedback_sla_risk"))
        with freeze_time(datetime(2026, 3, 2, 10, 50)):
            feedback.write({"root_cause": "Paper sensor", "solution": "Replaced"})
            feedback.action_resolve()
        self.assertEqual(feedback.sla_status, "on_time")
        self.assertEqual(feedback.breached_rate, 0.0)
        self.assertFalse(self._activities(feedback, "mail_activity_type_feedback_sla_risk"))
        self._run_cron(datetime(2026, 3, 9, 9, 0))
        self.assertEqual(feedback.escalation_level, 0, "resolved feedback never escalates")

    def test_cancelled_feedback_leaves_the_sla(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
            feedback.action_cancel()
        self.assertFalse(feedback.sla_status)
        self.assertFalse(feedback.sla_next_check)
        self._run_cron(datetime(2026, 3, 9, 9, 0))
        self.assertEqual(feedback.escalation_level, 0)

    def test_reopen_restarts_the_resolution_clock(self):
        with freeze_time(MONDAY):
            feedback = self._feedback(kind="question")
        self._run_cron(datetime(2026, 3, 3, 15, 0))
        self.assertEqual(feedback.escalation_level, 2)
        with freeze_time(datetime(2026, 3, 3, 15, 0)):
            feedback.action_resolve()
        with freeze_time(datetime(2026, 3, 4, 9, 0)):
            feedback.action_reopen()
        self.assertEqual(feedback.state, "in_progress")
        self.assertEqual(feedback.escalation_level, 0, "a new commitment, a new ladder")
        self.assertEqual(feedback.resolve_start_date, datetime(2026, 3, 4, 9, 0))
        self.assertEqual(feedback.resolve_deadline, datetime(2026, 3, 5, 9, 0))
        self.assertEqual(feedback.sla_status, "breached", "the first response was late")
        self._run_cron(datetime(2026, 3, 5, 9, 30))
        self.assertEqual(feedback.escalation_level, 1)


@tagged("post_install", "-at_install")
class TestFeedbackSlaFirstResponse(FeedbackCommon):
    """First response = first message sent to the customer, or acknowledging."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)

    def test_message_to_the_customer_is_the_first_response(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
        with freeze_time(datetime(2026, 3, 2, 9, 30)):
            feedback.with_user(self.user_cs).message_post(
                body="We are on it",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.contact.ids,
            )
        self.assertEqual(feedback.first_response_date, datetime(2026, 3, 2, 9, 30))
        self.assertEqual(feedback.state, "new", "answering does not move the state")

    def test_follower_customer_counts_as_recipient(self):
        feedback = self._feedback()
        feedback.message_subscribe(partner_ids=self.contact.ids)
        feedback.with_user(self.user_cs).message_post(
            body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertTrue(feedback.first_response_date)

    def test_internal_note_is_not_a_response(self):
        feedback = self._feedback()
        feedback.with_user(self.user_cs).message_post(
            body="Checking logs",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=self.contact.ids,
        )
        self.assertFalse(feedback.first_response_date)

    def test_message_to_colleagues_only_is_not_a_response(self):
        feedback = self._feedback()
        feedback.with_user(self.user_cs).message_post(
            body="@rep can you call them?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.user_rep.partner_id.ids,
        )
        self.assertFalse(feedback.first_response_date)

    def test_customer_message_is_not_a_response(self):
        feedback = self._feedback()
        feedback.message_subscribe(partner_ids=self.contact.ids)
        feedback.message_post(
            body="Still broken",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.contact.id,
        )
        self.assertFalse(feedback.first_response_date)

    def test_acknowledge_is_the_first_response(self):
        with freeze_time(MONDAY):
            feedback = self._feedback()
        with freeze_time(datetime(2026, 3, 2, 10, 0)):
            feedback.action_acknowledge()
        self.assertEqual(feedback.first_response_date, datetime(2026, 3, 2, 10, 0))
        self.assertEqual(feedback.sla_status, "on_time")


@tagged("post_install", "-at_install")
class TestFeedbackSlaCron(FeedbackCommon):
    """Batches, progress, failure isolation and constant query count."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Urgent", first=2, resolve=8)
        cls.cron = cls.env.ref(f"{MODULE}.ir_cron_customer_feedback_sla")

    def _due(self, count):
        with freeze_time(MONDAY):
            return self.Feedback.create(
                [
                    {
                        "name": f"Late {n}",
                        "partner_id": self.customer.id,
                        "kind": "complaint",
                        "user_id": self.user_cs.id,
                        "team_id": self.team.id,
                    }
                    for n in range(count)
                ]
            )

    def test_cron_record(self):
        self.assertEqual((self.cron.interval_number, self.cron.interval_type), (15, "minutes"))
        self.assertEqual(self.cron.code.strip(), "model._cron_update_sla()")
        self.assertTrue(self.cron.active)

    def test_progress_is_committed_per_batch_and_time_limit_stops(self):
        feedbacks = self._due(3)
        with freeze_time(datetime(2026, 3, 2, 11, 30)), self._cron_progress(0.0) as progress:
            self.Feedback._cron_update_sla(batch_size=2)
        self.assertEqual(progress.call_args_list[0].kwargs, {"remaining": 3})
        self.assertEqual(progress.call_args_list[1].args, (2,))
        self.assertEqual(len(progress.call_args_list), 2, "no time left: stops after a batch")
        self.assertEqual(feedbacks.mapped("escalation_level"), [1, 1, 0])

    def test_one_failing_record_does_not_stop_the_batch(self):
        feedbacks = self._due(3)
        bad = feedbacks[1]
        original = type(self.Feedback)._sla_process

        def flaky(records, now=None, batch=False):
            if bad in records:
                raise ValueError("broken record")
            return original(records, now=now, batch=batch)

        with (
            patch.object(type(self.Feedback), "_sla_process", flaky),
            freeze_time(datetime(2026, 3, 2, 11, 30)),
            self._cron_progress(),
            mute_logger(f"odoo.addons.{MODULE}.models.feedback.customer_feedback_sla_engine"),
        ):
            self.Feedback._cron_update_sla()
        self.assertEqual((feedbacks - bad).mapped("escalation_level"), [1, 1])
        self.assertEqual(bad.escalation_level, 0)
        self.assertEqual(bad.sla_status, "on_time", "left for the next run")

    def test_query_count_does_not_grow_with_the_records(self):
        counts = []
        for size in (1, 2, 10):  # the first run warms the caches
            self._due(size)
            self.env.cr.flush()  # pending tracking and writes of the previous round
            self.env.invalidate_all()
            with freeze_time(datetime(2026, 3, 2, 11, 30)), self._cron_progress():
                queries = self.env.cr.sql_log_count
                self.Feedback._cron_update_sla()
                self.env.cr.flush()
                counts.append(self.env.cr.sql_log_count - queries)
            self.Feedback.search([("name", "like", "Late ")]).write({"state": "cancelled"})
        self.assertEqual(counts[1], counts[2], f"queries for 1, 2 and 10 escalations: {counts}")
