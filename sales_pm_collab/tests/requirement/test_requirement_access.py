import re

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..common import MODULE
from .common import RequirementCommon

SCORING = (
    "reach",
    "impact",
    "impact_level",
    "confidence",
    "effort",
    "score",
    "review_note",
    "review_line_ids",
)


@tagged("post_install", "-at_install")
class TestRequirementAccess(RequirementCommon):
    """Spec 8: the access matrix per role, record rules, hidden fields, archive on delete."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own_new = cls._requirement("Rep's own, new")
        cls.own_review = cls._requirement("Rep's own, under review", stage_id=cls.stage_review.id)
        cls.cs_new = cls._requirement("CS's request", requested_by_id=cls.user_cs.id)
        cls.other_team_new = cls._requirement(
            "Other team's request", requested_by_id=cls.user_pm.id, team_id=cls.other_team.id
        )
        cls.stage = cls.stage_new
        cls.release = cls.env["product.release"].create({"name": "Access 1.0"})
        # created with its agenda (one item), so it does not fill one itself
        cls.review = cls.env["product.requirement.review"].create(
            {
                "name": "Access review",
                "line_ids": [Command.create({"requirement_id": cls.own_review.id})],
            }
        )
        cls.line = cls.review.line_ids
        cls.readers = (
            cls.user_rep,
            cls.user_cs,
            cls.user_pm,
            cls.user_channel,
            cls.user_finance,
            cls.user_sales_manager,
            cls.user_admin,
        )

    def assertDenied(self, func, *args, **kwargs):
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            func(*args, **kwargs)
            self.env.flush_all()

    # === the matrix === #
    def test_access_matrix(self):
        """Create / read / write / unlink per role on each model (ACLs and record rules).

        The requirement is one under review: only product managers (and the administrator,
        who holds every role) may change it; reps and sales managers may create others."""
        requirement = self.own_review
        records = {
            "requirement": requirement,
            "stage": self.stage,
            "release": self.release,
            "review": self.review,
            "review line": self.line,
        }
        read_only, manage, nothing = "r", "crwu", ""
        expected = {
            # role: {model: allowed operations}
            "rep": {"requirement": "cr", "stage": "r", "release": "r"},
            "cs": {"requirement": "cr", "stage": "r", "release": "r"},
            "sales_manager": {
                "requirement": "cr",
                "stage": "r",
                "release": "r",
                "review": "r",
                "review line": "r",
            },
            "pm": dict.fromkeys(records, manage),
            "admin": dict.fromkeys(records, manage),
            "channel": {"requirement": read_only, "stage": read_only, "release": read_only},
            "finance": {"requirement": read_only, "stage": read_only, "release": read_only},
            "employee": {},
            "portal": {},
        }
        operations = {"c": "create", "r": "read", "w": "write", "u": "unlink"}
        for role, allowed in expected.items():
            user = getattr(self, f"user_{role}")
            for name, record in records.items():
                for letter, operation in operations.items():
                    with self.subTest(role=role, model=name, operation=operation):
                        granted = letter in allowed.get(name, nothing)
                        # create: may the role create such records at all (the rules on
                        # what they create are tested above); else: this very record
                        target = record.browse() if operation == "create" else record
                        try:
                            target.with_user(user).check_access(operation)
                        except AccessError:
                            self.assertFalse(granted, "refused but should be allowed")
                        else:
                            self.assertTrue(granted, "allowed but should be refused")

    # === read === #
    def test_every_role_reads_all_requirements(self):
        everything = self.own_new | self.own_review | self.cs_new | self.other_team_new
        for user in self.readers:
            with self.subTest(user=user.login):
                found = self.Requirement.with_user(user).search([("id", "in", everything.ids)])
                self.assertEqual(found, everything)
                found.read(["name", "stage_id", "revenue_at_stake", "decline_reason"])
                self.stage.with_user(user).read(["name"])
                self.release.with_user(user).read(["name", "state"])

    def test_others_cannot_read(self):
        for user in (self.user_employee, self.user_portal):
            with self.subTest(user=user.login):
                self.assertDenied(self.Requirement.with_user(user).search, [])
                self.assertDenied(self.release.with_user(user).read, ["name"])
                self.assertDenied(self.review.with_user(user).read, ["name"])

    def test_reviews_are_for_product_and_sales_managers(self):
        for user in (self.user_pm, self.user_sales_manager, self.user_admin):
            self.review.with_user(user).read(["name", "line_ids"])
            self.line.with_user(user).read(["decision", "note"])
        for user in (self.user_rep, self.user_cs, self.user_channel, self.user_finance):
            with self.subTest(user=user.login):
                self.assertDenied(self.review.with_user(user).read, ["name"])
                self.assertDenied(self.line.with_user(user).read, ["note"])
        self.assertDenied(self.review.with_user(self.user_sales_manager).write, {"minutes": "x"})
        self.review.with_user(self.user_pm).write({"minutes": "<p>ok</p>"})

    # === create / write / unlink: reps and customer service === #
    def test_rep_edits_only_own_new(self):
        rep = self.user_rep
        created = self.Requirement.with_user(rep).create({"name": "Rep creates"})
        created.write({"description": "<p>more</p>", "priority": "2", "deadline": "2030-01-01"})
        self.own_new.with_user(rep).write({"name": "Renamed by its requester"})
        self.assertDenied(self.own_review.with_user(rep).write, {"name": "No longer new"})
        self.assertDenied(self.cs_new.with_user(rep).write, {"name": "Not mine"})
        self.assertDenied(
            self.Requirement.with_user(rep).create,
            {"name": "For someone else", "requested_by_id": self.user_cs.id},
        )

    def test_customer_service_like_reps(self):
        cs = self.user_cs
        mine = self.Requirement.with_user(cs).create({"name": "Complaint turned requirement"})
        self.assertEqual(mine.requested_by_id, cs)
        self.cs_new.with_user(cs).write({"name": "Edited"})
        self.assertDenied(self.own_new.with_user(cs).write, {"name": "Not mine"})

    def test_reps_cannot_change_stage_owner_decision_or_release(self):
        for vals in (
            {"stage_id": self.stage_review.id},
            {"user_id": self.user_rep.id},
            {"decision_note": "Accepted!"},
            {"decline_reason": "No"},
            {"release_id": self.release.id},
        ):
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(AccessError, "Only product managers can change"):
                    self.own_new.with_user(self.user_rep).write(vals)

    def test_reps_cannot_plan_or_answer_their_own_at_creation(self):
        """What reps may not change later they may not set when creating either: the
        release, the decision, or the triage answer (it would hide an unanswered
        requirement from "Triage overdue")."""
        Requirement = self.Requirement.with_user(self.user_rep)
        with self.assertRaisesRegex(AccessError, "Only product managers can change"):
            Requirement.create({"name": "Sneaky", "release_id": self.release.id})
        # the triage answer and deadline are the application's, for product managers too
        # (see test_requirement_hostile for the whole table)
        for vals in (
            {"first_response_date": "2020-01-01 00:00:00"},
            {"first_response_deadline": "2099-01-01 00:00:00"},
        ):
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(AccessError, "cannot be set by hand"):
                    Requirement.create({"name": "Sneaky", **vals})
                with self.assertRaisesRegex(AccessError, "cannot be set by hand"):
                    self.own_new.with_user(self.user_rep).write(vals)
        # their own requirement still gets its deadline, and a PM may plan at creation
        requirement = Requirement.create({"name": "Plain request"})
        self.assertTrue(requirement.first_response_deadline)
        self.assertFalse(requirement.first_response_date)
        planned = self.Requirement.with_user(self.user_pm).create(
            {"name": "Planned by the PM", "release_id": self.release.id}
        )
        self.assertEqual(planned.release_id, self.release)

    def test_scoring_hidden_from_non_product_managers(self):
        for user in (self.user_rep, self.user_cs, self.user_sales_manager, self.user_channel):
            with self.subTest(user=user.login):
                fields_seen = self.Requirement.with_user(user).fields_get()
                for fname in SCORING:
                    self.assertNotIn(fname, fields_seen)
                self.assertIn("decision_note", fields_seen, "decisions are shown to sales")
                self.assertIn("decline_reason", fields_seen)
                self.assertDenied(self.own_new.with_user(user).read, ["score"])
                self.assertDenied(self.own_new.with_user(user).read, ["review_note"])
                form = self.Requirement.with_user(user).get_views([(False, "form")])
                arch = form["views"]["form"]["arch"]
                self.assertNotIn('name="score"', arch)
                self.assertNotIn('name="review_note"', arch)
        self.assertDenied(self.own_new.with_user(self.user_rep).write, {"effort": 3})
        pm_fields = self.Requirement.with_user(self.user_pm).fields_get()
        for fname in SCORING:
            self.assertIn(fname, pm_fields)

    def test_scoring_changes_tracked_for_product_managers_only(self):
        """Scoring is tracked in the chatter, but the tracking lines of hidden fields are
        shown to product managers only (reps follow the requirement's chatter)."""
        self.env.cr.precommit.run()  # records created in this transaction are not tracked
        self.own_review.with_user(self.user_pm).write(
            {"reach": 80, "impact": 3, "effort": 2, "decision_note": "Likely next quarter"}
        )
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit
        tracking = self.own_review.message_ids.sudo().tracking_value_ids
        tracked = set(tracking.field_id.mapped("name"))
        self.assertTrue({"reach", "impact", "effort", "decision_note"} <= tracked, tracked)
        for user, expected in (
            (self.user_rep, {"decision_note"}),
            (self.user_sales_manager, {"decision_note"}),
            (self.user_pm, {"reach", "impact", "effort", "decision_note"}),
        ):
            with self.subTest(user=user.login):
                shown = tracking._filter_has_field_access(self.env(user=user))
                self.assertEqual(set(shown.field_id.mapped("name")), expected)

    def test_form_is_read_only_where_the_user_cannot_edit(self):
        for user, requirement, editable in (
            (self.user_rep, self.own_new, True),
            (self.user_rep, self.own_review, False),
            (self.user_rep, self.cs_new, False),
            (self.user_cs, self.cs_new, True),
            (self.user_sales_manager, self.cs_new, True),
            (self.user_sales_manager, self.own_review, False),
            (self.user_sales_manager, self.other_team_new, False),
            (self.user_channel, self.own_new, False),
            (self.user_finance, self.own_new, False),
            (self.user_pm, self.own_review, True),
        ):
            with self.subTest(user=user.login, requirement=requirement.name):
                self.assertEqual(requirement.with_user(user).can_edit, editable)
        self.assertTrue(self.Requirement.with_user(self.user_rep).new({}).can_edit, "a new one")
        arch = self.Requirement.with_user(self.user_rep).get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertIn('name="description"', arch)
        self.assertRegex(arch, r'name="description"[^>]*readonly="not can_edit"')

    def test_only_product_managers_drag_cards_and_edit_lists_in_bulk(self):
        for user, allowed in (
            (self.user_pm, True),
            (self.user_admin, True),
            (self.user_rep, False),
            (self.user_cs, False),
            (self.user_sales_manager, False),
            (self.user_channel, False),
        ):
            with self.subTest(user=user.login):
                views = self.Requirement.with_user(user).get_views(
                    [(False, "kanban"), (False, "list")]
                )["views"]
                self.assertEqual(
                    'records_draggable="0"' not in views["kanban"]["arch"], allowed, "drag & drop"
                )
                self.assertEqual('multi_edit="1"' in views["list"]["arch"], allowed, "multi-edit")

    def test_rep_delete_archives_when_there_is_history(self):
        rep = self.user_rep
        bare = self.Requirement.with_user(rep).create({"name": "Typo, delete me"})
        bare.unlink()
        self.assertFalse(bare.exists(), "no deal, no discussion: really deleted")
        with_lead = self.Requirement.with_user(rep).create(
            {"name": "Has a deal", "lead_ids": [Command.link(self._lead(self.contact_a, 1000).id)]}
        )
        discussed = self.Requirement.with_user(rep).create({"name": "Discussed"})
        discussed.message_post(body="Customer called again", message_type="comment")
        (with_lead | discussed).unlink()
        for requirement in (with_lead, discussed):
            self.assertTrue(requirement.exists())
            self.assertFalse(requirement.active)
            self.assertIn("Archived instead of deleted", requirement.message_ids[0].body)
        self.assertDenied(self.cs_new.with_user(rep).unlink)
        self.assertDenied(self.own_review.with_user(rep).unlink)

    def test_admin_really_deletes(self):
        self.own_new.lead_ids = [Command.link(self._lead(self.contact_a, 1000).id)]
        self.own_new.with_user(self.user_admin).unlink()
        self.assertFalse(self.own_new.exists())

    # === sales managers === #
    def test_sales_manager_edits_team_requirements_while_new(self):
        manager = self.user_sales_manager  # leads self.team
        self.own_new.with_user(manager).write({"priority": "3"})
        self.cs_new.with_user(manager).write({"priority": "1"})
        self.assertDenied(self.own_review.with_user(manager).write, {"priority": "3"})
        self.assertDenied(self.other_team_new.with_user(manager).write, {"priority": "3"})
        self.assertDenied(self.own_new.with_user(manager).write, {"stage_id": self.stage_review.id})
        self.assertDenied(self.own_new.with_user(manager).unlink)
        created = self.Requirement.with_user(manager).create({"name": "Manager asks too"})
        self.assertEqual(created.requested_by_id, manager)

    # === product managers === #
    def test_product_manager_has_full_access(self):
        pm = self.user_pm
        for requirement in (self.own_new, self.own_review, self.cs_new):
            requirement.with_user(pm).write(
                {
                    "stage_id": self.stage_planned.id,
                    "reach": 100,
                    "impact": "2",
                    "confidence": 80,
                    "effort": 4,
                    "user_id": pm.id,
                    "release_id": self.release.id,
                    "decision_note": "Planned for 1.0",
                }
            )
            self.assertAlmostEqual(requirement.score, 40.0)
        self._give_every_company(pm)  # stages are shared configuration
        stage = (
            self.env["product.requirement.stage"]
            .with_user(pm)
            .create({"name": "Design", "state": "development", "sequence": 35})
        )
        stage.write({"name": "UX Design"})
        release = self.env["product.release"].with_user(pm).create({"name": "PM 2.0"})
        release.write({"date_planned": fields.Date.today()})
        review = self.env["product.requirement.review"].with_user(pm).create({"name": "PM review"})
        review.line_ids.write({"note": "seen"})
        review.unlink()
        release.unlink()
        stage.unlink()
        # a requirement with history is archived, even for a product manager
        self.own_review.with_user(pm).message_post(body="Scored", message_type="comment")
        self.own_review.with_user(pm).unlink()
        self.assertFalse(self.own_review.active)

    # === read-only roles === #
    def test_channel_and_finance_only_read(self):
        for user in (self.user_channel, self.user_finance):
            with self.subTest(user=user.login):
                self.assertDenied(self.Requirement.with_user(user).create, {"name": "No"})
                self.assertDenied(self.own_new.with_user(user).write, {"name": "No"})
                self.assertDenied(self.own_new.with_user(user).unlink)
                self.assertDenied(self.release.with_user(user).write, {"name": "No"})
                self.assertDenied(self.stage.with_user(user).write, {"name": "No"})

    def test_reps_only_read_stages_and_releases(self):
        rep = self.user_rep
        self.assertDenied(self.release.with_user(rep).write, {"name": "No"})
        self.assertDenied(self.env["product.release"].with_user(rep).create, {"name": "No"})
        self.assertDenied(self.stage.with_user(rep).write, {"name": "No"})
        self.assertDenied(
            self.env["product.requirement.stage"].with_user(rep).create,
            {"name": "No", "state": "new"},
        )

    # === opportunities === #
    def test_product_manager_reads_only_linked_opportunities(self):
        linked = self._lead(self.contact_a, 1000)
        unlinked = self._lead(self.contact_b, 1000)
        self.own_new.lead_ids = [Command.link(linked.id)]
        Lead = self.env["crm.lead"].with_user(self.user_pm)
        self.assertEqual(Lead.search([("id", "in", (linked | unlinked).ids)]), linked)
        self.own_new.with_user(self.user_pm).read(["lead_ids"])
        self.assertDenied(linked.with_user(self.user_pm).write, {"name": "No"})

    def test_product_manager_opens_the_opportunities_of_a_requirement(self):
        """The "Opportunities" smart button: a product manager (no sales role) loads the
        standard opportunity list, kanban and form of the linked deals, tags included."""
        tag = self.env["crm.tag"].create({"name": "Test: chain stores"})
        linked = self._lead(self.contact_a, 1000, tag_ids=[Command.link(tag.id)])
        self.own_new.lead_ids = [Command.link(linked.id)]
        action = self.own_new.with_user(self.user_pm).action_view_opportunities()
        Lead = self.env["crm.lead"].with_user(self.user_pm).with_context(**action["context"])
        views = Lead.get_views([(False, view_type) for _id, view_type in action["views"]])
        lead_fields = views["models"]["crm.lead"]["fields"]
        for view_type, view in views["views"].items():
            with self.subTest(view=view_type):
                names = set(re.findall(r'<field name="(\w+)"', view["arch"])) & set(lead_fields)
                spec = {
                    name: {"fields": {"display_name": {}}}
                    if lead_fields[name]["type"] in ("many2one", "many2many", "one2many")
                    else {}
                    for name in names
                }
                records = Lead.web_search_read(action["domain"], spec)["records"]
                self.assertEqual([record["id"] for record in records], linked.ids)
        self.assertEqual(linked.with_user(self.user_pm).tag_ids.display_name, tag.name)

    def test_requirements_on_the_deal_by_role(self):
        lead = self._lead(self.contact_a, 1000)
        self.own_new.lead_ids = [Command.link(lead.id)]
        self.assertEqual(lead.with_user(self.user_rep).requirement_ids, self.own_new)
        self.assertEqual(lead.with_user(self.user_channel).requirement_count, 1)
        lead_fields = self.env["crm.lead"].with_user(self.user_finance).fields_get()
        self.assertNotIn("requirement_ids", lead_fields)

    # === multi-company === #
    def test_multi_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Access Other Co"})
        self.user_cs.company_ids = [Command.link(other_company.id)]
        outsider = self._requirement(
            "Other company's",
            company_id=other_company.id,
            team_id=False,
            user_id=False,
            requested_by_id=self.user_cs.id,
        )
        for user in (self.user_rep, self.user_pm):
            with self.subTest(user=user.login):
                self.assertFalse(
                    self.Requirement.with_user(user).search([("id", "=", outsider.id)])
                )
                self.assertDenied(outsider.with_user(user).read, ["name"])

    def test_access_rules_are_declared(self):
        rules = self.env["ir.rule"].search([("model_id.model", "=", "product.requirement")])
        xmlids = set(rules.get_external_id().values())
        for name in (
            "product_requirement_company_rule",
            "product_requirement_rep_rule",
            "product_requirement_sale_manager_rule",
            "product_requirement_pm_rule",
        ):
            self.assertIn(f"{MODULE}.{name}", xmlids)
