from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ...models.requirement.product_requirement_stage import STAGE_STATES
from ..common import MODULE
from .common import RequirementCommon


@tagged("post_install", "-at_install")
class TestRequirementLifecycle(RequirementCommon):
    """Stages by state, decline with a reason, reopen (tracked), scoring and bad input."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.requirement = cls._requirement(stage_id=cls.stage_review.id)

    def test_default_stages_one_per_state(self):
        stages = self.env["product.requirement.stage"].search([])
        for state, _label in STAGE_STATES:
            with self.subTest(state=state):
                stage = stages._get_stage_for_state(state)
                self.assertTrue(stage)
                self.assertEqual(
                    stage.get_external_id()[stage.id], f"{MODULE}.requirement_stage_{state}"
                )
        self.assertTrue(self.stage_released.fold)
        self.assertTrue(self.stage_declined.fold)
        self.assertFalse(self.stage_new.fold)

    def test_renamed_and_added_stages_keep_the_logic(self):
        self.stage_released.name = "Shipped 已发布"
        extra = self.env["product.requirement.stage"].create(
            {"name": "Shipped to pilots", "state": "released", "sequence": 99}
        )
        self.assertEqual(
            self.env["product.requirement.stage"]._get_stage_for_state("released"),
            self.stage_released,
            "the first stage of a state by sequence",
        )
        self.requirement.stage_id = extra
        self.assertEqual(self.requirement.state, "released")

    def test_missing_stage_for_a_state_is_a_clear_error(self):
        stages = self.env["product.requirement.stage"].search([("state", "=", "declined")])
        stages.write({"state": "review"})
        with self.assertRaisesRegex(UserError, "No requirement stage has the state “Declined”"):
            self.requirement.with_user(self.user_pm)._decline("No")

    def test_stage_with_requirements_cannot_be_deleted(self):
        stage = self.env["product.requirement.stage"].create(
            {"name": "Design review", "state": "review", "sequence": 99}
        )
        self.requirement.write({"stage_id": stage.id, "active": False})  # archived counts
        self._give_every_company(self.user_pm)  # stages are shared configuration
        with self.assertRaisesRegex(UserError, "“Design review” still holds 1 requirement"):
            stage.with_user(self.user_pm).unlink()
        self.assertTrue(stage.exists())
        self.requirement.stage_id = self.stage_review
        stage.with_user(self.user_pm).unlink()
        self.assertFalse(stage.exists())

    def test_decline_needs_a_reason(self):
        with self.assertRaisesRegex(ValidationError, "cannot be declined without a reason"):
            self.requirement.with_user(self.user_pm).stage_id = self.stage_declined
        self.env.invalidate_all(flush=False)  # drop the refused value
        with self.assertRaisesRegex(UserError, "Give a reason to decline"):
            self.requirement.with_user(self.user_pm)._decline("   ")
        self.assertEqual(self.requirement.stage_id, self.stage_review)

    def test_decline_wizard(self):
        action = self.requirement.with_user(self.user_pm).action_decline()
        form = Form(
            self.env[action["res_model"]].with_user(self.user_pm).with_context(**action["context"])
        )
        form.reason = "Outside this year's strategy; a partner module covers it."
        form.save().action_decline()
        self.assertEqual(self.requirement.stage_id, self.stage_declined)
        self.assertEqual(
            self.requirement.decline_reason,
            "Outside this year's strategy; a partner module covers it.",
        )
        message = self.requirement.message_ids.filtered(lambda m: "Declined:" in (m.body or ""))
        self.assertEqual(message.partner_ids, self.user_rep.partner_id)

    def test_reps_cannot_decline(self):
        with self.assertRaises(AccessError):
            self.requirement.with_user(self.user_rep)._decline("No")

    def test_reopen_is_tracked(self):
        self.requirement.with_user(self.user_pm)._decline("Not this year")
        self.env.flush_all()
        self.env.cr.precommit.run()
        with self.assertRaisesRegex(UserError, "still open"):
            self._requirement("Open one").with_user(self.user_pm).action_reopen()
        self.requirement.with_user(self.user_pm).action_reopen()
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit
        self.assertEqual(self.requirement.stage_id, self.stage_review)
        self.assertFalse(self.requirement.decline_reason)
        tracked = self.requirement.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "stage_id"
        )
        self.assertIn(
            (self.stage_declined.name, self.stage_review.name),
            [(t.old_value_char, t.new_value_char) for t in tracked],
        )
        reason = self.requirement.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "decline_reason" and t.old_value_text
        )
        self.assertEqual(reason[:1].old_value_text, "Not this year", "the old reason is kept")
        reopened = self.requirement.message_ids.filtered(lambda m: "Reopened by" in (m.body or ""))
        self.assertEqual(reopened.partner_ids, self.user_rep.partner_id, "requester told")
        with self.assertRaises(AccessError):
            self.requirement.with_user(self.user_rep).action_reopen()

    def test_rice_score(self):
        # reach × impact × (confidence / 100) / effort: 200 × 2 × 0.5 / 4
        self.requirement.write({"reach": 200, "impact": 2, "confidence": 50, "effort": 4})
        self.assertAlmostEqual(self.requirement.score, 50.0)
        self.requirement.impact = 0.25
        self.assertAlmostEqual(self.requirement.score, 6.25)
        self.requirement.confidence = 100
        self.assertAlmostEqual(self.requirement.score, 12.5)

    def test_impact_is_a_number_from_five_values(self):
        requirement = self.requirement.with_user(self.user_pm)
        self.assertEqual(requirement.impact, 1.0, "medium by default")
        for value, stored, level in (
            (2, 2.0, "2"),
            (2.0, 2.0, "2"),
            ("2", 2.0, "2"),
            ("0.25", 0.25, "0.25"),
            (" 0,5 ", 0.5, "0.5"),
            (3, 3.0, "3"),
        ):
            with self.subTest(value=value):
                requirement.write({"impact": value})
                self.assertIsInstance(requirement.impact, float)
                self.assertEqual(requirement.impact, stored)
                self.assertEqual(requirement.impact_level, level)
                self.assertEqual(requirement.read(["impact"])[0]["impact"], stored)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT impact FROM product_requirement WHERE id = %s", [requirement.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 3.0, "stored as a number")
        created = self.Requirement.with_user(self.user_pm).create(
            {"name": "Created with a text impact", "impact": "0.5"}
        )
        self.assertEqual(created.impact, 0.5)

    def test_impact_dropdown_sets_the_number(self):
        requirement = self.requirement.with_user(self.user_pm)
        requirement.write({"reach": 100, "confidence": 100, "effort": 1})
        requirement.impact_level = "3"
        self.assertEqual(requirement.impact, 3.0)
        self.assertAlmostEqual(requirement.score, 300.0)
        with Form(requirement) as form:
            form.impact_level = "0.5"
            self.assertEqual(form.impact, 0.5, "the number follows the dropdown at once")
            self.assertAlmostEqual(form.score, 50.0, "and so does the score")
        self.assertEqual(requirement.impact, 0.5)

    def test_impact_outside_the_five_values_is_refused(self):
        for value in (0, 0.7, 4, -1, False):
            with self.subTest(value=value):
                with self.assertRaisesRegex(
                    ValidationError, r"must be 0\.25 \(minimal\), 0\.5 \(low\), 1 \(medium\)"
                ):
                    self.requirement.with_user(self.user_pm).write({"impact": value})
                self.env.invalidate_all(flush=False)  # drop the refused value
        with self.assertRaisesRegex(ValidationError, "must be a number.*not “high”"):
            self.requirement.with_user(self.user_pm).write({"impact": "high"})
        with self.assertRaisesRegex(ValidationError, "must be a number"):
            self.Requirement.create({"name": "Bad impact", "impact": "big"})
        self.assertEqual(self.requirement.impact, 1.0, "nothing changed")

    def test_bad_scoring_input(self):
        for vals, message in (
            ({"effort": 0}, "must be more than zero person-weeks"),
            ({"effort": -2}, "must be more than zero person-weeks"),
            ({"confidence": 120}, "between 0 and 100"),
            ({"confidence": -1}, "between 0 and 100"),
            ({"reach": -5}, "cannot be negative"),
            ({"impact": 1.5}, "must be 0.25 .minimal., 0.5 .low., 1 .medium., 2 .high. or 3"),
        ):
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(ValidationError, message):
                    self.requirement.with_user(self.user_pm).write(vals)
                self.env.invalidate_all(flush=False)  # drop the refused value
        self.assertEqual(self.requirement.effort, 1.0)
        self.assertEqual(self.requirement.confidence, 50.0)

    def test_category_follows_product(self):
        requirement = self._requirement(product_id=self.product.id)
        self.assertEqual(requirement.product_categ_id, self.categ)
        other = self.env["product.category"].create({"name": "Manual category"})
        requirement.product_categ_id = other
        self.assertEqual(requirement.product_categ_id, other, "can be set by hand")

    def test_stage_counts(self):
        self.assertGreaterEqual(self.stage_review.requirement_count, 1)

    def test_kanban_columns_include_empty_stages(self):
        kanban = self.Requirement.with_user(self.user_pm).with_context(read_group_expand=True)
        result = kanban.web_read_group(
            [("id", "=", self.requirement.id)], ["stage_id"], ["__count"]
        )
        stage_ids = {group["stage_id"][0] for group in result["groups"]}
        self.assertTrue(
            {self.stage_new.id, self.stage_review.id, self.stage_declined.id} <= stage_ids
        )
