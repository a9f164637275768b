"""The hostile client, channel partners: everything in an RPC call can be forged.

Each attack runs as each role, with and without forged context keys, the way RPC does
(`with_user(...).with_context(...)`), and asserts the refusal AND that nothing changed:
KPIs, levels, level dates, evaluation states, conflict decisions, trainings.
"""

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LEVEL_EDITORS, ROLES, ChannelHostileCommon


@tagged("post_install", "-at_install")
class TestChannelHostile(ChannelHostileCommon):
    """Evaluations, levels and channel fields of partners, territory conflicts."""

    # what users try on partners, and what is compared before and after
    PARTNER_SYSTEM_FIELDS = {
        "grade_date": "2000-01-01",
        "channel_revenue": 1e9,
        "channel_revenue_previous": 1.0,
        "channel_growth": 900.0,
        "channel_collection_rate": 100.0,
        "channel_collection_measured": True,
        "channel_new_customers": 99,
        "channel_satisfaction": 5.0,
        "channel_satisfaction_measured": True,
        "channel_training_rate": 100.0,
        "channel_change": "promote",
        "channel_grade_history": "<p>forged history</p>",
    }
    PARTNER_WATCHED = (
        "grade_id",
        "grade_date",
        "channel_type",
        "channel_manager_id",
        "territory_ids",
        "last_evaluation_id",
        *PARTNER_SYSTEM_FIELDS,
    )

    def test_evaluation_kpis_and_workflow_fields_are_never_written_by_users(self):
        evaluation = self.evaluation
        fnames = self._evaluation_fields()
        forgeries = self._evaluation_forgeries()
        self.assertEqual(set(forgeries), set(evaluation._collab_class_union("_system_fields")))
        for role, name, context in self._cases():
            user = self._user(role)
            for fname, value in forgeries.items():
                with self.subTest(role=role, context=name, field=fname):
                    self._assert_refused(
                        evaluation,
                        fnames,
                        evaluation.with_user(user).with_context(**context).write,
                        {fname: value},
                        exceptions=AccessError,
                    )
        self.assertEqual(evaluation.state, "draft")
        self.assertEqual(evaluation.grade_recommended_id, self.grade_gold)

    def test_evaluations_are_never_created_by_hand(self):
        Evaluation = self.env["res.partner.grade.evaluation"]
        attempts = {
            "forged KPIs": {
                "partner_id": self.dist_b.id,
                "date_from": "2024-01-01",
                "date_to": "2024-12-31",
                "revenue": 1e9,
                "grade_recommended_id": self.grade_platinum.id,
                "change": "promote",
                "state": "approved",
            },
            "comments only (defaults from the context)": {"note": "<p>forged</p>"},
        }
        for role, name, context in self._cases():
            for attempt, vals in attempts.items():
                with self.subTest(role=role, context=name, attempt=attempt):
                    before = Evaluation.search_count([])
                    with self.assertRaises(UserError):
                        Evaluation.with_user(self._user(role)).with_context(**context).create(vals)
                    self.assertEqual(Evaluation.search_count([]), before)

    def test_only_channel_managers_run_the_workflow(self):
        evaluation = self.evaluation
        methods = ("action_submit", "action_approve", "action_reject", "action_apply")
        for role, name, context in self._cases([r for r in ROLES if r != "channel"]):
            for method in methods:
                with self.subTest(role=role, context=name, method=method):
                    level = self._snapshot(self.dist_a, self.PARTNER_WATCHED)
                    self._assert_refused(
                        evaluation,
                        self._evaluation_fields(),
                        getattr(
                            evaluation.with_user(self._user(role)).with_context(**context), method
                        ),
                    )
                    self.assertEqual(self._snapshot(self.dist_a, self.PARTNER_WATCHED), level)
        self.assertEqual(evaluation.state, "draft")
        self.assertEqual(self.dist_a.grade_id, self.grade_silver)

    def test_workflow_buttons_work_for_channel_managers_whatever_the_context(self):
        """Submit, approve and apply, with each forged context: the buttons do what they
        do without one, no more (the level history names the channel manager)."""
        for name, context in self.forged_contexts.items():
            with self.subTest(context=name):
                self.dist_a.sudo().write({"grade_id": self.grade_silver.id})
                self.env.flush_all()
                self.env.cr.precommit.run()  # close the tracking of the set-up
                evaluation = self.env["res.partner.grade.evaluation"].create_for_partners(
                    self.dist_a, self.DATE_FROM, self.DATE_TO
                )
                self.assertEqual(evaluation.change, "promote")
                mine = evaluation.with_user(self.user_channel).with_context(**context)
                mine.action_submit()
                self.assertEqual(
                    (evaluation.state, evaluation.submitted_by_id),
                    ("to_approve", self.user_channel),
                )
                mine.action_approve()
                self.assertEqual(
                    (evaluation.state, evaluation.approver_id), ("approved", self.user_channel)
                )
                mine.action_apply()
                self.assertEqual(evaluation.state, "applied")
                self.assertEqual(self.dist_a.grade_id, self.grade_gold)
                # today as the channel manager who applied it sees it (their time zone)
                self.assertEqual(self.dist_a.grade_date, fields.Date.context_today(mine))
                # nothing the context asked for: KPIs and company as measured
                self.assertEqual(evaluation.company_id, self.company_1)
                self.assertAlmostEqual(evaluation.revenue, 6000)
                self.env.flush_all()
                self.env.cr.precommit.run()
                history = str(self.dist_a.with_user(self.user_rep).channel_grade_history)
                self.assertIn("<td>T-Silver</td><td>T-Gold</td><td>T_Channel</td>", history)
                # an applied evaluation stays as it is, for the channel manager too
                with self.assertRaises(UserError):
                    mine.write({"note": "<p>changed</p>"})
        # reject and reset, also decisions of the channel manager only
        evaluation = self._evaluate(self.dist_b).with_user(self.user_channel)
        evaluation.action_reject()
        self.assertEqual(
            (evaluation.state, evaluation.rejected_by_id), ("rejected", self.user_channel)
        )
        evaluation.action_reset_draft()
        self.assertEqual(evaluation.state, "draft")
        # what is the user's to type stays editable
        evaluation.write({"note": "<p>Work on collections</p>", "notify_partner": False})
        self.assertFalse(evaluation.notify_partner)

    def test_create_for_partners_of_another_company_or_by_other_roles(self):
        Evaluation = self.env["res.partner.grade.evaluation"]
        attempts = {
            # the roles without the right to evaluate
            **{role: (self._user(role), self.dist_a.ids) for role in ROLES if role != "channel"},
            # an administrator of company 2, at partners of company 1
            "company 2 admin": (self.user_c2_admin, self.partner_c1.ids),
        }
        for who, (user, partner_ids) in attempts.items():
            for name, context in self.forged_contexts.items():
                with self.subTest(user=who, context=name):
                    before = Evaluation.search_count([])
                    with self.assertRaises(AccessError):
                        Evaluation.with_user(user).with_context(**context).create_for_partners(
                            partner_ids, "2024-01-01", "2024-12-31"
                        )
                    self.assertEqual(Evaluation.search_count([]), before)
        # and picking company 1 in the context is refused to a company 2 user
        with self.assertRaises(AccessError):
            Evaluation.with_user(self.user_c2_admin).with_context(
                allowed_company_ids=self.company_1.ids
            ).create_for_partners(self.partner_c1.ids, "2024-01-01", "2024-12-31")

    def test_evaluation_wizard_context_only_preselects_readable_partners(self):
        Wizard = self.env["res.partner.grade.evaluation.wizard"]
        Evaluation = self.env["res.partner.grade.evaluation"]
        # the channel manager of company 1: its partners are pre-selected
        wizard = (
            Wizard.with_user(self.user_channel)
            .with_context(
                active_model="res.partner", active_ids=(self.dist_a | self.partner_c1).ids
            )
            .create({})
        )
        self.assertEqual(wizard.scope, "selection")
        self.assertEqual(wizard.partner_ids, self.dist_a | self.partner_c1)
        # a company 2 administrator pointing the context at company 1's partners gets
        # nothing pre-selected, and nothing evaluated when it sends their ids itself
        admin = Wizard.with_user(self.user_c2_admin)
        for name, context in self.forged_contexts.items():
            with self.subTest(context=name):
                before = Evaluation.search_count([])
                wizard = admin.with_context(**context).create({"scope": "selection"})
                self.assertFalse(wizard.partner_ids)
                wizard.write({"partner_ids": [Command.set(self.partner_c1.ids)]})
                self.assertFalse(wizard._get_partners())
                self.assertEqual(wizard.partner_count, 0)
                with self.assertRaises(UserError):
                    wizard.action_evaluate()
                self.assertEqual(Evaluation.search_count([]), before)
        # the same ids as a default of the selection: the wizard is not even created
        with self.assertRaises(AccessError):
            admin.with_context(default_partner_ids=[Command.set(self.partner_c1.ids)]).create(
                {"scope": "selection"}
            )
        # garbage ids in the context pre-select nothing, without a traceback
        for active_ids in ("abc", [True, "x", None], 5, [-1, 10**9]):
            with self.subTest(active_ids=active_ids):
                wizard = (
                    Wizard.with_user(self.user_channel)
                    .with_context(active_model="res.partner", active_ids=active_ids)
                    .create({})
                )
                self.assertFalse(wizard.partner_ids)
                self.assertEqual(wizard.scope, "all")

    def test_partner_kpis_and_level_date_are_never_written_by_users(self):
        partner = self.dist_a
        forgeries = dict(self.PARTNER_SYSTEM_FIELDS, last_evaluation_id=self.evaluation.id)
        for role, name, context in self._cases():
            for fname, value in forgeries.items():
                with self.subTest(role=role, context=name, field=fname):
                    self._assert_refused(
                        partner,
                        self.PARTNER_WATCHED,
                        partner.with_user(self._user(role)).with_context(**context).write,
                        {fname: value},
                        exceptions=AccessError,
                    )

    def test_levels_by_hand_channel_and_sales_managers_only(self):
        partner = self.dist_b
        changes = {
            "grade_id": self.grade_platinum.id,
            "channel_type": "distributor_l1",
            "channel_manager_id": self.user_rep.id,
            "territory_ids": [Command.link(self.territory.id)],
        }
        for role, name, context in self._cases([r for r in ROLES if r not in LEVEL_EDITORS]):
            for fname, value in changes.items():
                with self.subTest(role=role, context=name, field=fname):
                    self._assert_refused(
                        partner,
                        self.PARTNER_WATCHED,
                        partner.with_user(self._user(role)).with_context(**context).write,
                        {fname: value},
                        exceptions=AccessError,
                    )
        # channel and sales managers do; the date and the history follow, by whom
        for role, grade in (("channel", self.grade_gold), ("sales_manager", self.grade_silver)):
            with self.subTest(role=role):
                self.env.flush_all()
                self.env.cr.precommit.run()
                user = self._user(role)
                partner.with_user(user).with_context(
                    **self.forged_contexts["forged defaults"]
                ).write({"grade_id": grade.id})
                self.assertEqual(partner.grade_id, grade)
                self.assertEqual(
                    partner.grade_date, fields.Date.context_today(partner.with_user(user))
                )
                self.env.flush_all()
                self.env.cr.precommit.run()
                self.assertIn(
                    f"<td>{grade.name}</td><td>{user.name}</td>",
                    str(partner.channel_grade_history),
                )
        # not even a level editor types the date: it follows the level
        with self.assertRaises(AccessError):
            partner.with_user(self.user_channel).write(
                {"grade_id": self.grade_platinum.id, "grade_date": "2001-01-01"}
            )
        self.assertEqual(partner.grade_id, self.grade_silver)

    def test_core_salesperson_cannot_change_levels(self):
        """Core partnership lets any salesperson edit levels; a level sets the rebate
        multiplier: without a channel or sales manager role, read only."""
        salesperson = new_test_user(
            self.env, login="t_core_salesperson", groups="sales_team.group_sale_salesman"
        )
        Grade = self.env["res.partner.grade"].with_user(salesperson)
        watched = ("name", "rebate_multiplier", "min_revenue", "active")
        grade = Grade.browse(self.grade_gold.id)
        for name, context in self.forged_contexts.items():
            for attack, run, args in (
                ("write", grade.with_context(**context).write, ({"rebate_multiplier": 900},)),
                ("unlink", grade.with_context(**context).unlink, ()),
                ("create", Grade.with_context(**context).create, ({"name": "T-mine"},)),
            ):
                with self.subTest(context=name, attack=attack):
                    self._assert_refused(grade, watched, run, *args, exceptions=AccessError)
        self.assertEqual(grade.rebate_multiplier, 125)
        self.assertFalse(self.env["res.partner.grade"].search([("name", "=", "T-mine")]))

    def test_partner_created_with_forged_channel_defaults(self):
        """A rep (or anyone who may not change channel fields) creating a partner: the
        channel defaults of the context are dropped, channel values refused."""
        # (without a company of its own: a partner of company 2 is refused to them anyway)
        forged = dict(self.forged_contexts["forged defaults"])
        del forged["default_company_id"]
        for role in ("rep", "cs", "pm", "finance", "employee"):
            Partner = self.env["res.partner"].with_user(self._user(role))
            with self.subTest(role=role, attack="values"):
                before = self.env["res.partner"].search_count([])
                with self.assertRaises(AccessError):
                    Partner.create({"name": "T-forged", "grade_id": self.grade_platinum.id})
                self.assertEqual(self.env["res.partner"].search_count([]), before)
            if not Partner.has_access("create"):
                continue
            with self.subTest(role=role, attack="context defaults"):
                partner = Partner.with_context(**forged).create({"name": f"T-plain {role}"})
                self.assertFalse(partner.grade_id)
                self.assertFalse(partner.grade_date)
                self.assertFalse(partner.channel_type)
                self.assertFalse(partner.channel_revenue)
        # a channel manager's defaults are its own to choose, but not the level's date
        partner = (
            self.env["res.partner"]
            .with_user(self.user_channel)
            .with_context(**forged)
            .create({"name": "T-channel's new partner", "is_company": True})
        )
        self.assertEqual(
            (partner.channel_type, partner.grade_id), ("distributor_l1", self.grade_platinum)
        )
        self.assertEqual(partner.grade_date, fields.Date.context_today(partner))
        self.assertFalse(partner.channel_revenue)

    def test_conflict_decisions_and_sources_are_the_servers(self):
        conflict = self.conflict
        watched = (*type(conflict)._system_fields, "note")
        forgeries = {
            "state": "accepted",
            "blocked_override": True,
            "sale_order_id": self.env["sale.order"].create({"partner_id": self.customer_x.id}).id,
            "seller_id": self.dist_a.id,
            "owner_ids": [Command.set(self.dist_b.ids)],
            "territory_id": self.env["sale.territory"].create({"name": "T-Other zone"}).id,
            "company_id": self.company_2.id,
            # a territory conflict turned into a registered-deal one
            "kind": "registration",
            "registration_id": self.env["crm.deal.registration"]
            .create({"partner_id": self.dist_a.id, "customer_name": "T-reg", "city": "上海"})
            .id,
        }
        self.assertEqual(set(forgeries), set(type(conflict)._system_fields))
        for role, name, context in self._cases():
            for fname, value in forgeries.items():
                with self.subTest(role=role, context=name, field=fname):
                    self._assert_refused(
                        conflict,
                        watched,
                        conflict.with_user(self._user(role)).with_context(**context).write,
                        {fname: value},
                        exceptions=AccessError,
                    )
            with self.subTest(role=role, context=name, attack="create"):
                before = self.env["sale.territory.conflict"].search_count([])
                with self.assertRaises(UserError):
                    self.env["sale.territory.conflict"].with_user(self._user(role)).with_context(
                        **context
                    ).create(
                        {
                            "sale_order_id": self.order.id,
                            "seller_id": self.dist_b.id,
                            "territory_id": self.territory.id,
                            "state": "penalised",
                        }
                    )
                self.assertEqual(self.env["sale.territory.conflict"].search_count([]), before)
        # the decision buttons: channel managers only
        for role, name, context in self._cases([r for r in ROLES if r != "channel"]):
            for method in ("action_accept", "action_penalise"):
                with self.subTest(role=role, context=name, method=method):
                    self._assert_refused(
                        conflict,
                        watched,
                        getattr(
                            conflict.with_user(self._user(role)).with_context(**context), method
                        ),
                    )
        self.assertEqual(conflict.state, "open")
        mine = conflict.with_user(self.user_channel)
        mine.action_penalise()
        self.assertEqual(conflict.state, "penalised")
        with self._refused_with(UserError, "already Penalised"):
            mine.action_penalise()
        mine.action_accept()
        mine.action_reopen()
        self.assertEqual(conflict.state, "open")
        mine.note = "<p>Agreed with the owner</p>"
