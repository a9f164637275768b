from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelApproval(ChannelCommon):
    """draft -> to_approve -> approved -> applied (rejected), its effects, the wizard and
    the cron."""

    @classmethod
    def default_env_context(cls):
        return {}  # tracking on: the grade change is logged on the partner

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.channel_evaluation_email = True
        cls.dist_a.grade_id = cls.grade_silver
        invoice = cls._invoice(cls.dist_a, 6000, date(2024, 2, 1), due=date(2024, 3, 1))
        cls._pay(invoice)
        cls._won_deal(cls.dist_a, cls.customer_x, date(2024, 5, 1))
        cls.env["res.partner.training"].create(
            [
                {"partner_id": cls.dist_a.id, "course_id": course.id, "date": date(2024, 1, 5)}
                for course in (cls.course_install, cls.course_sales)
            ]
        )

    def _promotion(self):
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual(
            (evaluation.change, evaluation.grade_recommended_id), ("promote", self.grade_gold)
        )
        return evaluation.with_user(self.user_channel)

    def test_full_flow_applies_grade_pricelist_chatter_and_email(self):
        # records created in this transaction are not tracked: close their creation first
        self.env.flush_all()
        self.env.cr.precommit.run()
        evaluation = self._promotion()
        evaluation.action_submit()
        self.assertEqual(evaluation.state, "to_approve")
        self.assertEqual(evaluation.submitted_by_id, self.user_channel)
        evaluation.action_approve()
        self.assertEqual(evaluation.state, "approved")
        self.assertEqual(evaluation.approver_id, self.user_channel)
        self.assertTrue(evaluation.approval_date)
        with freeze_time("2025-01-15"):
            evaluation.action_apply()
        self.assertEqual(evaluation.state, "applied")
        partner = self.dist_a
        self.assertEqual(partner.grade_id, self.grade_gold)
        self.assertEqual(partner.grade_date, date(2025, 1, 15))
        # core partnership: the grade sets its pricelist
        self.assertEqual(partner.specific_property_product_pricelist, self.pricelist_gold)
        self.assertEqual(partner.last_evaluation_id, evaluation)
        self.assertEqual(partner.channel_change, "promote")
        self.assertAlmostEqual(partner.channel_revenue, 6000)
        notes = partner.message_ids.filtered(lambda m: "Evaluation 2024-01-01" in str(m.body))
        self.assertEqual(len(notes), 1)
        self.assertIn("T-Gold", str(notes.body))
        self.assertIn("no previous revenue", str(notes.body))  # not "growth 0.0%"
        self.assertIn("<br>", str(notes.body))  # a real line break, not escaped text
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written before commit
        tracked = partner.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "grade_id"
        )
        self.assertIn("T-Gold", tracked.mapped("new_value_char"))
        # the level history on the partner form, readable by a rep
        history = partner.with_user(self.user_rep).channel_grade_history
        self.assertRegex(str(history), r"<td>T-Silver</td><td>T-Gold</td><td>T_Channel</td>")
        # the result email to the partner, logged on the evaluation
        mail = evaluation.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(mail), 1)
        self.assertIn(partner, mail.partner_ids)
        self.assertIn("your partner evaluation", mail.subject)
        self.assertIn("promoted to", str(mail.body))
        self.assertNotIn("growth", str(mail.body))
        self.assertIn("To reach", str(mail.body))  # the gap to the next level

    def test_no_email_when_not_asked(self):
        evaluation = self._promotion()
        evaluation.notify_partner = False
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        self.assertFalse(evaluation.message_ids.filtered(lambda m: m.message_type == "comment"))
        self.assertEqual(self.dist_a.grade_id, self.grade_gold)

    def test_no_email_address_is_noted(self):
        self.dist_a.email = False
        evaluation = self._promotion()
        self.assertTrue(evaluation.notify_partner)
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        self.assertFalse(evaluation.message_ids.filtered(lambda m: m.message_type == "comment"))
        self.assertTrue(
            evaluation.message_ids.filtered(lambda m: "not emailed" in str(m.body)),
            "the channel manager learns why the partner got no email",
        )

    def test_approving_twice_is_an_error(self):
        evaluation = self._promotion()
        evaluation.action_submit()
        evaluation.action_approve()
        with self.assertRaisesRegex(UserError, "already approved"):
            evaluation.action_approve()
        evaluation.action_apply()
        with self.assertRaisesRegex(UserError, "already approved"):
            evaluation.action_approve()

    def test_wrong_transitions(self):
        evaluation = self._promotion()
        with self.assertRaisesRegex(UserError, "Submit it first"):
            evaluation.action_approve()
        with self.assertRaisesRegex(UserError, "Only approved evaluations can be applied"):
            evaluation.action_apply()
        evaluation.action_submit()
        with self.assertRaisesRegex(UserError, "Only draft evaluations can be submitted"):
            evaluation.action_submit()
        evaluation.action_reject()
        self.assertEqual(evaluation.state, "rejected")
        self.assertEqual(evaluation.rejected_by_id, self.user_channel)
        evaluation.action_reset_draft()
        self.assertEqual(evaluation.state, "draft")

    def test_applied_cannot_be_edited_or_deleted(self):
        evaluation = self._promotion()
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            evaluation.note = "<p>changed</p>"
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            evaluation.unlink()
        with self.assertRaisesRegex(UserError, "cannot be rejected"):
            evaluation.action_reject()
        # the chatter stays usable
        evaluation.message_post(body="follow-up")

    def test_apply_refused_when_grade_changed_meanwhile(self):
        evaluation = self._promotion()
        evaluation.action_submit()
        evaluation.action_approve()
        self.dist_a.grade_id = self.grade_registered
        with self.assertRaisesRegex(UserError, "changed since"):
            evaluation.action_apply()

    def test_bulk_from_the_list(self):
        other = self.env["res.partner"].create(
            {"name": "T-Other", "is_company": True, "channel_type": "retailer"}
        )
        evaluations = self._evaluate(self.dist_a | other).with_user(self.user_channel)
        evaluations.action_submit()
        evaluations.action_approve()
        evaluations.action_apply()
        self.assertEqual(set(evaluations.mapped("state")), {"applied"})
        self.assertEqual(other.grade_id, self.grade_registered)
        self.assertEqual(self.dist_a.grade_id, self.grade_gold)

    def test_demotion_applies_lower_grade(self):
        self.dist_b.grade_id = self.grade_gold
        evaluation = self._evaluate(self.dist_b).with_user(self.user_channel)
        self.assertEqual(evaluation.change, "demote")
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        self.assertEqual(self.dist_b.grade_id, self.grade_registered)

    def test_demotion_takes_the_old_levels_pricelist_away(self):
        """Core sets the new level's pricelist but leaves the old one on a partner demoted to
        a level without pricelist: the demoted partner must not keep the Gold prices. A
        pricelist picked by hand (not the level's) stays."""
        self.dist_b.grade_id = self.grade_gold
        self.assertEqual(self.dist_b.specific_property_product_pricelist, self.pricelist_gold)
        evaluation = self._evaluate(self.dist_b).with_user(self.user_channel)
        self.assertEqual(
            (evaluation.change, evaluation.grade_recommended_id), ("demote", self.grade_registered)
        )
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        self.assertEqual(self.dist_b.grade_id, self.grade_registered)
        self.assertFalse(self.dist_b.specific_property_product_pricelist)
        # by hand too, to no level at all; a hand-picked pricelist is left alone
        special = self.env["product.pricelist"].create({"name": "T-Special"})
        partner = self.dist_a.with_user(self.user_channel)
        partner.grade_id = self.grade_gold
        self.assertEqual(partner.specific_property_product_pricelist, self.pricelist_gold)
        partner.grade_id = False
        self.assertFalse(partner.specific_property_product_pricelist)
        partner.specific_property_product_pricelist = special
        partner.grade_id = self.grade_silver
        self.assertEqual(partner.specific_property_product_pricelist, special)

    def test_keep_leaves_grade_date(self):
        self.dist_a.grade_id = self.grade_gold
        self.dist_a.grade_date = date(2020, 1, 1)
        evaluation = self._evaluate(self.dist_a).with_user(self.user_channel)
        self.assertEqual(evaluation.change, "keep")
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        self.assertEqual(self.dist_a.grade_date, date(2020, 1, 1))

    def test_only_channel_managers_decide(self):
        evaluation = self._evaluate(self.dist_a)
        for user in (self.user_finance, self.user_rep, self.user_pm, self.user_sales_manager):
            for method in ("action_submit", "action_approve", "action_reject", "action_apply"):
                with (
                    self.subTest(user=user.login, method=method),
                    self.assertRaisesRegex(UserError, "Only channel managers"),
                ):
                    getattr(evaluation.with_user(user), method)()
        self.assertEqual(evaluation.state, "draft")

    def test_level_since_follows_manual_level_changes(self):
        with freeze_time("2025-02-03"):
            self.dist_b.grade_id = self.grade_gold
            self.assertEqual(self.dist_b.grade_date, date(2025, 2, 3))
            partner = self.env["res.partner"].create(
                {
                    "name": "T-New silver",
                    "is_company": True,
                    "channel_type": "agent",
                    "grade_id": self.grade_silver.id,
                }
            )
            self.assertEqual(partner.grade_date, date(2025, 2, 3))
        with freeze_time("2025-06-01"):
            # the same level written again: still since February; a given date wins
            (self.dist_b | partner).write({"grade_id": self.grade_gold.id})
            self.assertEqual(self.dist_b.grade_date, date(2025, 2, 3))
            self.assertEqual(partner.grade_date, date(2025, 6, 1))
            self.dist_b.write({"grade_id": self.grade_silver.id, "grade_date": "2025-05-01"})
            self.assertEqual(self.dist_b.grade_date, date(2025, 5, 1))
            self.dist_b.grade_id = False
            self.assertFalse(self.dist_b.grade_date)

    def test_partner_with_applied_evaluations_is_archived_not_deleted(self):
        partner = self.env["res.partner"].create(
            {"name": "T-Short-lived", "is_company": True, "channel_type": "retailer"}
        )
        evaluation = self._evaluate(partner).with_user(self.user_channel)
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        with self.assertRaisesRegex(UserError, "cannot be deleted.*Archive them instead"):
            partner.unlink()
        partner.action_archive()
        self.assertTrue(evaluation.exists())
        # without applied evaluations, deleting stays possible
        draft_only = self.env["res.partner"].create(
            {"name": "T-Draft only", "is_company": True, "channel_type": "retailer"}
        )
        self._evaluate(draft_only)
        draft_only.unlink()

    # === wizard === #
    @freeze_time("2025-03-10")
    def test_wizard_default_window_and_scopes(self):
        self.grade_gold.evaluation_months = 6
        Wizard = self.env["res.partner.grade.evaluation.wizard"].with_user(self.user_channel)
        with Form(Wizard.with_context(active_model="res.partner", active_ids=self.dist_a.ids)) as f:
            self.assertEqual(f.scope, "selection")
            self.assertEqual(f.date_to, date(2025, 2, 28))
            self.assertEqual(f.date_from, date(2024, 3, 1))  # 12 months (longest)
            f.scope = "filter"
            f.grade_ids.add(self.grade_gold)
            self.assertEqual(f.months, 6)
            self.assertEqual(f.date_from, date(2024, 9, 1))
            f.grade_ids.remove(self.grade_gold.id)
            f.grade_ids.add(self.grade_silver)
            self.assertEqual(f.partner_count, 1)
        wizard = f.save()
        action = wizard.action_evaluate()
        evaluations = self.env["res.partner.grade.evaluation"].search(action["domain"])
        self.assertEqual(evaluations.partner_id, self.dist_a)
        self.assertEqual(evaluations.date_from, date(2024, 3, 1))

    def test_wizard_filter_by_type_and_manager(self):
        Wizard = self.env["res.partner.grade.evaluation.wizard"].with_user(self.user_channel)
        wizard = Wizard.create({"scope": "filter", "channel_type": "agent"})
        self.assertIn(self.dist_b, wizard._get_partners())
        self.assertNotIn(self.dist_a, wizard._get_partners())
        wizard.write({"channel_type": False, "channel_manager_id": self.user_channel.id})
        self.assertEqual(wizard._get_partners(), self.dist_a)
        wizard.channel_manager_id = self.user_admin
        with self.assertRaisesRegex(UserError, "No channel partner matches"):
            wizard.action_evaluate()
        everyone = Wizard.create({"scope": "all"})._get_partners()
        self.assertTrue(self.dist_a | self.dist_b <= everyone)

    @freeze_time("2025-04-02")
    def test_cron_creates_draft_evaluations(self):
        self.env["res.partner.grade.evaluation"]._cron_evaluate_channel_partners()
        evaluations = self.env["res.partner.grade.evaluation"].search(
            [("partner_id", "in", (self.dist_a | self.dist_b).ids)]
        )
        self.assertEqual(len(evaluations), 2)
        self.assertEqual(set(evaluations.mapped("state")), {"draft"})
        self.assertEqual(set(evaluations.mapped("date_to")), {date(2025, 3, 31)})
        self.assertEqual(set(evaluations.mapped("date_from")), {date(2024, 4, 1)})
