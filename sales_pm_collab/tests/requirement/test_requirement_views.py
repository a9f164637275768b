from datetime import timedelta

from lxml import etree

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import RequirementCommon


@tagged("post_install", "-at_install")
class TestRequirementViews(RequirementCommon):
    """Spec 2: what the PM kanban, its search view and the analysis views offer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.requirement_high_revenue = 100000
        now = fields.Datetime.now()
        big_lead = cls._lead(cls.contact_a, 400000, probability=50)
        cls.new_mine = cls._requirement("Mine, new", user_id=cls.user_pm.id)
        cls.new_other = cls._requirement("Someone else's, new", user_id=cls.user_admin.id)
        cls.overdue = cls._requirement(
            "Overdue", user_id=cls.user_admin.id, first_response_deadline=now - timedelta(days=1)
        )
        cls.big = cls._requirement(
            "Big",
            user_id=cls.user_admin.id,
            stage_id=cls.stage_review.id,
            lead_ids=[Command.set(big_lead.ids)],
        )
        cls.custom = cls._requirement(
            "Custom", user_id=cls.user_admin.id, stage_id=cls.stage_planned.id, kind="customisation"
        )
        cls.ours = cls.new_mine | cls.new_other | cls.overdue | cls.big | cls.custom

    def _arch(self, view_type, user=None):
        Requirement = self.Requirement.with_user(user or self.user_pm)
        views = Requirement.get_views([(False, view_type)])["views"]
        return etree.fromstring(views[view_type]["arch"])

    def _filter(self, search, name):
        node = search.find(f".//filter[@name='{name}']")
        self.assertIsNotNone(node, f"filter {name} missing")
        return node

    def test_the_five_filters(self):
        search = self._arch("search")
        expected = {
            "to_triage": ("To Triage", self.new_mine | self.new_other | self.overdue),
            "triage_overdue": ("Triage Overdue", self.overdue),
            "mine": ("Mine", self.new_mine),
            "high_revenue": ("High Revenue at Stake", self.big),
            "customisation": ("Customisations", self.custom),
        }
        Requirement = self.Requirement.with_user(self.user_pm)
        for name, (label, records) in expected.items():
            with self.subTest(filter=name):
                node = self._filter(search, name)
                self.assertEqual(node.get("string"), label)
                domain = safe_eval(node.get("domain"), {"uid": self.user_pm.id})
                found = Requirement.search(domain + [("id", "in", self.ours.ids)])
                self.assertEqual(found, records)

    def test_group_bys(self):
        search = self._arch("search")
        group_bys = {
            safe_eval(node.get("context"))["group_by"]
            for node in search.iterfind(".//filter[@context]")
        }
        self.assertTrue({"stage_id", "product_id", "team_id", "kind", "release_id"} <= group_bys)

    def test_kanban_cards(self):
        kanban = self._arch("kanban")
        self.assertEqual(kanban.get("default_group_by"), "stage_id")
        self.assertEqual(kanban.get("on_create"), "quick_create")
        self.assertTrue(kanban.get("quick_create_view"))
        progressbar = kanban.find("progressbar")
        self.assertEqual(progressbar.get("field"), "activity_state")
        card = kanban.find(".//t[@t-name='card']")
        shown = {node.get("name") for node in card.iter("field")}
        for name in (
            "name",
            "product_id",
            "priority",
            "score",
            "customer_count",
            "revenue_at_stake",
            "requested_by_id",
            "deadline",
            "activity_ids",
        ):
            self.assertIn(name, shown)
        # the deadline turns red once past (remaining_days widget)
        self.assertEqual(card.find(".//field[@name='deadline']").get("widget"), "remaining_days")
        # reps do not see the score on the cards
        rep_card = self._arch("kanban", self.user_rep).find(".//t[@t-name='card']")
        self.assertNotIn("score", {node.get("name") for node in rep_card.iter("field")})

    def test_closed_stages_are_folded_columns(self):
        groups = (
            self.Requirement.with_user(self.user_pm)
            .with_context(read_group_expand=True)
            .formatted_read_group([("id", "in", self.ours.ids)], ["stage_id"], ["__count"])
        )
        folded = {group["stage_id"][0] for group in groups if group.get("__fold")}
        self.assertTrue({self.stage_released.id, self.stage_declined.id} <= folded)
        self.assertNotIn(self.stage_new.id, folded)

    def test_analysis_and_release_calendar(self):
        pivot = self._arch("pivot")
        self.assertEqual(pivot.find(".//field[@type='row']").get("name"), "stage_id")
        self.assertEqual(pivot.find(".//field[@type='col']").get("interval"), "month")
        self.assertEqual(pivot.find(".//field[@type='measure']").get("name"), "revenue_at_stake")
        action = self.env.ref("sales_pm_collab.action_product_requirement_analysis")
        self.assertEqual(
            safe_eval(action.context)["pivot_measures"], ["__count__", "revenue_at_stake"]
        )
        graph = self._arch("graph")
        self.assertEqual(graph.find(".//field[@type='measure']").get("name"), "revenue_at_stake")
        releases = self.env.ref("sales_pm_collab.action_product_release")
        self.assertIn("calendar", releases.view_mode)
        calendar = etree.fromstring(
            self.env["product.release"]
            .with_user(self.user_rep)
            .get_views([(False, "calendar")])["views"]["calendar"]["arch"]
        )
        self.assertEqual(calendar.get("date_start"), "date_planned")

    def _readonly_for(self, arch, field, user, requirements):
        """{requirement: whether `field` is read-only} as the web client evaluates the
        node's `readonly` expression on the values it reads as `user`."""
        node = arch.find(f".//field[@name='{field}'][@readonly]")
        self.assertIsNotNone(node, f"{field} has no readonly expression")
        values = requirements.with_user(user).read(["can_edit", "state"])
        return {row["id"]: bool(safe_eval(node.get("readonly"), row)) for row in values}

    def test_priority_stars_read_only_where_not_editable(self):
        """Issue 17 item 4: a rep cannot click the stars of a requirement they may not
        edit (someone else's, or theirs once out of New); the list does the same."""
        own_new = self._requirement("Rep's own, new")
        own_reviewed = self._requirement("Rep's own, reviewed", stage_id=self.stage_review.id)
        others = self._requirement("CS's, new", requested_by_id=self.user_cs.id)
        records = own_new | own_reviewed | others
        for view_type in ("kanban", "list"):
            with self.subTest(view=view_type):
                arch = self._arch(view_type, self.user_rep)
                readonly = self._readonly_for(arch, "priority", self.user_rep, records)
                self.assertEqual(
                    readonly, {own_new.id: False, own_reviewed.id: True, others.id: True}
                )
                # the product manager edits every one of them
                arch = self._arch(view_type, self.user_pm)
                readonly = self._readonly_for(arch, "priority", self.user_pm, records)
                self.assertFalse(any(readonly.values()))

    def test_rice_score_labelled_on_cards(self):
        card = self._arch("kanban").find(".//t[@t-name='card']")
        score = card.find(".//field[@name='score']")
        label = score.getparent()
        self.assertIn("RICE", label.text or "")
        self.assertIn("RICE", label.get("title"))

    def test_form_customers_are_the_counted_ones(self):
        """Issue 17 item 4: two deals of two customers, none added by hand: the form's
        Customers field shows both, as its smart button counts them."""
        requirement = self._requirement(
            "Two customers by their deals",
            lead_ids=[
                Command.set(
                    (self._lead(self.contact_a, 1000) | self._lead(self.contact_b, 2000)).ids
                )
            ],
        )
        as_rep = requirement.with_user(self.user_rep)
        self.assertFalse(as_rep.partner_ids)
        self.assertEqual(as_rep.customer_count, 2)
        self.assertEqual(as_rep.demand_partner_ids, self.customer_a | self.customer_b)
        form = self._arch("form", self.user_rep)
        node = form.find(".//field[@name='demand_partner_ids']")
        self.assertEqual(node.get("string"), "Customers")
        self.assertEqual(
            form.find(".//field[@name='partner_ids']").get("string"), "Other Customers"
        )
        # a customer added by hand and one of a deal are counted once each
        requirement.partner_ids = self.customer_a | self.customer_c
        self.assertEqual(
            as_rep.demand_partner_ids, self.customer_a | self.customer_b | self.customer_c
        )
        self.assertEqual(as_rep.customer_count, 3)
