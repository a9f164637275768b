"""Issue 10, requirements: releases and reviews, links to closed requirements, shared
stages and bad values against a hostile client; the workflow buttons keep working for
the roles they are for (the attacks and assertions of `RequirementHostileCommon`)."""

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import (
    INTERNAL_KEYS,
    RequirementHostileCommon,
)


@tagged("post_install", "-at_install")
class TestRequirementHostileWorkflow(RequirementHostileCommon):
    """Releases, reviews, links to closed requirements, shared stages, bad values; the
    workflow still works for its roles."""

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
