"""The hostile client, feedback area: shared SLA policies and options changed only
with access to every company, and nonsense refused with a clear message."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..common import MODULE
from .common import FAR_FUTURE, QUIET, FeedbackCommon


@tagged("post_install", "-at_install")
class TestFeedbackSharedConfiguration(FeedbackCommon):
    """Item 4: SLA policies without company (and the kind/priority options) are shared
    configuration: changed only by users with access to every company; a company's
    policies by its own administrators."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env["res.company"].create({"name": "Hostile SLA Co 2"})
        cls.admin_2 = new_test_user(
            cls.env,
            login="t_admin_company_2",
            groups=f"base.group_user,{MODULE}.group_collab_admin",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.user_admin.company_ids = [Command.set(cls.env["res.company"].search([]).ids)]
        cls.shared = cls._policy("Shared", company_id=False, calendar_id=False)
        cls.policy_1 = cls._policy("Company 1 policy")
        cls.policy_2 = cls._policy(
            "Company 2 policy", company_id=cls.company_2.id, calendar_id=False
        )
        cls.option = cls._option("kind", "complaint")

    def _values(self):
        self.env.invalidate_all()
        policies = (self.shared | self.policy_1 | self.policy_2).with_context(active_test=False)
        return (
            policies.read(["name", "first_response_hours", "resolve_hours", "active"]),
            self.option.read(["name", "value"]),
        )

    def test_admin_of_company_2_cannot_change_shared_or_company_1(self):
        before = self._values()
        attempts = {
            "write shared": lambda: self.shared.with_user(self.admin_2).write(
                {"first_response_hours": 1}
            ),
            "archive shared": lambda: self.shared.with_user(self.admin_2).write({"active": False}),
            "delete shared": lambda: self.shared.with_user(self.admin_2).unlink(),
            "write company 1": lambda: self.policy_1.with_user(self.admin_2).write(
                {"resolve_hours": 100}
            ),
            "delete company 1": lambda: self.policy_1.with_user(self.admin_2).unlink(),
            "create shared": lambda: self.Sla.with_user(self.admin_2).create(
                {"name": "Mine for all", "company_id": False}
            ),
            "move own to shared": lambda: self.policy_2.with_user(self.admin_2).write(
                {"company_id": False}
            ),
            "rename an option": lambda: self.option.with_user(self.admin_2).write(
                {"name": "Whatever"}
            ),
            "write company 1 in its context": lambda: (
                self.policy_1.with_user(self.admin_2)
                .with_context(allowed_company_ids=[self.env.company.id, self.company_2.id])
                .write({"resolve_hours": 100})
            ),
        }
        for name, attempt in attempts.items():
            with (
                self.subTest(attempt=name),
                self.assertRaises(AccessError),
                mute_logger(*QUIET),
                self.env.cr.savepoint(),
            ):
                attempt()
        self.assertEqual(self._values(), before)
        with self.assertRaisesRegex(AccessError, "shared by all companies"):
            self.shared.with_user(self.admin_2).write({"first_response_hours": 1})

    def test_admin_of_company_2_manages_its_own_policies(self):
        policy = self.policy_2.with_user(self.admin_2)
        policy.write({"first_response_hours": 1, "resolve_hours": 4})
        self.assertEqual(self.policy_2.first_response_hours, 1)
        created = self.Sla.with_user(self.admin_2).create(
            {"name": "Company 2 urgent", "company_id": self.company_2.id, "calendar_id": False}
        )
        self.assertEqual(created.company_id, self.company_2)
        created.unlink()
        # the shared ones are read and used in company 2
        self.assertEqual(self.shared.with_user(self.admin_2).name, "Shared")

    def test_admin_of_every_company_changes_shared_configuration(self):
        self.shared.with_user(self.user_admin).write({"first_response_hours": 3})
        self.assertEqual(self.shared.first_response_hours, 3)
        self.option.with_user(self.user_admin).write({"name": "Complaint (customer)"})
        self.assertEqual(self.option.name, "Complaint (customer)")


@tagged("post_install", "-at_install")
class TestFeedbackBadInput(FeedbackCommon):
    """Item 6: bad input gets a message naming the field and what to do."""

    def test_sla_hours(self):
        policy = self._policy("Checked", first=2, resolve=8)
        Sla = self.Sla.with_user(self.user_admin)
        cases = [
            ({"first_response_hours": "abc"}, "“First Response .hours.” expects a number"),
            ({"resolve_hours": "eight"}, "“Resolution .hours.” expects a number"),
            ({"resolve_hours": [8]}, "“Resolution .hours.” expects a number"),
            ({"first_response_hours": 1e308}, "expects a number of a sensible size"),
            ({"first_response_hours": 0}, "must be more than 0 working hours"),
            ({"resolve_hours": -8}, "must be more than 0 working hours"),
            ({"resolve_hours": 5000}, "more than a working year"),
            ({"first_response_hours": 10, "resolve_hours": 2}, "cannot be shorter"),
            ({"at_risk_percent": 2.5}, "“At Risk at .%.” expects a whole number"),
            ({"at_risk_percent": 150}, "between 1 and 99 percent"),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                    policy.with_user(self.user_admin).write(vals)
                with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                    Sla.create({"name": "New", "company_id": self.env.company.id, **vals})
        policy.invalidate_recordset()
        self.assertEqual((policy.first_response_hours, policy.resolve_hours), (2, 8))

    def test_subject_and_received_date(self):
        Feedback = self.Feedback.with_user(self.user_cs)
        base = {"partner_id": self.customer.id}
        for name in ("", "   ", "\n\t"):
            with (
                self.subTest(name=name),
                self.assertRaisesRegex(ValidationError, "Give the feedback a subject"),
                self.env.cr.savepoint(),
            ):
                Feedback.create({**base, "name": name})
        with self.assertRaisesRegex(ValidationError, "at most 200 characters"):
            Feedback.create({**base, "name": "长" * 10000})
        # 200 characters is fine, and so is a received date within the clock skew
        now = fields.Datetime.now()
        feedback = Feedback.create(
            {**base, "name": "x" * 200, "sla_start_date": now + timedelta(minutes=2)}
        )
        for when in (now + timedelta(hours=1), FAR_FUTURE, "2099-12-31 23:59:59"):
            with (
                self.subTest(when=when),
                self.assertRaisesRegex(ValidationError, "is in the future"),
                self.env.cr.savepoint(),
            ):
                Feedback.create({**base, "name": "Future", "sla_start_date": when})
            with (
                self.subTest(when=when, via="write"),
                self.assertRaisesRegex(ValidationError, "is in the future"),
                self.env.cr.savepoint(),
            ):
                feedback.write({"sla_start_date": when})
        with self.assertRaisesRegex(ValidationError, "“Received” expects a date"):
            feedback.write({"sla_start_date": "yesterday"})
        feedback.write({"sla_start_date": now - timedelta(days=1)})

    def test_revisit_wizard_choice(self):
        feedback = self._feedback(root_cause="Sensor", solution="Replaced")
        feedback.action_resolve()
        Wizard = self.env["customer.feedback.revisit"]
        for value in ("9", "0", "2.5", 4, "four"):
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "“Satisfaction” expects one of 1, 2"),
                self.env.cr.savepoint(),
            ):
                Wizard.with_user(self.user_cs).create(
                    {"feedback_id": feedback.id, "satisfaction": value}
                )
        # a value that reached the wizard anyway (written by the server) is refused too
        wizard = Wizard.create({"feedback_id": feedback.id, "satisfaction": "3"})
        self.env.cr.execute(
            "UPDATE customer_feedback_revisit SET satisfaction = '7' WHERE id = %s", [wizard.id]
        )
        wizard.invalidate_recordset()
        with self.assertRaisesRegex(ValidationError, "from 1 .very unhappy. to 5"):
            wizard.with_user(self.user_cs).action_confirm()
        self.assertEqual((feedback.state, feedback.satisfaction), ("resolved", 0))

    def test_option_values_follow_the_feedback_selections(self):
        option = self._option("priority", "urgent")
        with self.assertRaisesRegex(ValidationError, "not a priority of customer feedback"):
            option.write({"value": "critical"})
