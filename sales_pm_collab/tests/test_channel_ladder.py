from datetime import date
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sales_pm_collab.models.res_partner_grade_evaluation import (
    ResPartnerGradeEvaluation,
)

from .channel_common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelLadder(ChannelCommon):
    """Recommendation on the ladder, the demotion grace, and bad input."""

    def _silver_figures(self, partner):
        """Revenue 1,500 fully collected: meets Silver, not Gold."""
        invoice = self._invoice(partner, 1500, date(2024, 2, 1), due=date(2024, 3, 1))
        self._pay(invoice)

    def _gold_figures(self, partner):
        invoice = self._invoice(partner, 6000, date(2024, 2, 1), due=date(2024, 3, 1))
        self._pay(invoice)
        self._won_deal(partner, self.customer_x, date(2024, 5, 1))
        self.env["res.partner.training"].create(
            [
                {"partner_id": partner.id, "course_id": course.id, "date": date(2024, 1, 5)}
                for course in (self.course_install, self.course_sales)
            ]
        )

    def test_ladder_order_and_level(self):
        ladder = self.env["res.partner.grade"]._get_ladder()
        self.assertEqual(
            ladder,
            self.grade_platinum | self.grade_gold | self.grade_silver | self.grade_registered,
        )
        self.assertEqual(ladder.mapped("ladder_level"), [4, 3, 2, 1])

    def test_recommend_highest_met_grade_and_promote(self):
        self._gold_figures(self.dist_a)
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_gold)
        self.assertEqual(evaluation.change, "promote")
        self.assertEqual(evaluation.grade_next_id, self.grade_platinum)
        # Platinum: revenue 20,000 - 6,000; 1 more new customer; satisfaction unmeasured
        self.assertEqual(
            evaluation.gap_note,
            "revenue +14,000; 1 new customers; satisfaction not measured",
        )
        self.assertEqual(evaluation.state, "draft")

    def test_nothing_measured_gets_the_lowest_grade(self):
        evaluation = self._evaluate(self.dist_b)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_registered)
        self.assertEqual(evaluation.change, "promote")
        self.assertFalse(evaluation.collection_measured)
        # Silver asks a collection rate: not measured, so not met
        self.assertIn("collection rate not measured", evaluation.gap_note)
        self.assertIn("revenue +1,000", evaluation.gap_note)

    def test_keep_when_recommended_is_current(self):
        self.dist_a.grade_id = self.grade_silver
        self._silver_figures(self.dist_a)
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual(evaluation.grade_current_id, self.grade_silver)
        self.assertEqual(evaluation.change, "keep")
        self.assertFalse(evaluation.failing)
        self.assertIn("revenue +3,500", evaluation.gap_note)
        self.assertIn("2 mandatory trainings", evaluation.gap_note)

    def test_demote_at_first_failing_evaluation_by_default(self):
        self.dist_a.grade_id = self.grade_gold
        self._silver_figures(self.dist_a)
        evaluation = self._evaluate(self.dist_a)
        self.assertTrue(evaluation.failing)
        self.assertEqual(evaluation.failing_streak, 1)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_silver)
        self.assertEqual(evaluation.change, "demote")

    def test_demotion_grace_counts_consecutive_failing_evaluations(self):
        self.grade_gold.demotion_grace = 2
        self.dist_a.grade_id = self.grade_gold
        self._silver_figures(self.dist_a)
        first = self._evaluate(self.dist_a, date(2023, 1, 1), date(2023, 12, 31))
        self.assertEqual((first.change, first.failing_streak), ("keep", 1))
        self.assertIn("failing 1 of 2 before demotion", first.gap_note)
        first.with_user(self.user_channel).action_submit()
        second = self._evaluate(self.dist_a)
        self.assertEqual((second.change, second.failing_streak), ("demote", 2))
        self.assertEqual(second.grade_recommended_id, self.grade_silver)

    def test_rejected_failing_evaluation_does_not_count(self):
        self.grade_gold.demotion_grace = 2
        self.dist_a.grade_id = self.grade_gold
        self._silver_figures(self.dist_a)
        first = self._evaluate(self.dist_a, date(2023, 1, 1), date(2023, 12, 31))
        first.with_user(self.user_channel).action_reject()
        second = self._evaluate(self.dist_a)
        self.assertEqual((second.change, second.failing_streak), ("keep", 1))

    def test_new_run_replaces_drafts_only(self):
        first = self._evaluate(self.dist_a)
        second = self._evaluate(self.dist_a)
        self.assertFalse(first.exists())
        second.with_user(self.user_channel).action_submit()
        third = self._evaluate(self.dist_a)
        self.assertTrue(second.exists())
        self.assertNotEqual(second, third)

    def test_measured_satisfaction_reaches_platinum(self):
        self._gold_figures(self.dist_a)
        self._pay(self._invoice(self.dist_a, 15000, date(2024, 3, 1), due=date(2024, 3, 2)))
        self._won_deal(self.dist_a, self.customer_y, date(2024, 6, 1))
        partner_id = self.dist_a.id
        with patch.object(
            ResPartnerGradeEvaluation,
            "_kpi_satisfaction",
            lambda self, partners, date_from, date_to: {partner_id: 4.5},
        ):
            evaluation = self._evaluate(self.dist_a)
        self.assertTrue(evaluation.satisfaction_measured)
        self.assertEqual(evaluation.satisfaction, 4.5)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_platinum)
        self.assertEqual(evaluation.gap_note, "top of the ladder")
        with patch.object(
            ResPartnerGradeEvaluation,
            "_kpi_satisfaction",
            lambda self, partners, date_from, date_to: {partner_id: 3.2},
        ):
            evaluation = self._evaluate(self.dist_a)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_gold)
        self.assertEqual(evaluation.gap_note, "satisfaction +0.8")

    def test_non_channel_partner_refused(self):
        with self.assertRaisesRegex(UserError, "channel type"):
            self._evaluate(self.customer_x)

    # --- bad input ---

    def test_window_ending_before_start(self):
        with (
            self.assertRaisesRegex(ValidationError, "ends .* before it starts"),
            self.env.cr.savepoint(),
        ):
            self._evaluate(self.dist_a, date(2024, 5, 1), date(2024, 4, 30))

    def test_ladder_consistency_refused(self):
        with (
            self.assertRaisesRegex(ValidationError, "T-Gold is above T-Silver .* revenue"),
            self.env.cr.savepoint(),
        ):
            self.grade_gold.min_revenue = 500
        with self.assertRaisesRegex(ValidationError, "collection rate"), self.env.cr.savepoint():
            self.grade_silver.min_collection_rate = 95
        # an empty criterion on a higher grade while the lower one sets it is lower too
        with (
            self.assertRaisesRegex(ValidationError, "T-Platinum is above T-Gold"),
            self.env.cr.savepoint(),
        ):
            self.grade_platinum.min_new_customers = 0
        # reordering so that Silver sits above Gold is refused as well
        with self.assertRaisesRegex(ValidationError, "T-Silver is above"), self.env.cr.savepoint():
            self.grade_silver.sequence = 15
        # the training rate is per grade's own courses: not compared
        self.grade_silver.min_training_rate = 100
        self.grade_gold.min_training_rate = 50

    def test_negative_thresholds_and_rates_refused(self):
        for field, value in (
            ("min_revenue", -1),
            ("min_collection_rate", 101),
            ("min_collection_rate", -5),
            ("min_new_customers", -1),
            ("min_satisfaction", 6),
            ("min_training_rate", 150),
            ("rebate_multiplier", -10),
            ("demotion_grace", 0),
            ("evaluation_months", 0),
        ):
            with (
                self.subTest(field=field, value=value),
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env["res.partner.grade"].create(
                    {"name": "T-bad", "sequence": 99, field: value}
                )
                self.env.flush_all()

    def test_channel_parent_cycle_refused(self):
        level2 = self.env["res.partner"].create(
            {
                "name": "T-L2",
                "is_company": True,
                "channel_type": "distributor_l2",
                "channel_parent_id": self.dist_a.id,
            }
        )
        retailer = self.env["res.partner"].create(
            {
                "name": "T-Retail",
                "is_company": True,
                "channel_type": "retailer",
                "channel_parent_id": level2.id,
            }
        )
        self.assertEqual(self.dist_a.channel_child_ids, level2)
        with (
            self.assertRaisesRegex(ValidationError, "supplied, directly or through others"),
            self.env.cr.savepoint(),
        ):
            self.dist_a.channel_parent_id = retailer
        with (
            self.assertRaisesRegex(ValidationError, "supplied, directly or through others"),
            self.env.cr.savepoint(),
        ):
            self.dist_a.channel_parent_id = self.dist_a

    def test_agreement_dates(self):
        with (
            self.assertRaisesRegex(ValidationError, "ends before it starts"),
            self.env.cr.savepoint(),
        ):
            self.dist_a.write(
                {"agreement_date_start": date(2024, 5, 1), "agreement_date_end": date(2024, 1, 1)}
            )
