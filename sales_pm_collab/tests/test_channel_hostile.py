"""The hostile client, channel partners: everything in an RPC call can be forged.

Each attack runs as each role, with and without forged context keys, the way RPC does
(`with_user(...).with_context(...)`), and asserts the refusal AND that nothing changed:
KPIs, levels, level dates, evaluation states, conflict decisions, trainings.
"""

from contextlib import contextmanager
from datetime import date, datetime

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .channel_common import ChannelCommon

# every role of the issue; a sales manager is core's, without a role of this app
ROLES = ("rep", "cs", "pm", "channel", "finance", "sales_manager", "employee")
# roles that change levels and channel fields by hand (README: channel managers, and
# sales managers as core's partner levels let them)
LEVEL_EDITORS = ("channel", "sales_manager")


@tagged("post_install", "-at_install")
class TestChannelHostile(ChannelCommon):
    @classmethod
    def default_env_context(cls):
        return {}  # tracking on: the level history is read from it

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_1 = cls.company
        cls.company_2 = cls.env["res.company"].create({"name": "T-Company 2"})
        # an administrator (of the app and of Odoo) restricted to company 2
        cls.user_c2_admin = new_test_user(
            cls.env,
            login="t_c2_admin",
            groups="base.group_user,base.group_system,sales_pm_collab.group_collab_admin,"
            "sales_team.group_sale_manager",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        # dist_a: Silver, with Gold's figures (a promotion is proposed)
        cls.dist_a.grade_id = cls.grade_silver
        cls.env.flush_all()
        cls._gold_figures(cls, cls.dist_a)
        cls.evaluation = cls.env["res.partner.grade.evaluation"].create_for_partners(
            cls.dist_a, cls.DATE_FROM, cls.DATE_TO
        )
        # a channel partner of company 1 (not shared) with a training, and a training of
        # the shared dist_b recorded by company 1
        Partner = cls.env["res.partner"]
        cls.partner_c1 = Partner.create(
            {
                "name": "T-Company 1 agent",
                "is_company": True,
                "channel_type": "agent",
                "company_id": cls.company_1.id,
            }
        )
        Training = cls.env["res.partner.training"]
        cls.training_c1 = Training.create(
            {"partner_id": cls.partner_c1.id, "course_id": cls.course_install.id}
        )
        cls.training_shared_partner = Training.create(
            {"partner_id": cls.dist_b.id, "course_id": cls.course_sales.id}
        )
        cls.course_shared = cls.env["res.partner.training.course"].create(
            {"name": "T-Shared course", "company_id": False}
        )
        cls.grade_shared = cls.env["res.partner.grade"].create(
            {"name": "T-Shared level", "company_id": False, "sequence": 99}
        )
        # a territory conflict of company 1, recorded by the server
        cls.territory = cls.env["sale.territory"].create(
            {"name": "T-Zone", "exclusive": True, "partner_ids": [Command.set(cls.dist_a.ids)]}
        )
        product = cls.env["product.product"].create({"name": "T-item"})
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.dist_b.id,
                "user_id": cls.user_rep.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        cls.conflict = cls.env["sale.territory.conflict"].create(
            {
                "sale_order_id": cls.order.id,
                "seller_id": cls.dist_b.id,
                "territory_id": cls.territory.id,
                "owner_ids": [Command.set(cls.dist_a.ids)],
            }
        )
        cls.forged_contexts = {
            "no context": {},
            "forged defaults": {
                "default_state": "applied",
                "default_revenue": 1e9,
                "default_satisfaction": 5,
                "default_change": "promote",
                "default_grade_recommended_id": cls.grade_platinum.id,
                "default_approver_id": cls.user_channel.id,
                "default_grade_id": cls.grade_platinum.id,
                "default_grade_date": "2000-01-01",
                "default_channel_type": "distributor_l1",
                "default_channel_revenue": 1e9,
                "default_company_id": cls.company_2.id,
            },
            "forged internal keys": {
                "tracking_disable": True,
                "install_mode": True,
                "import_file": True,
                "su": True,
                "sudo": True,
                "bypass_access": True,
                "channel_grade_from_sale": True,
                "rebate_workflow": True,
            },
            "active records of another company": {
                "active_model": "res.partner",
                "active_id": cls.partner_c1.id,
                "active_ids": cls.partner_c1.ids,
            },
        }

    # ------------------------------------------------------------------ helpers

    def _user(self, role):
        return getattr(self, f"user_{role}")

    def _cases(self, roles=ROLES):
        """(role, context name, context) for each role and forged context."""
        for role in roles:
            for name, context in self.forged_contexts.items():
                yield role, name, context

    def _snapshot(self, records, fnames):
        # what a commit would store: the pending tracking too (the level history)
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()
        return [
            {fname: record[fname] for fname in fnames} for record in records.sudo().exists()
        ] + [len(records.sudo().exists())]

    @contextmanager
    def _refused_with(self, exception, message):
        """assertRaises (in a savepoint, so the refused values leave no trace in the
        cache) and the message says `message` (a regular expression)."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), message)

    def _assert_refused(self, records, fnames, attack, *args, exceptions=UserError):
        """`attack(*args)` is refused and `fnames` of `records` are unchanged."""
        before = self._snapshot(records, fnames)
        with self.assertRaises(exceptions):
            attack(*args)
        self.assertEqual(self._snapshot(records, fnames), before)

    # --------------------------------------------------------------- evaluations

    EVALUATION_FORGERIES = {
        "revenue": 1e9,
        "revenue_previous": 1.0,
        "growth": 900.0,
        "amount_due": 1.0,
        "amount_collected": 1.0,
        "collection_rate": 100.0,
        "collection_measured": True,
        "new_customers": 99,
        "satisfaction": 5.0,
        "satisfaction_count": 50,
        "satisfaction_measured": True,
        "training_rate": 100.0,
        "failing": False,
        "failing_streak": 0,
        "change": "demote",
        "gap_note": "top of the ladder",
        "date_from": "2020-01-01",
        "date_to": "2024-06-30",
        "channel_type": "agent",
        "state": "applied",
        "submitted_date": "2024-01-01 00:00:00",
        "approval_date": "2024-01-01 00:00:00",
        "applied_date": "2024-01-01 00:00:00",
        "rejected_date": "2024-01-01 00:00:00",
    }
    EVALUATION_RECORD_FORGERIES = {
        "grade_recommended_id": "grade_platinum",
        "grade_current_id": "grade_gold",
        "grade_next_id": "grade_registered",
        "training_grade_id": "grade_registered",
        "partner_id": "dist_b",
        "approver_id": "user_rep",
        "submitted_by_id": "user_rep",
        "rejected_by_id": "user_rep",
        "channel_manager_id": "user_rep",
        "company_id": "company_2",
        "currency_id": "currency",
    }

    def _evaluation_forgeries(self):
        forgeries = dict(self.EVALUATION_FORGERIES)
        for fname, attr in self.EVALUATION_RECORD_FORGERIES.items():
            forgeries[fname] = getattr(self, attr).id
        forgeries["new_customer_ids"] = [Command.set(self.customer_z.ids)]
        return forgeries

    def _evaluation_fields(self):
        return [*type(self.evaluation)._system_fields, "note", "notify_partner"]

    def test_evaluation_kpis_and_workflow_fields_are_never_written_by_users(self):
        evaluation = self.evaluation
        fnames = self._evaluation_fields()
        forgeries = self._evaluation_forgeries()
        self.assertEqual(set(forgeries), set(type(evaluation)._system_fields))
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
                self.assertEqual(self.dist_a.grade_date, fields.Date.context_today(evaluation))
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

    # ------------------------------------------------------------------ partners

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
                self.assertEqual(partner.grade_date, fields.Date.context_today(partner))
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

    # ------------------------------------------------------------------ conflicts

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

    # --------------------------------------------------------------- multi-company

    def test_company_2_admin_keeps_off_company_1_trainings(self):
        """The issue's case: trainings of company 1's channel partners (and those company
        1 recorded for a shared partner) are out of reach of a company 2 administrator,
        whatever the context says."""
        trainings = self.training_c1 | self.training_shared_partner
        self.assertEqual(trainings.company_id, self.company_1)
        watched = ("partner_id", "course_id", "date", "result", "company_id")
        contexts = {
            **self.forged_contexts,
            "company 1 picked": {"allowed_company_ids": self.company_1.ids},
        }
        Training = self.env["res.partner.training"].with_user(self.user_c2_admin)
        for name, context in contexts.items():
            mine = Training.with_context(**context)
            for training in trainings:
                attacks = {
                    "read": lambda t=training, m=mine: m.browse(t.id).read(["date", "result"]),
                    "write": lambda t=training, m=mine: m.browse(t.id).write({"result": "failed"}),
                    "unlink": lambda t=training, m=mine: m.browse(t.id).unlink(),
                }
                for attack, run in attacks.items():
                    with self.subTest(context=name, training=training.display_name, attack=attack):
                        self._assert_refused(trainings, watched, run, exceptions=AccessError)
            with self.subTest(context=name, attack="search"):
                try:
                    found = mine.search([("id", "in", trainings.ids)])
                except AccessError:
                    found = Training.browse()
                self.assertFalse(found)
            with self.subTest(context=name, attack="create for company 1's partner"):
                before = self.env["res.partner.training"].search_count([])
                with self.assertRaises(UserError):
                    mine.create(
                        {"partner_id": self.partner_c1.id, "course_id": self.course_shared.id}
                    )
                with self.assertRaises(UserError):
                    mine.create(
                        {
                            "partner_id": self.dist_b.id,
                            "course_id": self.course_shared.id,
                            "company_id": self.company_1.id,
                        }
                    )
                self.assertEqual(self.env["res.partner.training"].search_count([]), before)
        # its own company's trainings of the shared partner are its own
        own = Training.create({"partner_id": self.dist_b.id, "course_id": self.course_shared.id})
        self.assertEqual(own.company_id, self.company_2)
        # and it counts in company 2's evaluations only
        Evaluation = self.env["res.partner.grade.evaluation"]
        window = (date(2000, 1, 1), fields.Date.today())
        passed = Evaluation._kpi_trainings(self.dist_b, *window)[self.dist_b.id]
        self.assertEqual(passed, {self.course_sales.id})
        passed = Evaluation.with_company(self.company_2)._kpi_trainings(self.dist_b, *window)
        self.assertEqual(passed[self.dist_b.id], {self.course_shared.id})
        own.result = "failed"
        self.assertFalse(
            self.env["res.partner.training"]
            .with_user(self.user_channel)
            .search([("id", "=", own.id)])
        )
        own.unlink()

    def test_company_2_admin_keeps_off_company_1_and_shared_configuration(self):
        course_c1 = self.course_install  # company 1 (the default company of a new course)
        self.assertEqual(course_c1.company_id, self.company_1)
        grade_c1 = self.grade_gold
        admin = self.env(user=self.user_c2_admin)
        attacks = {
            "company 1 level: write": (
                grade_c1,
                lambda: admin["res.partner.grade"].browse(grade_c1.id).write({"min_revenue": 1}),
            ),
            "company 1 level: unlink": (
                grade_c1,
                lambda: admin["res.partner.grade"].browse(grade_c1.id).unlink(),
            ),
            "shared level: write": (
                self.grade_shared,
                lambda: (
                    admin["res.partner.grade"]
                    .browse(self.grade_shared.id)
                    .write({"rebate_multiplier": 500})
                ),
            ),
            "shared level: unlink": (
                self.grade_shared,
                lambda: admin["res.partner.grade"].browse(self.grade_shared.id).unlink(),
            ),
            "company 1 course: write": (
                course_c1,
                lambda: (
                    admin["res.partner.training.course"].browse(course_c1.id).write({"name": "x"})
                ),
            ),
            "shared course: write": (
                self.course_shared,
                lambda: (
                    admin["res.partner.training.course"]
                    .browse(self.course_shared.id)
                    .write({"name": "x"})
                ),
            ),
            "shared course: unlink": (
                self.course_shared,
                lambda: admin["res.partner.training.course"].browse(self.course_shared.id).unlink(),
            ),
            "company 1 evaluation: read": (
                self.evaluation,
                lambda: (
                    admin["res.partner.grade.evaluation"]
                    .browse(self.evaluation.id)
                    .read(["revenue"])
                ),
            ),
            "company 1 evaluation: apply": (
                self.evaluation,
                lambda: (
                    admin["res.partner.grade.evaluation"].browse(self.evaluation.id).action_submit()
                ),
            ),
            "company 1 evaluation: unlink": (
                self.evaluation,
                lambda: admin["res.partner.grade.evaluation"].browse(self.evaluation.id).unlink(),
            ),
            "company 1 territory: write": (
                self.territory,
                lambda: (
                    admin["sale.territory"].browse(self.territory.id).write({"exclusive": False})
                ),
            ),
            "company 1 conflict: decide": (
                self.conflict,
                lambda: admin["sale.territory.conflict"].browse(self.conflict.id).action_accept(),
            ),
        }
        for attack, (record, run) in attacks.items():
            fnames = [
                f
                for f in (
                    "name",
                    "state",
                    "min_revenue",
                    "rebate_multiplier",
                    "exclusive",
                    "active",
                )
                if f in record._fields
            ]
            with self.subTest(attack=attack):
                self._assert_refused(record, fnames, run, exceptions=AccessError)
        # creating shared configuration, or making its own shared, needs every company
        Grade = admin["res.partner.grade"]
        with self.assertRaises(AccessError):
            Grade.create({"name": "T-c2 shared", "company_id": False})
        own = Grade.create({"name": "T-c2 level", "min_revenue": 10})
        self.assertEqual(own.company_id, self.company_2)
        own.min_revenue = 20
        with self.assertRaises(AccessError):
            own.company_id = False
        self.assertEqual(own.company_id, self.company_2)
        with self.assertRaises(AccessError):
            admin["res.partner.training.course"].create(
                {"name": "T-c2 shared", "company_id": False}
            )
        # a course of its own may not make a shared level require it
        course = admin["res.partner.training.course"].create({"name": "T-c2 course"})
        with self.assertRaises(AccessError):
            course.grade_ids = [Command.link(self.grade_shared.id)]
        self.assertFalse(self.grade_shared.mandatory_course_ids)
        # a user with every company changes shared configuration
        everyone = self.env.user.company_ids | self.env["res.company"].search([])
        self.user_channel.company_ids = [Command.set(everyone.ids)]
        self.env(user=self.user_channel)["res.partner.grade"].browse(
            self.grade_shared.id
        ).rebate_multiplier = 105
        self.assertEqual(self.grade_shared.rebate_multiplier, 105)

    # ------------------------------------------------------------------ bad input

    def test_bad_input_gets_a_clear_message(self):
        """As the channel manager (who may change all of this): nonsense is refused with a
        message naming what to fix, at the model, and nothing is stored."""
        channel = self.env(user=self.user_channel)
        grade = channel["res.partner.grade"].browse(self.grade_silver.id)
        training = channel["res.partner.training"].browse(self.training_shared_partner.id)
        territory = channel["sale.territory"].browse(self.territory.id)
        other_contact = self.env["res.partner"].create(
            {"name": "T-someone else", "parent_id": self.customer_x.id}
        )
        us = self.env.ref("base.us")
        cases = [
            # levels: thresholds and KPI criteria
            (grade, {"min_collection_rate": "abc"}, "Minimum Collection Rate"),
            (grade, {"min_collection_rate": 150}, "between 0 and 100"),
            (grade, {"min_training_rate": -1}, "between 0 and 100"),
            (grade, {"min_satisfaction": 6}, "between 0 and 5"),
            (grade, {"min_revenue": -5}, "at least 0"),
            (grade, {"min_revenue": 1e308}, "sensible size"),
            (grade, {"min_new_customers": 1.5}, "whole number"),
            (grade, {"evaluation_months": 0}, "between 1 and 120"),
            (grade, {"evaluation_months": "twelve"}, "Evaluation Months"),
            (grade, {"demotion_grace": 0}, "between 1 and 24"),
            (grade, {"rebate_multiplier": 5000}, "between 0 and 1000"),
            (grade, {"name": "   "}, "needs a name"),
            (grade, {"name": "x" * 10000}, "limited to 128"),
            # trainings
            (training, {"date": "2099-01-01"}, "between 2000-01-01 and today"),
            (training, {"date": "1900-01-01"}, "between 2000-01-01 and today"),
            (training, {"date": "not a date"}, "a date"),
            (training, {"result": "excellent"}, "passed, failed"),
            (training, {"attendee_id": other_contact.id}, "not a contact of"),
            (training, {"note": "x" * 10000}, "limited to 500"),
            (training, {"course_id": "abc"}, "the id of one record"),
            # territories: zip ranges and names
            (territory, {"zip_from": "900000", "zip_to": "100000"}, "Swap the two values"),
            (territory, {"zip_from": "200000"}, "both ends"),
            (territory, {"zip_from": "1" * 50, "zip_to": "2" * 50}, "20 characters"),
            (territory, {"zip_from": 100, "zip_to": 200}, "expects text"),
            (territory, {"name": ""}, "needs a name"),
            (territory, {"name": "x" * 10000}, "limited to 128"),
            (
                territory,
                {
                    "country_ids": [Command.set(us.ids)],
                    "state_ids": [Command.set(self.env.ref("base.state_cn_SH").ids)],
                },
                "outside its countries",
            ),
            (territory, {"country_ids": "China"}, "a list of commands"),
        ]
        for record, vals, message in cases:
            fnames = [f for f in vals if f in record._fields]
            with self.subTest(model=record._name, vals=str(vals)[:60]):
                before = self._snapshot(record, fnames)
                with self._refused_with(ValidationError, message):
                    record.write(vals)
                    record.env.flush_all()
                self.assertEqual(self._snapshot(record, fnames), before)
        # creating nonsense: the same messages
        with self._refused_with(ValidationError, "between 0 and 100"):
            channel["res.partner.grade"].create({"name": "T-bad", "min_collection_rate": 101})
        with self._refused_with(ValidationError, "between 2000-01-01 and today"):
            channel["res.partner.training"].create(
                {
                    "partner_id": self.dist_b.id,
                    "course_id": self.course_sales.id,
                    "date": date(2099, 1, 1),
                }
            )

    def test_bad_evaluation_requests_get_a_clear_message(self):
        Evaluation = self.env["res.partner.grade.evaluation"].with_user(self.user_channel)
        ids = self.dist_a.ids
        cases = [
            (("abc", "2024-01-01", "2024-12-31"), "list of partner ids"),
            (([True], "2024-01-01", "2024-12-31"), "list of partner ids"),
            (({"id": 1}, "2024-01-01", "2024-12-31"), "list of partner ids"),
            ((["1"], "2024-01-01", "2024-12-31"), "list of partner ids"),
            ((ids, "not a date", "2024-12-31"), "two dates"),
            ((ids, "2024-01-01", 20241231), "two dates"),
            ((ids, "2024-01-01", False), "Set the start and the end"),
            ((ids, "2024-12-31", "2024-01-01"), "before it starts"),
            ((ids, "2024-01-01", "2099-12-31"), "in the future"),
            ((ids, "1900-01-01", "2024-12-31"), "too long"),
            ((ids, "2001-01-01", "2024-12-31"), "too long"),
        ]
        before = Evaluation.search_count([])
        for args, message in cases:
            with self.subTest(args=args):
                with self._refused_with(ValidationError, message):
                    Evaluation.create_for_partners(*args)
        self.assertEqual(Evaluation.search_count([]), before)
        # the wizard's window
        Wizard = self.env["res.partner.grade.evaluation.wizard"].with_user(self.user_channel)
        for months, message in (
            (0, "from 1 to 120"),
            (-3, "from 1 to 120"),
            (500, "from 1 to 120"),
            ("x", "Window"),
        ):
            with self.subTest(months=months):
                with self._refused_with(ValidationError, message):
                    Wizard.create({"scope": "all", "months": months})
        wizard = Wizard.create({"scope": "all"})
        wizard.write({"date_from": "2024-01-01", "date_to": "2099-01-01"})
        with self._refused_with(ValidationError, "in the future"):
            wizard.action_evaluate()
        self.assertEqual(Evaluation.search_count([]), before)
        # a partner list the client typed: ids of the user's partners work, RPC-style
        evaluations = Evaluation.create_for_partners(ids, "2024-01-01", "2024-12-31")
        self.assertEqual(evaluations.partner_id, self.dist_a)
        self.assertEqual(
            Evaluation.create_for_partners(
                self.dist_b.id, datetime(2024, 1, 1), date(2024, 12, 31)
            ).partner_id,
            self.dist_b,
        )
