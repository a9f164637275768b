from datetime import date, datetime

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelLadder(ChannelCommon):
    """Recommendation on the ladder, the demotion grace, and bad input."""

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
            f"revenue +{self._money('14,000')}; 1 new customer; satisfaction not measured",
        )
        self.assertEqual(evaluation.state, "draft")

    def test_nothing_measured_gets_the_lowest_grade(self):
        evaluation = self._evaluate(self.dist_b)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_registered)
        self.assertEqual(evaluation.change, "promote")
        self.assertFalse(evaluation.collection_measured)
        # Silver asks a collection rate: not measured, so not met
        self.assertIn("collection rate not measured", evaluation.gap_note)
        self.assertIn(f"revenue +{self._money('1,000')}", evaluation.gap_note)

    def test_keep_when_recommended_is_current(self):
        self.dist_a.grade_id = self.grade_silver
        self._silver_figures(self.dist_a)
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual(evaluation.grade_current_id, self.grade_silver)
        self.assertEqual(evaluation.change, "keep")
        self.assertFalse(evaluation.failing)
        self.assertIn(f"revenue +{self._money('3,500')}", evaluation.gap_note)
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
        """Platinum asks a satisfaction of 4: met at 4.0 and above, not below."""
        self._gold_figures(self.dist_a)
        self._pay(self._invoice(self.dist_a, 15000, date(2024, 3, 1), due=date(2024, 3, 2)))
        self._won_deal(self.dist_a, self.customer_y, date(2024, 6, 1))
        # customers X and Y rate 5 and 3: (5 + 3) / 2 = 4.0, exactly the threshold
        self._rated_feedback(self.customer_x, 5, datetime(2024, 7, 1, 9))
        second = self._rated_feedback(
            self.customer_y, 3, datetime(2024, 8, 1, 9), state="in_progress"
        )
        evaluation = self._evaluate(self.dist_a)
        self.assertTrue(evaluation.satisfaction_measured)
        self.assertEqual(evaluation.satisfaction, 4.0)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_platinum)
        self.assertEqual(evaluation.gap_note, "top of the ladder")
        # Y rates 3 again and 2: (5 + 3 + 3 + 2) / 4 = 3.25, Gold with 0.75 to go
        self._rated_feedback(self.customer_y, 3, datetime(2024, 9, 1, 9))
        self._rated_feedback(self.customer_y, 2, datetime(2024, 10, 1, 9))
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual(evaluation.satisfaction, 3.25)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_gold)
        self.assertEqual(evaluation.gap_note, "satisfaction +0.75")
        # the second one is cancelled: (5 + 3 + 2) / 3 = 3.333..., compared as shown, 3.33
        second.action_cancel()
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual(evaluation.satisfaction, 3.33)
        self.assertEqual(evaluation.gap_note, "satisfaction +0.67")

    def test_non_channel_partner_refused(self):
        with self.assertRaisesRegex(UserError, "channel type"):
            self._evaluate(self.customer_x)

    # === bad input === #
    def test_window_ending_before_start(self):
        with (
            self.assertRaisesRegex(ValidationError, "ends .* before it starts"),
            self.env.cr.savepoint(),
        ):
            self._evaluate(self.dist_a, date(2024, 5, 1), date(2024, 4, 30))

    def test_rpc_arguments_ids_and_iso_dates(self):
        """The contract over RPC: a list of ids (contacts count for their company), dates
        as ISO strings; the draft evaluations come back, one per channel partner."""
        contact = self.env["res.partner"].create({"name": "T-A buyer", "parent_id": self.dist_a.id})
        Evaluation = self.env["res.partner.grade.evaluation"].with_user(self.user_channel)
        evaluations = Evaluation.create_for_partners(
            [contact.id, self.dist_a.id, self.dist_b.id, self.customer_x.id],
            "2024-01-01",
            "2024-12-31",
        )
        self.assertEqual(evaluations.partner_id, self.dist_a | self.dist_b)
        self.assertEqual(set(evaluations.mapped("state")), {"draft"})
        self.assertEqual(set(evaluations.mapped("date_from")), {date(2024, 1, 1)})
        with self.assertRaisesRegex(ValidationError, "Set the start and the end"):
            Evaluation.create_for_partners(self.dist_a.ids, False, "2024-12-31")

    def test_partners_of_another_company_are_not_evaluated_here(self):
        other = self.env["res.company"].create({"name": "T-Other Co"})
        foreign = self.env["res.partner"].create(
            {
                "name": "T-Foreign agent",
                "is_company": True,
                "channel_type": "agent",
                "company_id": other.id,
            }
        )
        evaluations = self._evaluate(self.dist_a | foreign)
        self.assertEqual(evaluations.partner_id, self.dist_a)
        with self.assertRaisesRegex(UserError, "channel partner of .*switch to their company"):
            self._evaluate(foreign)
        self.user_channel.company_ids |= other
        evaluation = (
            self.env["res.partner.grade.evaluation"]
            .with_user(self.user_channel)
            .with_company(other)
            .create_for_partners(foreign, self.DATE_FROM, self.DATE_TO)
        )
        self.assertEqual((evaluation.partner_id, evaluation.company_id), (foreign, other))

    def test_ladder_inversion_is_flagged_not_refused(self):
        """Editing a grade never fails because of the others; an inverted ladder is
        flagged on the grade that asks less than the one below it."""
        self.assertFalse(any(self.env["res.partner.grade"]._get_ladder().mapped("ladder_warning")))
        self.grade_gold.min_revenue = 500  # Silver asks 1,000
        self.grade_gold.invalidate_recordset(["ladder_warning"])
        self.assertRegex(self.grade_gold.ladder_warning, "T-Gold is above T-Silver .* revenue")
        self.assertFalse(self.grade_silver.ladder_warning)
        # the ladder keeps its direction and still recommends the highest met grade
        self.assertEqual(self.env["res.partner.grade"]._get_ladder()[0], self.grade_platinum)
        self._silver_figures(self.dist_a)
        self.assertEqual(self._evaluate(self.dist_a).grade_recommended_id, self.grade_silver)
        # the training rate is per grade's own courses: not compared
        self.grade_gold.min_revenue = 5000
        self.grade_silver.min_training_rate = 100
        self.grade_gold.min_training_rate = 50
        (self.grade_gold | self.grade_silver).invalidate_recordset(["ladder_warning"])
        self.assertFalse(self.grade_gold.ladder_warning or self.grade_silver.ladder_warning)

    def test_ladder_direction_follows_the_thresholds(self):
        """Numbered bottom-up (sequence 1 = entry grade) or top-down (core's Gold = 1),
        the grade that asks more is the higher one."""
        Grade = self.env["res.partner.grade"]
        (self.grade_registered | self.grade_silver | self.grade_gold | self.grade_platinum).write(
            {"active": False}
        )
        entry = Grade.create({"name": "B-Entry", "sequence": 1})
        middle = Grade.create({"name": "B-Middle", "sequence": 2, "min_revenue": 1000})
        top = Grade.create({"name": "B-Top", "sequence": 3, "min_revenue": 5000})
        self.assertEqual(Grade._get_ladder(), top | middle | entry)
        self.assertEqual((entry | middle | top).mapped("ladder_level"), [1, 2, 3])
        self._silver_figures(self.dist_a)  # revenue 1,500
        self.assertEqual(self._evaluate(self.dist_a).grade_recommended_id, middle)
        # the same grades numbered top-down: same ladder
        entry.sequence, top.sequence = 3, 1
        self.assertEqual(Grade._get_ladder(), top | middle | entry)
        # nothing to tell the direction: core's convention, the first listed is the top
        (middle | top).write({"min_revenue": 0})
        self.assertEqual(Grade._get_ladder(), top | middle | entry)

    def _core_grades_without_criteria(self):
        """Core's Gold (1), Silver (2) and Bronze (3), as in a database without demo data:
        no criterion (the demo data gives Gold and Silver some)."""
        core = (
            self.env.ref("partnership.res_partner_grade_data_gold")
            | self.env.ref("partnership.res_partner_grade_data_silver")
            | self.env.ref("partnership.res_partner_grade_data_bronze")
        )
        core.write(
            {
                "active": True,
                "min_revenue": 0,
                "min_collection_rate": 0,
                "min_new_customers": 0,
                "min_satisfaction": 0,
                "min_training_rate": 0,
                "default_pricelist_id": False,
            }
        )
        return core

    def test_bottom_up_ladder_next_to_core_grades(self):
        """A ladder numbered bottom-up (sequence 1 = entry level) next to core's Gold /
        Silver / Bronze, left without criteria at sequences 1-3: the grades that ask
        nothing sit at the bottom, the entry level is recommended to partners meeting
        nothing, core's grades are flagged and never handed out."""
        Grade = self.env["res.partner.grade"]
        (self.grade_registered | self.grade_silver | self.grade_gold | self.grade_platinum).write(
            {"active": False}
        )
        core_gold, core_silver, core_bronze = self._core_grades_without_criteria()
        entry = Grade.create({"name": "B-Registered", "sequence": 1})
        silver = Grade.create(
            {"name": "B-Silver", "sequence": 2, "min_revenue": 1000, "min_collection_rate": 50}
        )
        gold = Grade.create(
            {"name": "B-Gold", "sequence": 3, "min_revenue": 5000, "min_collection_rate": 80}
        )
        ladder = Grade._get_ladder()
        self.assertEqual(ladder[:2], gold | silver)
        self.assertEqual(ladder[-1], entry, "the newest grade without criteria is the entry")
        self.assertEqual(set(ladder[2:-1].ids), set((core_gold | core_silver | core_bronze).ids))
        self.assertEqual(
            [gold.ladder_level, silver.ladder_level, entry.ladder_level, core_gold.ladder_level],
            [3, 2, 1, 1],
        )
        self.assertFalse(gold.ladder_warning or silver.ladder_warning or entry.ladder_warning)
        for grade in core_gold | core_silver | core_bronze:
            self.assertRegex(
                grade.ladder_warning, f"{grade.name} has no criterion.*entry level B-Registered"
            )
        # recommendations land on the ladder
        Partner = self.env["res.partner"]
        held_core = Partner.create(
            {
                "name": "T-Core Gold holder",
                "is_company": True,
                "channel_type": "agent",
                "grade_id": core_gold.id,
            }
        )
        qualified_core = Partner.create(
            {
                "name": "T-Core Gold qualified",
                "is_company": True,
                "channel_type": "agent",
                "grade_id": core_gold.id,
            }
        )
        self.dist_b.grade_id = silver  # meets nothing: demoted to the entry level
        self._silver_figures(self.dist_a)  # revenue 1,500 collected: B-Silver
        self._silver_figures(qualified_core)
        evaluations = self._evaluate(self.dist_a | self.dist_b | held_core | qualified_core)
        result = {
            e.partner_id: (e.grade_recommended_id, e.change, e.grade_next_id) for e in evaluations
        }
        self.assertEqual(result[self.dist_a], (silver, "promote", gold))
        self.assertEqual(result[self.dist_b], (entry, "demote", silver))
        self.assertEqual(result[held_core], (core_gold, "keep", silver))
        self.assertEqual(result[qualified_core], (silver, "promote", gold))
        new_partner = Partner.create(
            {"name": "T-Newcomer", "is_company": True, "channel_type": "retailer"}
        )
        evaluation = self._evaluate(new_partner)
        self.assertEqual((evaluation.grade_recommended_id, evaluation.change), (entry, "promote"))
        self.assertIn(f"revenue +{self._money('1,000')}", evaluation.gap_note)
        # the kanban by level shows every level of the ladder, highest first, even empty
        groups = Partner.with_context(read_group_expand=True).formatted_read_group(
            [("id", "in", (self.dist_a | held_core).ids)], ["grade_id"], ["__count"]
        )
        self.assertEqual(
            [g["grade_id"] and g["grade_id"][0] for g in groups],
            [*ladder.ids, False],  # dist_a has no level yet
        )

    def test_core_grades_alone(self):
        """Nothing configured yet (core's three grades, no criteria): core's order, Gold
        on top; the lowest, Bronze, is the entry level; holders keep their grade."""
        (self.grade_registered | self.grade_silver | self.grade_gold | self.grade_platinum).write(
            {"active": False}
        )
        core_gold, core_silver, core_bronze = self._core_grades_without_criteria()
        self.assertEqual(
            self.env["res.partner.grade"]._get_ladder(), core_gold | core_silver | core_bronze
        )
        self.dist_a.grade_id = core_gold
        self._silver_figures(self.dist_a)
        ev_a, ev_b = self._evaluate(self.dist_a | self.dist_b).sorted(lambda e: e.partner_id.name)
        self.assertEqual((ev_a.grade_recommended_id, ev_a.change), (core_gold, "keep"))
        self.assertEqual((ev_b.grade_recommended_id, ev_b.change), (core_bronze, "promote"))
        self.assertFalse(ev_a.gap_note or ev_b.gap_note)

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
            label = self.env["res.partner.grade"]._fields[field].string
            # the model refuses it with a message naming the level and the field...
            with (
                self.subTest(field=field, value=value),
                self.assertRaises(ValidationError) as caught,
            ):
                self.env["res.partner.grade"].create(
                    {"name": "T-bad", "sequence": 99, field: value}
                )
            self.assertIn(f"Level T-bad: “{label}”", str(caught.exception))
            # ...and the database constraint backs it up
            with (
                self.subTest(field=field, value=value, check="database"),
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(
                    SQL(
                        "UPDATE res_partner_grade SET %s = %s WHERE id = %s",
                        SQL.identifier(field),
                        value,
                        self.grade_silver.id,
                    )
                )

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
