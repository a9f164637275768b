from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from ..common import MODULE
from .common import MONDAY, FeedbackCommon

# the columns that differ between twin records whatever the path: ids, timestamps, the
# generated Message-Id
VOLATILE = {"id", "create_date", "write_date", "date", "message_id", "mail_message_id"}
# the cron's moments for feedback received MONDAY 09:00 under a 2 h / 8 h policy: at risk
# (80 % of 2 h: 10:36), then past twice the first response time (14:00): levels 1 and 2
AT_RISK = datetime(2026, 3, 2, 10, 40)
TWICE_LATE = datetime(2026, 3, 2, 15, 0)


@tagged("post_install", "-at_install")
class TestFeedbackSlaBulk(FeedbackCommon):
    """The cron writes its activities, followers, notes and tracking values in bulk
    (customer_feedback_sla_bulk.py): the rows are the ORM's, for assignees of several
    teams and languages, and an interrupted run resumes without duplicates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("zh_CN", "zh_TW"):
            cls.env["res.lang"]._activate_lang(code)
        cls._policy("Urgent", first=2, resolve=8)
        users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.leader_cn = users.create(
            {
                "name": "Li Leader",
                "login": "t_fb_leader_cn",
                "lang": "zh_CN",
                "tz": "Asia/Shanghai",
                "group_ids": [Command.set([cls.env.ref("sales_team.group_sale_salesman").id])],
            }
        )
        cls.owner_tw = users.create(
            {
                "name": "Chen Owner",
                "login": "t_fb_owner_tw",
                "lang": "zh_TW",
                "tz": "Asia/Taipei",
                "group_ids": [
                    Command.set([cls.env.ref(f"{MODULE}.group_collab_customer_service").id])
                ],
            }
        )
        cls.team_cn = cls.env["crm.team"].create(
            {"name": "Feedback Test Team East", "user_id": cls.leader_cn.id}
        )

    def _pair(self):
        """One feedback of the English team (owner t_cs) and one of the Chinese team
        (owner in zh_TW, leader in zh_CN), received Monday 09:00."""
        with freeze_time(MONDAY):
            return self._feedback(name="Receipt printer jams") | self._feedback(
                name="Scanner drops barcodes", user_id=self.owner_tw.id, team_id=self.team_cn.id
            )

    @contextmanager
    def _orm_path(self):
        """The cron's chatter through the ORM (as before the bulk inserts): the reference
        the bulk rows are compared with."""
        feedback_class = type(self.Feedback)
        with (
            patch.object(
                feedback_class,
                "_sla_bulk_activities",
                lambda records, xmlid, plans: records._schedule_activities(
                    xmlid, plans, notify=False
                ),
            ),
            patch.object(
                feedback_class,
                "_sla_bulk_log",
                lambda records, escalations, bodies: records._sla_log_escalations(
                    escalations, bodies
                ),
            ),
        ):
            yield

    @contextmanager
    def _bus(self):
        """The activity counter notifications sent to users: [(user id, payload)]."""
        calls = []
        users_class = type(self.env["res.users"])
        original = users_class._bus_send

        def record(users, notification_type, message, /, **kwargs):
            if notification_type == "mail.activity/updated":
                calls.extend((user.id, message) for user in users)
            return original(users, notification_type, message, **kwargs)

        with patch.object(users_class, "_bus_send", record):
            yield calls

    def _rows(self, query, feedbacks, **params):
        """The rows of `query` (res_id = ANY(%(ids)s)), the feedback id replaced by its
        position in `feedbacks` and its display name in texts by "<feedback>", volatile
        columns left out, in a stable order."""
        self.env.flush_all()
        names = {feedback.id: feedback.display_name for feedback in feedbacks}
        self.env.cr.execute(SQL(query, ids=feedbacks.ids, **params))
        rows = []
        for row in self.env.cr.dictfetchall():
            name = names[row["res_id"]]
            row = {
                key: value.replace(name, "<feedback>") if isinstance(value, str) else value
                for key, value in row.items()
                if key not in VOLATILE
            }
            row["res_id"] = feedbacks.ids.index(row["res_id"])
            rows.append(row)
        return sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))

    def _chatter(self, feedbacks):
        return {
            "activities": self._rows(
                "SELECT * FROM mail_activity WHERE res_model = 'customer.feedback'"
                " AND res_id = ANY(%(ids)s)",
                feedbacks,
            ),
            "messages": self._rows(
                "SELECT * FROM mail_message WHERE model = 'customer.feedback'"
                " AND res_id = ANY(%(ids)s)",
                feedbacks,
            ),
            "tracking": self._rows(
                "SELECT t.*, m.res_id FROM mail_tracking_value t"
                " JOIN mail_message m ON m.id = t.mail_message_id"
                " WHERE m.model = 'customer.feedback' AND m.res_id = ANY(%(ids)s)",
                feedbacks,
            ),
            "followers": self._rows(
                "SELECT f.res_id, f.partner_id, array_agg(r.mail_message_subtype_id"
                " ORDER BY r.mail_message_subtype_id) AS subtypes FROM mail_followers f"
                " LEFT JOIN mail_followers_mail_message_subtype_rel r"
                " ON r.mail_followers_id = f.id"
                " WHERE f.res_model = 'customer.feedback' AND f.res_id = ANY(%(ids)s)"
                " GROUP BY f.id",
                feedbacks,
            ),
            "feedback": [
                (fb.sla_status, fb.escalation_level, fb.sla_next_check) for fb in feedbacks
            ],
        }

    def _cron(self, when, **kwargs):
        with freeze_time(when), self._cron_progress():
            self.Feedback._cron_update_sla(**kwargs)

    def test_bulk_rows_are_the_orms_rows(self):
        reference, bulk = self._pair(), self._pair()
        with self._bus() as reference_bus:
            for when in (AT_RISK, TWICE_LATE):
                with self._orm_path(), freeze_time(when):
                    reference._sla_process(when, batch=True)
        # read before the run, so in the cache
        self.assertFalse(bulk.activity_ids)
        self.assertEqual(bulk.mapped("activity_state"), [False, False])
        followers_before = len(bulk.message_follower_ids)
        with self._bus() as bulk_bus:
            for when in (AT_RISK, TWICE_LATE):
                with freeze_time(when):
                    bulk._sla_process(when, batch=True)
        expected, got = self._chatter(reference), self._chatter(bulk)
        self.assertEqual(len(expected["activities"]), 6, "2 at risk, 2 x 2 escalations")
        self.assertEqual(len(expected["tracking"]), 2)
        for key in expected:
            with self.subTest(key=key):
                self.assertEqual(got[key], expected[key])
        self.assertTrue(reference_bus)
        self.assertEqual(bulk_bus, reference_bus)
        # the caches follow: the records read their new activities and messages
        self.assertEqual(len(bulk.activity_ids), 6)
        self.assertEqual(len(bulk.message_ids), len(reference.message_ids))
        self.assertGreater(len(bulk.message_follower_ids), followers_before)
        self.assertEqual(bulk.mapped("activity_state"), reference.mapped("activity_state"))
        self.assertTrue(all(bulk.mapped("activity_state")))

    def test_cron_writes_each_assignee_in_their_language(self):
        feedback_en, feedback_cn = self._pair()
        self._cron(AT_RISK)
        self._cron(TWICE_LATE)
        risk_en = self._activities(feedback_en, "mail_activity_type_feedback_sla_risk")
        risk_tw = self._activities(feedback_cn, "mail_activity_type_feedback_sla_risk")
        self.assertEqual(risk_en.user_id, self.user_cs)
        self.assertEqual(risk_en.summary, f"SLA at risk: {feedback_en.display_name}")
        self.assertEqual(risk_tw.user_id, self.owner_tw)
        self.assertEqual(risk_tw.summary, f"SLA 有風險：{feedback_cn.display_name}")
        # due 11:00 UTC, in the owner's time zone (Taipei: 19:00)
        self.assertIn("截止時間：", risk_tw.note)
        self.assertIn("19:00", risk_tw.note)
        self.assertEqual(risk_tw.user_tz, "Asia/Taipei")

        escalation = "mail_activity_type_feedback_escalation"
        by_user_en = {a.user_id: a.summary for a in self._activities(feedback_en, escalation)}
        by_user_cn = {a.user_id: a.summary for a in self._activities(feedback_cn, escalation)}
        self.assertEqual(
            by_user_en,
            {
                self.user_sales_manager: f"SLA breached: {feedback_en.display_name}",
                self.user_admin: "SLA breached for twice the allowed time: "
                + feedback_en.display_name,
            },
        )
        self.assertEqual(
            by_user_cn,
            {
                self.leader_cn: f"SLA 已超时：{feedback_cn.display_name}",
                self.user_admin: "SLA breached for twice the allowed time: "
                + feedback_cn.display_name,
            },
        )
        for feedback, leader in (
            (feedback_en, self.user_sales_manager),
            (feedback_cn, self.leader_cn),
        ):
            with self.subTest(feedback=feedback.name):
                self.assertEqual((feedback.sla_status, feedback.escalation_level), ("breached", 2))
                notes = feedback.message_ids.filtered(lambda m: "escalated to level" in m.body)
                self.assertEqual(len(notes), 1, "one note for both levels")
                self.assertIn(f"level 2 ({leader.name}, {self.user_admin.name})", notes.body)
                self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
                self.assertEqual(notes.author_id, self.env.user.partner_id)
                tracking = notes.tracking_value_ids
                self.assertEqual(tracking.field_id.name, "escalation_level")
                self.assertEqual((tracking.old_value_integer, tracking.new_value_integer), (0, 2))
                self.assertLessEqual(
                    (leader | self.user_admin | feedback.user_id).partner_id,
                    feedback.message_partner_ids,
                    "the assignees follow the feedback",
                )

    def test_interrupted_run_resumes_without_duplicates(self):
        with freeze_time(MONDAY):
            feedbacks = self.Feedback.create(
                [
                    {
                        "name": f"Late {n}",
                        "partner_id": self.customer.id,
                        "kind": "complaint",
                        "user_id": (self.user_cs | self.owner_tw)[n % 2].id,
                        "team_id": (self.team | self.team_cn)[n % 2].id,
                    }
                    for n in range(5)
                ]
            )
        # the time limit is reached after the first batch of 2: the run stops there
        with freeze_time(TWICE_LATE), self._cron_progress(0.0):
            self.Feedback._cron_update_sla(batch_size=2)
        self.assertEqual(feedbacks.mapped("escalation_level"), [2, 2, 0, 0, 0])
        # the next runs take the rest, then find nothing to do
        self._cron(TWICE_LATE, batch_size=2)
        self._cron(datetime(2026, 3, 2, 15, 30), batch_size=2)
        escalation = "mail_activity_type_feedback_escalation"
        for feedback in feedbacks:
            with self.subTest(feedback=feedback.name):
                self.assertEqual(feedback.escalation_level, 2)
                self.assertEqual(len(self._activities(feedback, escalation)), 2)
                notes = feedback.message_ids.filtered(lambda m: "escalated to level" in m.body)
                self.assertEqual(len(notes), 1)
                followers = self.env["mail.followers"].search(
                    [("res_model", "=", feedback._name), ("res_id", "=", feedback.id)]
                )
                self.assertEqual(
                    len(followers), len(followers.partner_id), "no partner follows twice"
                )
