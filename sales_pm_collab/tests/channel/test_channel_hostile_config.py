"""The hostile client, channel partners: companies keep off each other's trainings and
shared configuration, and nonsense gets a clear message (the attacks and assertions of
`ChannelHostileCommon`)."""

from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import ChannelHostileCommon


@tagged("post_install", "-at_install")
class TestChannelHostileConfig(ChannelHostileCommon):
    """Trainings and shared configuration across companies, bad input."""

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
        # every training so far, whatever "today" is in the time zone of whoever recorded it
        window = (date(2000, 1, 1), date(2100, 1, 1))
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
