from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from ..common import MODULE
from .common import RequirementCommon

# 2025-01-03 is a Friday
FRIDAY_10AM = datetime(2025, 1, 3, 10, 0)


@tagged("post_install", "-at_install")
class TestRequirementTriage(RequirementCommon):
    """Spec 3: triage SLA in working days on the company calendar, first response, cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._create_week_calendar("Test 40h Mon-Fri (UTC)")
        cls.env.company.resource_calendar_id = cls.calendar
        cls.env.company.requirement_triage_days = 1
        cls.activity_type = cls.env.ref(f"{MODULE}.mail_activity_type_requirement_triage")

    def _create_at(self, when, **vals):
        with freeze_time(when):
            requirement = self._requirement(**vals)
            self.env.flush_all()
        return requirement

    def test_calendar_is_a_40_hour_week(self):
        self.assertEqual(self.calendar.hours_per_day, 8)

    def test_deadline_skips_the_weekend(self):
        requirement = self._create_at(FRIDAY_10AM)
        self.assertEqual(requirement.first_response_deadline, datetime(2025, 1, 6, 10, 0))

    def test_deadline_default_five_working_days(self):
        self.env.company.requirement_triage_days = 5
        requirement = self._create_at(FRIDAY_10AM)
        self.assertEqual(requirement.first_response_deadline, datetime(2025, 1, 10, 10, 0))

    def test_deadline_raised_on_saturday(self):
        requirement = self._create_at(datetime(2025, 1, 4, 15, 0))
        # the clock starts Monday 8:00; one working day later is Monday 17:00
        self.assertEqual(requirement.first_response_deadline, datetime(2025, 1, 6, 17, 0))

    def test_deadline_skips_a_public_holiday(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Test holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2025, 1, 6, 0, 0),
                "date_to": datetime(2025, 1, 6, 23, 59),
            }
        )
        requirement = self._create_at(FRIDAY_10AM)
        self.assertEqual(requirement.first_response_deadline, datetime(2025, 1, 7, 10, 0))

    def test_default_delay_is_five_days(self):
        company = self.env["res.company"].create({"name": "Fresh Co"})
        self.assertEqual(company.requirement_triage_days, 5)

    def test_overdue_filter_across_the_weekend(self):
        requirement = self._create_at(FRIDAY_10AM)
        domain = [("is_triage_overdue", "=", True), ("id", "=", requirement.id)]
        with freeze_time(datetime(2025, 1, 6, 9, 0)):  # Monday morning: still in time
            requirement.invalidate_recordset(["is_triage_overdue"])
            self.assertFalse(requirement.is_triage_overdue)
            self.assertFalse(self.Requirement.search(domain))
        with freeze_time(datetime(2025, 1, 6, 11, 0)):  # Monday 11:00: overdue
            requirement.invalidate_recordset(["is_triage_overdue"])
            self.assertTrue(requirement.is_triage_overdue)
            self.assertEqual(self.Requirement.search(domain), requirement)
            self.assertFalse(
                self.Requirement.search(
                    [("is_triage_overdue", "=", False), ("id", "=", requirement.id)]
                )
            )

    def test_first_response_when_leaving_new(self):
        requirement = self._create_at(FRIDAY_10AM)
        requirement.with_user(self.user_pm).write({"priority": "2"})
        self.assertFalse(requirement.first_response_date, "staying in New is no answer")
        with freeze_time(datetime(2025, 1, 6, 9, 30)):
            requirement.with_user(self.user_pm).stage_id = self.stage_review
            self.env.flush_all()
        self.assertEqual(requirement.first_response_date, datetime(2025, 1, 6, 9, 30))
        # later moves keep the first answer
        with freeze_time(datetime(2025, 1, 9, 9, 30)):
            requirement.with_user(self.user_pm).stage_id = self.stage_planned
        self.assertEqual(requirement.first_response_date, datetime(2025, 1, 6, 9, 30))
        self.assertFalse(requirement._triage_breached())

    def test_first_response_by_pm_message(self):
        requirement = self._create_at(FRIDAY_10AM)
        requirement.with_user(self.user_rep).message_post(
            body="Any news?", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertFalse(requirement.first_response_date, "the rep asking is no answer")
        with freeze_time(datetime(2025, 1, 7, 9, 0)):
            requirement.with_user(self.user_pm).message_post(
                body="Looking into it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertEqual(requirement.first_response_date, datetime(2025, 1, 7, 9, 0))
        self.assertEqual(requirement.stage_id, self.stage_new)
        self.assertTrue(requirement._triage_breached(), "answered after Monday 10:00")

    def test_cron_creates_one_activity_per_overdue_requirement(self):
        owned = self._create_at(FRIDAY_10AM, name="Owned")
        orphan = self._create_at(FRIDAY_10AM, name="No owner", user_id=False)
        answered = self._create_at(FRIDAY_10AM, name="Answered")
        answered.with_user(self.user_pm).message_post(body="On it", message_type="comment")
        in_time = self._create_at(datetime(2025, 1, 6, 10, 0), name="Raised Monday")
        other_pm = self._create_new_internal_user(login="t_pm2")
        other_pm.group_ids = [
            Command.link(self.env.ref(f"{MODULE}.group_collab_product_manager").id)
        ]
        owned.user_id = other_pm
        mine = self.env["mail.activity"].search
        domain = [
            ("activity_type_id", "=", self.activity_type.id),
            ("res_model", "=", "product.requirement"),
            ("res_id", "in", (owned | orphan | answered | in_time).ids),
        ]
        with freeze_time(datetime(2025, 1, 6, 18, 0)):
            self.Requirement._cron_triage_overdue()
            activities = mine(domain)
            self.assertEqual(len(activities), 2)
            by_record = {a.res_id: a for a in activities}
            self.assertEqual(by_record[owned.id].user_id, other_pm, "the owning PM")
            self.assertEqual(by_record[orphan.id].user_id, self.user_pm, "the company's default PM")
            self.assertIn("Triage overdue", by_record[owned.id].summary)
            # idempotent
            self.Requirement._cron_triage_overdue()
            self.assertEqual(mine(domain), activities)
        # the next day, the one raised on Monday is overdue too; still one each
        with freeze_time(datetime(2025, 1, 7, 18, 0)):
            self.Requirement._cron_triage_overdue()
            self.assertEqual(len(mine(domain)), 3)

    def test_cron_activity_in_the_assignees_language(self):
        """The cron runs without a language; each product manager reads theirs."""
        for code in ("zh_CN", "zh_TW"):
            self.env["res.lang"]._activate_lang(code)
        chinese = self._create_at(FRIDAY_10AM, name="For a Chinese PM")
        taiwanese = self._create_at(FRIDAY_10AM, name="For a Taiwanese PM")
        english = self._create_at(FRIDAY_10AM, name="For an English PM")
        group = self.env.ref(f"{MODULE}.group_collab_product_manager")
        for requirement, login, lang in (
            (chinese, "t_pm_cn", "zh_CN"),
            (taiwanese, "t_pm_tw", "zh_TW"),
            (english, "t_pm_en", "en_US"),
        ):
            pm = self._create_new_internal_user(login=login)
            pm.write({"lang": lang, "group_ids": [Command.link(group.id)]})
            requirement.user_id = pm
        with freeze_time(datetime(2025, 1, 6, 18, 0)):
            self.Requirement.with_context(lang=None)._cron_triage_overdue()
        summaries = {
            activity.res_id: activity.summary
            for activity in self.env["mail.activity"].search(
                [
                    ("activity_type_id", "=", self.activity_type.id),
                    ("res_id", "in", (chinese | taiwanese | english).ids),
                ]
            )
        }
        self.assertIn("请答复", summaries[chinese.id])
        self.assertIn("請答覆", summaries[taiwanese.id])
        self.assertIn("Triage overdue: answer", summaries[english.id])

    def test_cron_is_scheduled_daily(self):
        cron = self.env.ref(f"{MODULE}.ir_cron_requirement_triage_overdue")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(cron.model_id.model, "product.requirement")
