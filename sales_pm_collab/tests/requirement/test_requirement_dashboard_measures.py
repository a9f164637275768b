from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import RequirementCommon, RequirementHostileCommon

FRIDAY_10AM = datetime(2025, 1, 3, 10, 0)  # triage deadline one working day later: Mon 10:00
MEASURES = ("first_response_hours", "first_response_on_time", "first_response_on_time_rate")


@tagged("post_install", "-at_install")
class TestRequirementDashboardMeasures(RequirementCommon):
    """The product dashboard's stored measures against hand-computed figures: first
    response time, share answered within the triage SLA, cycle time raise -> release."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.resource_calendar_id = cls._create_week_calendar("Test 40h Mon-Fri")
        cls.env.company.requirement_triage_days = 1

    def _create_at(self, when, name, **vals):
        """A requirement raised at `when`: create_date is the transaction's (the
        database's clock, which freezegun does not stop), so it is set to `when` in SQL,
        before the answer or the release that compute the measures from it."""
        with freeze_time(when):
            requirement = self._requirement(name, **vals)
            self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_requirement SET create_date = %s WHERE id = %s",
            (when, requirement.id),
        )
        requirement.invalidate_recordset(["create_date"])
        return requirement

    def _answer_at(self, requirement, when):
        with freeze_time(when):
            requirement.with_user(self.user_pm).stage_id = self.stage_review
            self.env.flush_all()

    def test_first_response_hours_and_sla(self):
        early = self._create_at(FRIDAY_10AM, "Dashboard: answered Monday 9:30")
        late = self._create_at(FRIDAY_10AM, "Dashboard: answered Monday 11:00")
        silent = self._create_at(FRIDAY_10AM, "Dashboard: not answered")
        self.assertEqual(early.first_response_deadline, datetime(2025, 1, 6, 10, 0))
        self.assertEqual(
            (early.first_response_hours, early.first_response_on_time_rate), (0.0, 0.0)
        )
        self._answer_at(early, datetime(2025, 1, 6, 9, 30))
        self._answer_at(late, datetime(2025, 1, 6, 11, 0))
        # Friday 10:00 -> Monday 9:30 = 71.5 h, in time; -> Monday 11:00 = 73 h, late
        self.assertEqual(early.first_response_hours, 71.5)
        self.assertTrue(early.first_response_on_time)
        self.assertEqual(early.first_response_on_time_rate, 100.0)
        self.assertEqual(late.first_response_hours, 73.0)
        self.assertFalse(late.first_response_on_time)
        self.assertEqual(late.first_response_on_time_rate, 0.0)
        self.assertEqual(
            [silent[f] for f in MEASURES], [0.0, False, 0.0], "not answered: no response time"
        )
        # the dashboard's pivot: answered requirements only, averaged in SQL
        ids = (early | late | silent).ids
        [(count, hours, rate)] = self.Requirement._read_group(
            [("id", "in", ids), ("first_response_date", "!=", False)],
            [],
            ["__count", "first_response_hours:avg", "first_response_on_time_rate:avg"],
        )
        self.assertEqual(count, 2)
        self.assertAlmostEqual(hours, 72.25)  # (71.5 + 73) / 2
        self.assertAlmostEqual(rate, 50.0)  # one in two in time

    def test_pm_message_is_a_first_response(self):
        requirement = self._create_at(FRIDAY_10AM, "Dashboard: answered by message")
        with freeze_time(datetime(2025, 1, 3, 16, 15)):
            requirement.with_user(self.user_pm).message_post(
                body="Looking at it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self.env.flush_all()
        self.assertEqual(requirement.first_response_hours, 6.25)
        self.assertEqual(requirement.first_response_on_time_rate, 100.0)

    def test_cycle_days_raise_to_release(self):
        release = self.env["product.release"].create(
            {"name": "Dashboard 1.0", "product_id": self.product.id, "user_id": self.user_pm.id}
        )
        first = self._create_at(
            datetime(2025, 1, 3, 23, 0), "Dashboard: shipped after 30 days", release_id=release.id
        )
        second = self._create_at(
            datetime(2025, 1, 23, 8, 0), "Dashboard: shipped after 10 days", release_id=release.id
        )
        (first | second).stage_id = self.stage_development
        release.write({"date_released": date(2025, 2, 2), "state": "testing"})
        self.assertEqual((first.cycle_days, second.cycle_days), (0.0, 0.0), "not shipped yet")
        release.with_user(self.user_pm).action_mark_released()
        self.env.flush_all()
        # 3 January -> 2 February = 30 days; 23 January -> 2 February = 10 days
        self.assertEqual((first.cycle_days, second.cycle_days), (30.0, 10.0))
        [(avg,)] = self.Requirement._read_group(
            [("release_id.state", "=", "released"), ("id", "in", (first | second).ids)],
            [],
            ["cycle_days:avg"],
        )
        self.assertEqual(avg, 20.0)
        # the release date corrected afterwards: the cycle time follows
        release.date_released = date(2025, 2, 12)
        self.env.flush_all()
        self.assertEqual((first.cycle_days, second.cycle_days), (40.0, 20.0))


@tagged("post_install", "-at_install")
class TestRequirementDashboardMeasuresHostile(RequirementHostileCommon):
    """The dashboard's measures are computed by the system: no role writes them, with
    or without forged context keys, on create or on write."""

    def _snapshot(self):
        snapshot = super()._snapshot()
        snapshot["measures"] = (
            self.requirements.sudo().with_context(active_test=False).read([*MEASURES, "cycle_days"])
        )
        return snapshot

    def test_measures_refused_on_write_and_create(self):
        forged = {
            "first_response_hours": 0.5,
            "first_response_on_time": True,
            "first_response_on_time_rate": 100.0,
            "cycle_days": 1.0,
        }
        attacks = [
            (f"write {name}", self.target, lambda r, n=name, v=value: r.write({n: v}))
            for name, value in forged.items()
        ]
        attacks.append(
            (
                "create with the measures",
                self.Requirement,
                lambda m: m.create({"name": "Hostile: forged measures", **forged}),
            )
        )
        self._run_table(attacks)

    def test_forged_defaults_dropped(self):
        requirement = (
            self.Requirement.with_user(self.user_rep)
            .with_context(
                default_first_response_hours=0.1,
                default_first_response_on_time_rate=100.0,
                default_cycle_days=1.0,
            )
            .create({"name": "Hostile: defaults of measures"})
        )
        self.assertEqual(
            (
                requirement.first_response_hours,
                requirement.first_response_on_time_rate,
                requirement.cycle_days,
            ),
            (0.0, 0.0, 0.0),
        )
