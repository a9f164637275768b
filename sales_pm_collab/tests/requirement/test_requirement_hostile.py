"""Issue 10, requirements: a hostile client forges values, ids and context keys.

Every attack runs as each role, with and without the context keys the application
(or another area) uses internally, and must be refused with a clear error (AccessError,
UserError or ValidationError, never a Python error) while nothing it aimed at changes:
demand figures, stage and state, the triage SLA, merges, releases, reviews. The
workflow buttons keep working for the roles they are for.
"""

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import (
    CREATORS,
    INTERNAL_KEYS,
    LOGGERS,
    RequirementHostileCommon,
)


@tagged("post_install", "-at_install")
class TestRequirementHostile(RequirementHostileCommon):
    """Requirements: system fields, product-manager fields, forged defaults, workflow
    buttons refused to the other roles."""

    def test_system_fields_of_requirements_refused_to_every_role(self):
        other = self.other
        system_values = [
            {"revenue_at_stake": 1e9},
            {"revenue_won": 5000.0},
            {"revenue_lost": 5000.0},
            {"customer_count": 999},
            {"opportunity_count": 99},
            {"feedback_count": 99},
            {"feedback_satisfaction": 5.0},
            {"score": 1e6},
            {"state": "released"},
            {"currency_id": self.other_currency.id},
            {"first_response_date": "2020-01-01 00:00:00"},
            {"first_response_deadline": "2099-01-01 00:00:00"},
            {"merged_into_id": other.id},
            {"merged_ids": [Command.link(other.id)]},
            {"feedback_ids": [Command.clear()]},
            {"is_triage_overdue": True},
            {"is_high_revenue": True},
            {"can_edit": True},
            {"revenue_lost_detail": "<p>forged</p>"},
            {"release_date_planned": "2030-01-01"},
            # the word lists the suggestions search: forged, a requirement would show up
            # as a duplicate of anything
            {"similar_words": "offline scale barcode 电子 子秤"},
            {"similar_title_words": "offline scale barcode"},
        ]
        attacks = [
            (f"write {vals}", self.target, lambda r, v=vals: r.write(v)) for vals in system_values
        ] + [
            (
                f"create {vals}",
                self.Requirement,
                lambda m, v=vals: m.create({"name": "Hostile: forged figures", **v}),
            )
            for vals in system_values
            if "merged_ids" not in vals and "feedback_ids" not in vals
        ]
        attacks += [
            # a mix of a legitimate change and a forged figure: the whole write is refused
            (
                "write name + revenue",
                self.target,
                lambda r: r.write({"name": "Renamed", "revenue_at_stake": 1e9}),
            ),
            ("write release's requirement", self.planned, lambda r: r.write({"state": "new"})),
            (
                "raise wizard on the deal with forged figures",
                self.env["product.requirement.raise.wizard"],
                lambda m: m.create(
                    {"lead_id": self.lead.id, "name": "Hostile", "match_count": 99}
                ).action_create(),
            ),
        ]
        self._run_table(attacks)

    def test_sales_manager_cannot_forge_team_figures(self):
        """The issue's second finding: a sales manager too, on a requirement of their
        team they may otherwise edit."""
        manager = self.user_sales_manager
        self.target.with_user(manager).write({"priority": "2"})  # they may edit it
        before = self._snapshot()
        for vals in (
            {"revenue_at_stake": 1e9},
            {"customer_count": 999},
            {"feedback_count": 99},
            {"feedback_satisfaction": 5.0},
        ):
            with self.subTest(vals=vals):
                error = self._assert_refused(
                    lambda v=vals: self.target.with_user(manager).write(v), before
                )
                self.assertIsInstance(error, AccessError)
                self.assertIn(next(iter(vals)), str(error), "the message names the field")
                self.assertIn("cannot be set by hand", str(error))

    def test_pm_only_fields_refused_to_other_roles(self):
        attacks = [
            (f"write {vals}", self.target, lambda r, v=vals: r.write(v))
            for vals in (
                {"stage_id": self.stage_planned.id},
                {"stage_id": self.stage_declined.id, "decline_reason": "Forged"},
                {"requested_by_id": self.user_cs.id},
                {"requested_by_id": self.user_sales_manager.id},
                {"user_id": self.user_rep.id},
                {"release_id": self.release.id},
                {"decision_note": "Accepted!"},
                {"decline_reason": "Forged"},
            )
        ]
        self._run_table(attacks, allowed={label: {"pm"} for label, _r, _a in attacks})

    def test_rep_cannot_change_the_requester(self):
        """Create already refused it (record rule); write refuses it to all but product
        managers, also on a requirement the rep may otherwise edit."""
        before = self._snapshot()
        for user in (self.user_rep, self.user_sales_manager):
            with self.subTest(user=user.login):
                error = self._assert_refused(
                    lambda u=user: self.target.with_user(u).write(
                        {"requested_by_id": self.user_cs.id}
                    ),
                    before,
                )
                self.assertIn("Only product managers can change", str(error))
        self.target.with_user(self.user_pm).write({"requested_by_id": self.user_cs.id})
        self.assertEqual(self.target.requested_by_id, self.user_cs)

    def test_forged_defaults_at_creation(self):
        """`default_<field>` keys are values the client chose: system ones are dropped
        (the record gets the application's value), PM-only ones are checked like values,
        and the requester follows the record rules."""
        Requirement = self.Requirement.sudo().with_context(active_test=False)
        figures = {
            "default_revenue_at_stake": 1e9,
            "default_customer_count": 999,
            "default_feedback_count": 99,
            "default_state": "released",
            "default_first_response_date": "2020-01-01 00:00:00",
            "default_first_response_deadline": "2099-01-01 00:00:00",
            "default_merged_into_id": self.other.id,
        }
        for role, user in self.users.items():
            with self.subTest(role=role, defaults="system fields"):
                model = self.Requirement.with_user(user).with_context(**figures, **INTERNAL_KEYS)
                if role not in CREATORS:
                    with self.assertRaises(AccessError), mute_logger(*LOGGERS):
                        model.create({"name": f"Hostile defaults {role}"})
                    continue
                created = model.create({"name": f"Hostile defaults {role}"})
                created.invalidate_recordset()
                self.assertEqual(created.stage_id, self.stage_new)
                self.assertEqual(created.state, "new")
                self.assertEqual(created.revenue_at_stake, 0.0)
                self.assertEqual(created.customer_count, 0)
                self.assertEqual(created.feedback_count, 0)
                self.assertFalse(created.first_response_date)
                self.assertGreater(created.first_response_deadline, fields.Datetime.now())
                self.assertFalse(created.merged_into_id)
        for context, label in (
            ({"default_stage_id": self.stage_released.id}, "released stage"),
            ({"default_stage_id": self.stage_planned.id}, "planned stage"),
            ({"default_release_id": self.release.id}, "release"),
            ({"default_decision_note": "Accepted"}, "decision"),
            ({"default_decline_reason": "No"}, "decline reason"),
            ({"default_requested_by_id": self.user_pm.id}, "someone else as requester"),
        ):
            for role, user in self.users.items():
                if role == "pm":
                    continue
                with self.subTest(role=role, defaults=label):
                    name = f"Hostile {label} {role}"
                    with self.assertRaises(AccessError), mute_logger(*LOGGERS):
                        self.Requirement.with_user(user).with_context(**context).create(
                            {"name": name, "team_id": self.other_team.id}
                        )
                    self.assertFalse(Requirement.search([("name", "=", name)]))
        # the same defaults are a product manager's to give
        planned = (
            self.Requirement.with_user(self.user_pm)
            .with_context(
                default_stage_id=self.stage_planned.id, default_release_id=self.release.id
            )
            .create({"name": "Planned by the PM"})
        )
        self.assertEqual(planned.stage_id, self.stage_planned)
        self.assertEqual(planned.release_id, self.release)

    def test_workflow_buttons_refused_to_other_roles(self):
        Decline = self.env["product.requirement.decline.wizard"]
        Merge = self.env["product.requirement.merge.wizard"]
        attacks = [
            ("reopen", self.declined, lambda r: r.action_reopen()),
            ("merge into", self.target, lambda r: r.action_merge_into(self.other.id)),
            (
                "decline wizard",
                Decline,
                lambda m: m.create(
                    {"requirement_ids": [Command.set(self.target.ids)], "reason": "Forged"}
                ).action_decline(),
            ),
            (
                "merge wizard",
                Merge,
                lambda m: m.create(
                    {
                        "requirement_ids": [Command.set((self.target | self.other).ids)],
                        "master_id": self.other.id,
                    }
                ).action_merge(),
            ),
            ("start beta", self.release, lambda r: r.action_start_testing()),
            ("mark released", self.release, lambda r: r.action_mark_released()),
            ("cancel release", self.release, lambda r: r.action_cancel()),
            ("apply decisions", self.review, lambda r: r.action_done()),
            ("fill agenda", self.review, lambda r: r.action_fill_agenda()),
        ]
        # product managers may (tested in test_workflow_buttons_still_work)
        self._run_table(attacks, allowed={label: {"pm"} for label, _r, _a in attacks})
