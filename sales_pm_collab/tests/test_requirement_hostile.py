"""Issue 10, requirements: a hostile client forges values, ids and context keys.

Every attack runs as each role, with and without the context keys the application
(or another area) uses internally, and must be refused with a clear error (AccessError,
UserError or ValidationError, never a Python error) while nothing it aimed at changes:
demand figures, stage and state, the triage SLA, merges, releases, reviews. The
workflow buttons keep working for the roles they are for.
"""

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_requirement import RequirementCommon

ROLES = ("rep", "cs", "pm", "channel", "finance", "sales_manager", "employee")
# roles that may create requirements (reps, customer service, sales managers, PMs)
CREATORS = frozenset({"rep", "cs", "pm", "sales_manager"})
# context keys the addon's areas use(d) internally: none may relax a check
INTERNAL_KEYS = {
    "review_no_agenda": True,
    "feedback_link_silent": True,
    "rebate_workflow": True,
    "rebate_engine": True,
    "rebate_bands_checked_by_program": True,
}
# what is compared before and after each attack
REQUIREMENT_FIELDS = [
    "name",
    "active",
    "stage_id",
    "state",
    "requested_by_id",
    "user_id",
    "release_id",
    "decision_note",
    "decline_reason",
    "first_response_deadline",
    "first_response_date",
    "merged_into_id",
    "merged_ids",
    "lead_ids",
    "partner_ids",
    "feedback_ids",
    "customer_count",
    "opportunity_count",
    "revenue_at_stake",
    "revenue_won",
    "revenue_lost",
    "feedback_count",
    "feedback_satisfaction",
    "reach",
    "impact",
    "confidence",
    "effort",
    "score",
    "currency_id",
    "company_id",
    "kind",
    "priority",
    "deadline",
    "market_size",
]
LOGGERS = ("odoo.addons.base.models.ir_rule", "odoo.models", "odoo.models.unlink")


@tagged("post_install", "-at_install")
class TestRequirementHostile(RequirementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls._lead(cls.contact_a, 100000, probability=50)
        cls.lead_won = cls._lead(
            cls.contact_b, 40000, probability=100, stage_id=cls.crm_stage_won.id
        )
        # the rep's own requirement, still New: the one reps and their sales manager
        # may edit (the strongest position to attack from)
        cls.target = cls._requirement(
            "Hostile: offline mode", lead_ids=[Command.set((cls.lead | cls.lead_won).ids)]
        )
        cls.env["customer.feedback"].create(
            {
                "name": "Tills blocked when the network drops",
                "partner_id": cls.customer_c.id,
                "kind": "complaint",
                "user_id": cls.user_cs.id,
                "team_id": cls.team.id,
                "requirement_id": cls.target.id,
            }
        )
        cls.other = cls._requirement("Hostile: kitchen display", stage_id=cls.stage_review.id)
        cls.declined = cls._requirement(
            "Hostile: ERP bridge",
            stage_id=cls.stage_declined.id,
            decline_reason="We will not build one-off bridges.",
        )
        cls.release = cls.env["product.release"].create(
            {"name": "Hostile 1.0", "user_id": cls.user_pm.id}
        )
        cls.planned = cls._requirement(
            "Hostile: e-invoices",
            stage_id=cls.stage_planned.id,
            release_id=cls.release.id,
            requested_by_id=cls.user_cs.id,
        )
        cls.requirements = cls.target | cls.other | cls.declined | cls.planned
        Review = cls.env["product.requirement.review"]
        cls.review = Review.create(
            {
                "name": "Hostile review",
                "line_ids": [Command.create({"requirement_id": cls.other.id})],
            }
        )
        cls.done_review = Review.create(
            {
                "name": "Hostile review, done",
                "line_ids": [
                    Command.create({"requirement_id": cls.planned.id, "decision": "accept"})
                ],
            }
        )
        cls.done_review.action_done()
        cls.reviews = cls.review | cls.done_review
        cls.foreign_event = cls.env["calendar.event"].create(
            {
                "name": "Someone else's meeting",
                "start": fields.Datetime.now(),
                "stop": fields.Datetime.now(),
                "user_id": cls.user_sales_manager.id,
            }
        )
        cls.other_currency = cls.env.ref("base.EUR")
        if cls.other_currency == cls.env.company.currency_id:
            cls.other_currency = cls.env.ref("base.USD")
        cls.users = {role: getattr(cls, f"user_{role}") for role in ROLES}

    # ------------------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------------------
    def _snapshot(self):
        """What the attacks aim at, read from the database."""
        self.env.invalidate_all()
        requirements = self.requirements.sudo().with_context(active_test=False)
        lines = self.reviews.sudo().line_ids
        return {
            "requirements": requirements.read(REQUIREMENT_FIELDS),
            "count": requirements.search_count([]),
            "release": self.release.sudo().read(
                ["state", "date_released", "beta_user_ids", "requirement_ids"]
            ),
            "reviews": self.reviews.sudo().read(["state", "calendar_event_id", "line_ids"]),
            "lines": lines.read(
                ["review_id", "requirement_id", "decision", "note", "applied", "company_id"]
            ),
            "leads": (self.lead | self.lead_won).sudo().read(["requirement_ids"]),
            "stages": self.env["product.requirement.stage"].sudo().search([]).read(["state"]),
            "event": self.foreign_event.sudo().read(["res_model", "res_id", "partner_ids"]),
        }

    def _contexts(self):
        """No key, the internal keys, and forged defaults (of system fields, PM-only
        fields and the requester)."""
        return {
            "no key": {},
            "internal keys": dict(INTERNAL_KEYS),
            "forged defaults": {
                "default_stage_id": self.stage_released.id,
                "default_state": "released",
                "default_revenue_at_stake": 1e9,
                "default_customer_count": 999,
                "default_feedback_count": 99,
                "default_first_response_date": "2020-01-01 00:00:00",
                "default_merged_into_id": self.other.id,
                "default_requested_by_id": self.user_pm.id,
                "default_release_id": self.release.id,
                "default_applied": True,
                **INTERNAL_KEYS,
            },
        }

    def _assert_refused(self, attack, before):
        """`attack()` raises a clear error and the database is as it was."""
        with self.assertRaises(UserError) as caught, mute_logger(*LOGGERS):
            attack()
            self.env.flush_all()
        self.assertNotIn("singleton", str(caught.exception))
        self.assertEqual(self._snapshot(), before, "nothing may change")
        return caught.exception

    def _run_table(self, attacks, allowed=None):
        """Each attack (label, records, callable(records)) as each role with each context;
        `allowed` maps a label to the roles it is legitimate for (not tried here)."""
        before = self._snapshot()
        allowed = allowed or {}
        for role, user in self.users.items():
            for context_name, context in self._contexts().items():
                for label, records, attack in attacks:
                    if role in allowed.get(label, ()):
                        continue
                    with self.subTest(role=role, context=context_name, attack=label):
                        hostile = records.with_user(user).with_context(**context)
                        self._assert_refused(lambda a=attack, h=hostile: a(h), before)

    # ------------------------------------------------------------------------------
    # system fields of requirements (item 2)
    # ------------------------------------------------------------------------------
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

    # ------------------------------------------------------------------------------
    # workflows (items 1 and 2)
    # ------------------------------------------------------------------------------
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

    def test_system_fields_of_releases_and_reviews_refused(self):
        line = self.review.line_ids
        done_line = self.done_review.line_ids
        attacks = [
            ("release state", self.release, lambda r: r.write({"state": "released"})),
            ("release cancelled", self.release, lambda r: r.write({"state": "cancelled"})),
            ("release figures", self.release, lambda r: r.write({"revenue_at_stake": 1e9})),
            ("release count", self.release, lambda r: r.write({"requirement_count": 9})),
            ("release feedback", self.release, lambda r: r.write({"feedback_count": 9})),
            (
                "release created released",
                self.env["product.release"],
                lambda m: m.create({"name": "Hostile 2.0", "state": "released"}),
            ),
            ("review done", self.review, lambda r: r.write({"state": "done"})),
            ("review reopened", self.done_review, lambda r: r.write({"state": "draft"})),
            (
                "review meeting",
                self.review,
                lambda r: r.write({"calendar_event_id": self.foreign_event.id}),
            ),
            (
                "review created done",
                self.env["product.requirement.review"],
                lambda m: m.create({"name": "Hostile review", "state": "done"}),
            ),
            ("line applied", line, lambda r: r.write({"applied": True})),
            ("line company", line, lambda r: r.write({"company_id": self.env.company.id})),
            ("done line decision", done_line, lambda r: r.write({"decision": "decline"})),
            ("done line note", done_line, lambda r: r.write({"note": "Rewritten"})),
            ("done line deleted", done_line, lambda r: r.unlink()),
            (
                "line added to done review",
                self.env["product.requirement.review.line"],
                lambda m: m.create(
                    {"review_id": self.done_review.id, "requirement_id": self.other.id}
                ),
            ),
            (
                "line moved to done review",
                line,
                lambda r: r.write({"review_id": self.done_review.id}),
            ),
            ("stage figures", self.stage_new, lambda r: r.write({"requirement_count": 9})),
            (
                "lead's requirements",
                self.lead,
                lambda r: r.write({"requirement_ids": [Command.link(self.declined.id)]}),
            ),
            (
                "lead's requirements cleared",
                self.lead,
                lambda r: r.write({"requirement_ids": [Command.clear()]}),
            ),
        ]
        self._run_table(attacks)

    def test_done_review_keeps_its_agenda_for_product_managers(self):
        before = self._snapshot()
        error = self._assert_refused(
            lambda: self.done_review.line_ids.with_user(self.user_pm).write({"note": "Later"}),
            before,
        )
        self.assertIn("is done", str(error))

    def test_link_to_closed_requirement_refused(self):
        """The raise wizard offers open requirements only; over RPC the id is forged."""
        before = self._snapshot()
        Wizard = self.env["product.requirement.raise.wizard"].with_user(self.user_rep)
        for requirement in (self.declined, self.other.copy({"active": False})):
            with self.subTest(requirement=requirement.name):
                before = self._snapshot()
                wizard = Wizard.with_context(default_lead_id=self.lead.id).create(
                    {"link_requirement_id": requirement.id}
                )
                error = self._assert_refused(wizard.action_link, before)
                self.assertIn("no longer open", str(error))
        # someone else's deal cannot be linked either, nor raised from
        foreign = self._lead(self.contact_b, 5000, user=self.user_sales_manager)
        before = self._snapshot()
        self._assert_refused(
            lambda: Wizard.create(
                {"lead_id": foreign.id, "link_requirement_id": self.other.id}
            ).action_link(),
            before,
        )
        self._assert_refused(
            lambda: Wizard.create(
                {"lead_id": foreign.id, "name": "Hostile: not my deal"}
            ).action_create(),
            before,
        )

    def test_workflow_buttons_still_work(self):
        """The roles the buttons are for still move things, whatever keys they send."""
        pm = self.user_pm
        context = dict(INTERNAL_KEYS)
        # reps raise and link from their deal
        Wizard = self.env["product.requirement.raise.wizard"].with_user(self.user_rep)
        wizard = Wizard.with_context(default_lead_id=self.lead.id, **context).create(
            {"name": "Hostile: printed receipts in Chinese"}
        )
        wizard.action_create()
        raised = self.lead.requirement_ids.filtered(lambda r: r.name.startswith("Hostile: printed"))
        self.assertEqual(raised.requested_by_id, self.user_rep)
        self.assertEqual(raised.state, "new")
        self.assertTrue(raised.first_response_deadline)
        foreign_lead = self._lead(self.contact_c, 20000)
        wizard = Wizard.with_context(default_lead_id=foreign_lead.id).create(
            {"link_requirement_id": self.other.id}
        )
        wizard.action_link()
        self.assertIn(foreign_lead, self.other.lead_ids)
        self.assertEqual(self.other.opportunity_count, 1)
        # a product manager answers the triage by moving the requirement on
        target = self.target.with_user(pm).with_context(**context)
        target.write({"stage_id": self.stage_review.id, "reach": 200, "effort": 4})
        self.assertTrue(self.target.first_response_date)
        # declines with a reason, reopens, merges
        Decline = self.env["product.requirement.decline.wizard"].with_user(pm)
        Decline.with_context(**context).create(
            {"requirement_ids": [Command.set(self.other.ids)], "reason": "Not this year"}
        ).action_decline()
        self.assertEqual(self.other.state, "declined")
        self.assertEqual(self.other.decline_reason, "Not this year")
        self.other.with_user(pm).with_context(**context).action_reopen()
        self.assertEqual(self.other.state, "review")
        self.other.with_user(pm).with_context(**context).action_merge_into(self.target.id)
        self.assertEqual(self.other.merged_into_id, self.target)
        self.assertFalse(self.other.active)
        # releases: beta, released
        release = self.release.with_user(pm).with_context(**context)
        release.action_start_testing()
        self.assertEqual(self.release.state, "testing")
        self.assertEqual(self.planned.state, "testing")
        release.write({"date_released": fields.Date.today()})
        release.action_mark_released()
        self.assertEqual(self.release.state, "released")
        self.assertEqual(self.planned.state, "released")
        other_release = self.env["product.release"].with_user(pm).create({"name": "Hostile 3"})
        other_release.action_cancel()
        self.assertEqual(other_release.state, "cancelled")
        other_release.action_reset_planned()
        self.assertEqual(other_release.state, "planned")
        # reviews: a new one books its meeting and fills its agenda; Apply Decisions
        review = self.env["product.requirement.review"].with_user(pm).create({"name": "Next"})
        self.assertTrue(review.calendar_event_id)
        self.assertIn(self.target, review.line_ids.requirement_id)
        line = review.line_ids.filtered(lambda item: item.requirement_id == self.target)
        line.write({"decision": "accept", "note": "Next quarter"})
        review.with_context(**context).action_done()
        self.assertEqual(review.state, "done")
        self.assertTrue(line.applied)
        self.assertEqual(self.target.state, "planned")

    # ------------------------------------------------------------------------------
    # shared stages (item 4)
    # ------------------------------------------------------------------------------
    def test_shared_stages_need_every_company(self):
        """Stages have no company: every company with requirements uses them. An
        administrator restricted to company 2 may not change them (company 1 uses them)."""
        company_2 = self.env["res.company"].create({"name": "Hostile Company 2"})
        admin = self.user_admin
        admin.write({"company_ids": [Command.set(company_2.ids)], "company_id": company_2.id})
        Stage = self.env["product.requirement.stage"]
        unused = Stage.create({"name": "Hostile: unused stage", "state": "review"})
        before = self._snapshot()
        for context_name, context in self._contexts().items():
            stage_new = self.stage_new.with_user(admin).with_context(**context)
            stage_review = self.stage_review.with_user(admin).with_context(**context)
            for label, attack in (
                ("rename", lambda s=stage_new: s.write({"name": "Hijacked"})),
                ("change state", lambda s=stage_review: s.write({"state": "released"})),
                (
                    "create",
                    lambda c=context: (
                        Stage.with_user(admin)
                        .with_context(**c)
                        .create({"name": "Hostile stage", "state": "new"})
                    ),
                ),
                ("delete", lambda c=context: unused.with_user(admin).with_context(**c).unlink()),
            ):
                with self.subTest(context=context_name, attack=label):
                    error = self._assert_refused(attack, before)
                    self.assertIsInstance(error, AccessError)
                    self.assertIn("shared by all companies", str(error))
        # nor the requirements, releases and reviews of company 1
        for record in (self.target, self.release, self.review):
            with self.subTest(record=record._name):
                self._assert_refused(
                    lambda r=record: r.with_user(admin).write({"name": "Hijacked"}), before
                )
        # a product manager with every company may
        every_company = self.env["res.company"].search([])
        self.user_pm.company_ids = [Command.set(every_company.ids)]
        stage = Stage.with_user(self.user_pm).create({"name": "Design", "state": "development"})
        stage.write({"name": "UX Design"})
        stage.unlink()
        # a company that has no requirement does not use the stages; once it has one, a
        # product manager without access to it may no longer change them
        self.user_pm.company_ids = [Command.unlink(company_2.id)]
        self.stage_new.with_user(self.user_pm).write({"fold": False})
        self._requirement(
            "Company 2's own need",
            company_id=company_2.id,
            user_id=self.user_admin.id,
            requested_by_id=self.user_admin.id,
        )
        before = self._snapshot()
        self._assert_refused(
            lambda: self.stage_new.with_user(self.user_pm).write({"fold": True}), before
        )

    # ------------------------------------------------------------------------------
    # bad input (item 6)
    # ------------------------------------------------------------------------------
    def test_bad_values_get_a_clear_message(self):
        """As a product manager (who may write every field) and over RPC: each bad value
        is a ValidationError naming what to fix, and nothing changes."""
        self.target.with_user(self.user_pm).write({"reach": 10, "effort": 2})
        before = self._snapshot()
        bad = [
            ("name", ""),
            ("name", "   "),
            ("name", "x" * 201),
            ("name", "x" * 10000),
            ("name", 12345),
            ("name", ["title"]),
            ("effort", 0),
            ("effort", -1),
            ("effort", 1e308),
            ("effort", 10001),
            ("effort", float("nan")),
            ("effort", float("inf")),
            ("effort", "a lot"),
            ("reach", 2.5),
            ("reach", "2.5"),
            ("reach", "5.0"),
            ("reach", -1),
            ("reach", "many"),
            ("reach", 3e9),
            ("reach", 1000000001),
            ("confidence", 101),
            ("confidence", -1),
            ("confidence", "sure"),
            ("impact", 1.5),
            ("impact", "huge"),
            ("impact_level", "7"),
            ("stage_id", [self.stage_review.id, self.stage_planned.id]),
            ("stage_id", [self.stage_review.id]),
            ("stage_id", "Under Review"),
            ("stage_id", 2.5),
            ("stage_id", {"id": self.stage_review.id}),
            ("kind", "wish"),
            ("priority", "9"),
            ("deadline", "next week"),
            ("deadline", "2025-13-45"),
            ("requested_by_id", "rep"),
            ("requested_by_id", [self.user_cs.id]),
            ("user_id", "pm"),
            ("release_id", [self.release.id]),
            ("market_size", "big"),
            ("market_size", 1e300),
            ("lead_ids", "all"),
            ("partner_ids", 5),
        ]
        target = self.target.with_user(self.user_pm)
        ways = {
            "orm": lambda vals: target.write(vals),
            "rpc": lambda vals: self._rpc(
                self.user_pm, "product.requirement", "write", target.ids, vals
            ),
        }
        for fname, value in bad:
            for via, write in ways.items():
                with self.subTest(field=fname, value=repr(value)[:30], via=via):
                    error = self._assert_refused(
                        lambda w=write, f=fname, v=value: w({f: v}), before
                    )
                    self.assertIsInstance(error, ValidationError)

    def test_bad_titles_refused_at_creation_too(self):
        before = self._snapshot()
        for user in (self.user_rep, self.user_pm):
            for name in ("", "  \n ", "x" * 201, 42):
                with self.subTest(user=user.login, name=repr(name)[:20]):
                    error = self._assert_refused(
                        lambda u=user, n=name: self.Requirement.with_user(u).create({"name": n}),
                        before,
                    )
                    self.assertIsInstance(error, ValidationError)
        # the raise wizard says the same
        wizard = (
            self.env["product.requirement.raise.wizard"]
            .with_user(self.user_rep)
            .create({"lead_id": self.lead.id, "name": "y" * 500})
        )
        before = self._snapshot()
        error = self._assert_refused(wizard.action_create, before)
        self.assertIn("at most 200 characters", str(error))
        # titles and estimates within bounds are fine
        requirement = self.Requirement.with_user(self.user_pm).create(
            {"name": "x" * 200, "reach": "200000", "effort": 10000, "confidence": 100}
        )
        self.assertEqual(requirement.reach, 200000)
        self.assertAlmostEqual(requirement.score, 200000 * 1.0 * 1.0 / 10000)
