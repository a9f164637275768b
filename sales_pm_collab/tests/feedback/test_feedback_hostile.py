"""The hostile client, feedback area (issue 10): every role tries, over RPC-shaped
calls and with or without the internal context keys, to write what only the workflow,
the SLA engine or the customer's rating may write, to forge the satisfaction (and so
the channel satisfaction KPI and the requirement's average), to link a declined
requirement, to read or use rating tokens, to change shared SLA policies, and to send
nonsense. Each attempt must be refused, and nothing may have changed."""

from contextlib import closing
from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..common import MODULE
from .common import FAR_FUTURE, QUIET, FeedbackCommon

# AccessError and ValidationError are UserErrors: any refusal the user reads, never a
# programming error (ValueError, TypeError, KeyError)
REFUSED = UserError

# context keys an attacker adds to any call: the removed internal bypass, defaults of
# system fields, and core keys that switch things off
FORGED_CONTEXTS = {
    "none": {},
    "feedback_link_silent": {"feedback_link_silent": True},
    "default_keys": {
        "default_state": "closed",
        "default_satisfaction": 5,
        "default_satisfaction_date": "2026-01-01 00:00:00",
        "default_sla_status": "on_time",
        "default_escalation_level": 0,
        "default_followup_count": 0,
        "default_reference": "FB/FORGED",
    },
    "core_switches": {
        "tracking_disable": True,
        "mail_notrack": True,
        "install_mode": True,
        "import_file": True,
        "active_test": False,
    },
}
ROLES = ("rep", "cs", "pm", "channel", "finance", "sales_manager", "employee")
# roles that may change (some) feedback; the others only read some, or nothing
EDITORS = ("rep", "cs", "pm", "sales_manager")
READ_ONLY = ("channel", "finance", "employee")
# what must not move, on every feedback of the fixture
SNAPSHOT_FIELDS = (
    "state",
    "reference",
    "name",
    "partner_id",
    "company_id",
    "sla_id",
    "sla_start_date",
    "resolve_start_date",
    "first_response_date",
    "resolved_date",
    "first_response_deadline",
    "resolve_deadline",
    "sla_status",
    "sla_next_check",
    "escalation_level",
    "followup_count",
    "satisfaction",
    "satisfaction_date",
    "requirement_id",
)


def _write(target, vals):
    def attack(case, user, context):
        return case._as(case.targets[target], user, context).write(vals)

    return attack


def _create(**overrides):
    def attack(case, user, context):
        vals = {
            "name": "Forged feedback",
            "partner_id": case.customer.id,
            # not a complaint: a closed complaint needs a root cause, refused for that
            "kind": "question",
            **overrides,
        }
        return case._as(case.Feedback, user, context).create(vals)

    return attack


def _call(target, method, *args, **kwargs):
    def attack(case, user, context):
        return getattr(case._as(case.targets[target], user, context), method)(*args, **kwargs)

    return attack


def _rating_apply(target, rate):
    def attack(case, user, context):
        token = case.tokens[target]
        return case._as(case.targets[target], user, context).rating_apply(rate, token=token)

    return attack


def _rating_write(vals):
    def attack(case, user, context):
        return case._as(case.rating, user, context).write(vals)

    return attack


def _rating_create(case, user, context):
    return case._as(case.env["rating.rating"], user, context).create(
        {
            "res_model_id": case.env["ir.model"]._get_id("customer.feedback"),
            "res_id": case.targets["open"].id,
            "partner_id": case.contact.id,
            "rating": 5,
            "consumed": True,
        }
    )


def _rating_through_feedback(command):
    """The feedback's own rating_ids, written with the feedback (one RPC write)."""

    def attack(case, user, context):
        if command == "create":
            commands = [
                Command.create(
                    {
                        "res_model_id": case.env["ir.model"]._get_id("customer.feedback"),
                        "partner_id": case.contact.id,
                        "rating": 5,
                        "consumed": True,
                    }
                )
            ]
        else:
            commands = [Command.update(case.rating.id, {"rating": 5})]
        return case._as(case.targets["rated"], user, context).write({"rating_ids": commands})

    return attack


def _rating_unlink(case, user, context):
    return case._as(case.rating, user, context).unlink()


def _revisit(target, satisfaction):
    def attack(case, user, context):
        wizard = case._as(case.env["customer.feedback.revisit"], user, context).create(
            {"feedback_id": case.targets[target].id, "satisfaction": satisfaction}
        )
        return wizard.action_confirm()

    return attack


def _link_wizard(target, requirement):
    def attack(case, user, context):
        wizard = case._as(case.env["customer.feedback.requirement.link"], user, context).create(
            {
                "feedback_ids": [Command.set(case.targets[target].ids)],
                "requirement_id": case.requirements[requirement].id,
            }
        )
        return wizard.action_link()

    return attack


def _move_rated_to_other_customer(case, user, context):
    return case._as(case.targets["rated"], user, context).write(
        {"partner_id": case.other_customer.id, "contact_id": False}
    )


def _create_linked(how):
    """Feedback created linked to the declined requirement, by value or by default."""

    def attack(case, user, context):
        declined = case.requirements["declined"].id
        vals = {"name": "Forged link", "partner_id": case.customer.id, "kind": "question"}
        if how == "default":
            context = dict(context, default_requirement_id=declined)
        else:
            vals["requirement_id"] = declined
        return case._as(case.Feedback, user, context).create(vals)

    return attack


def _link_declined(case, user, context):
    return case._as(case.targets["open"], user, context).write(
        {"requirement_id": case.requirements["declined"].id}
    )


def _system_writes():
    """(name, attack) writing one system field of the open or the rated feedback."""
    now = fields.Datetime.now()
    writes = {
        "open": {
            "state": "cancelled",
            "first_response_date": now - timedelta(hours=1),
            "resolved_date": now,
            "sla_status": "on_time",
            "sla_next_check": False,
            "escalation_level": 0,
            "followup_count": 0,
            "first_response_deadline": FAR_FUTURE,
            "resolve_deadline": FAR_FUTURE,
            "resolve_escalation_date": FAR_FUTURE,
            "resolve_start_date": now,
            "reference": "FB/FORGED",
            "breached_rate": 0.0,
            "sla_id": "lax",
        },
        "rated": {
            "satisfaction": 5,
            "satisfaction_date": now,
            "satisfaction_measure": 5.0,
            "state": "closed",
        },
        "reopened": {"satisfaction": 5, "followup_count": 0, "state": "closed"},
    }
    attacks = []
    for target, values in writes.items():
        for fname, value in values.items():
            if value == "lax":

                def attack(case, user, context, target=target):
                    record = case._as(case.targets[target], user, context)
                    return record.write({"sla_id": case.lax_policy.id})

            else:
                attack = _write(target, {fname: value})
            attacks.append((f"write {fname} of {target}", attack))
    # a legitimate field along with a system one: the whole write is refused
    attacks.append(
        ("write priority + satisfaction", _write("rated", {"priority": "low", "satisfaction": 5}))
    )
    return attacks


# (name, attack, roles it is tried by): refused for all of them
ATTACKS = [
    *((name, attack, ROLES) for name, attack in _system_writes()),
    ("create closed and rated", _create(state="closed", satisfaction=5), ROLES),
    ("create with SLA fields", _create(sla_status="on_time", escalation_level=0), ROLES),
    ("create with a reference", _create(reference="FB/FORGED"), ROLES),
    ("link a declined requirement", _link_declined, ROLES),
    ("create linked to a declined requirement", _create_linked("value"), ROLES),
    ("create with a declined requirement as default", _create_linked("default"), ROLES),
    ("link wizard to a declined requirement", _link_wizard("open", "declined"), ROLES),
    ("link wizard to a released requirement", _link_wizard("open", "released"), ROLES),
    ("received in 2099 (write)", _write("open", {"sla_start_date": FAR_FUTURE}), ROLES),
    ("received in 2099 (create)", _create(sla_start_date=FAR_FUTURE), ROLES),
    ("received moved once handled", _write("rated", {"sla_start_date": "2026-01-01"}), ROLES),
    ("empty subject", _write("open", {"name": ""}), ROLES),
    ("blank subject", _write("open", {"name": "   \n "}), ROLES),
    ("10,000-character subject", _write("open", {"name": "x" * 10000}), ROLES),
    ("empty subject (create)", _create(name=" "), ROLES),
    ("unknown priority", _write("open", {"priority": "mega"}), ROLES),
    ("text as the customer", _write("open", {"partner_id": "abc"}), ROLES),
    ("rated feedback moved to another customer", _move_rated_to_other_customer, ROLES),
    ("rating applied by a user", _rating_apply("rated", 5), ROLES),
    ("rating of 2.5 applied by a user", _rating_apply("rated", 2.5), ROLES),
    ("message carrying a rating", _call("rated", "message_post", body="5", rating_value=5), ROLES),
    ("rating record rewritten", _rating_write({"rating": 5}), ROLES),
    ("rating token replaced", _rating_write({"access_token": "forged", "consumed": False}), ROLES),
    ("rating record created", _rating_create, ROLES),
    ("rating record deleted", _rating_unlink, ROLES),
    ("rating created through the feedback", _rating_through_feedback("create"), ROLES),
    ("rating rewritten through the feedback", _rating_through_feedback("update"), ROLES),
    ("revisit with 9", _revisit("rated", "9"), ROLES),
    ("revisit with 2.5", _revisit("rated", "2.5"), ROLES),
    ("cancel a rated feedback", _call("reopened", "action_cancel"), ROLES),
    # workflow buttons: by the roles that may not change the feedback
    *(
        (f"{method} by a read-only role", _call(target, method), READ_ONLY)
        for target, method in (
            ("open", "action_acknowledge"),
            ("open", "action_start"),
            ("open", "action_cancel"),
            ("rated", "action_close"),
            ("rated", "action_reopen"),
            ("rated", "action_log_revisit"),
        )
    ),
    ("revisit logged by a read-only role", _revisit("rated", "5"), READ_ONLY),
    # and on feedback they may not change: another customer's, another team's
    *(
        (f"{method} on a foreign feedback", _call("foreign", method), ("rep", "sales_manager"))
        for method in ("action_resolve", "action_reopen", "action_cancel", "action_log_revisit")
    ),
    ("revisit on a foreign feedback", _revisit("foreign_resolved", "5"), ("rep", "sales_manager")),
]


@tagged("post_install", "-at_install")
class TestFeedbackHostile(FeedbackCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls._policy("Standard", first=4, resolve=16)
        cls.lax_policy = cls._policy("Lax", first=2000, resolve=2000, sequence=99)
        cls.customer.user_id = cls.user_rep
        Partner = cls.env["res.partner"]
        # the customer buys through a distributor: its rated feedback is the
        # distributor's satisfaction KPI
        cls.channel_partner = Partner.create(
            {"name": "Hostile Distributor", "is_company": True, "channel_type": "distributor_l1"}
        )
        cls.env["crm.lead"].create(
            {
                "name": "Won through the distributor",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "channel_partner_id": cls.channel_partner.id,
                "user_id": cls.user_rep.id,
            }
        ).action_set_won()
        cls.other_customer = Partner.create({"name": "Someone Else's Co", "is_company": True})
        cls.other_team = cls.env["crm.team"].create({"name": "Hostile Other Team"})
        stage = cls.env.ref
        Requirement = cls.env["product.requirement"]
        cls.requirements = {
            "open": Requirement.create({"name": "Hostile: open requirement"}),
            "declined": Requirement.create(
                {
                    "name": "Hostile: declined requirement",
                    "stage_id": stage(f"{MODULE}.requirement_stage_declined").id,
                    "decline_reason": "Out of scope",
                }
            ),
            "released": Requirement.create(
                {
                    "name": "Hostile: released requirement",
                    "stage_id": stage(f"{MODULE}.requirement_stage_released").id,
                }
            ),
        }
        solved = {"root_cause": "Worn sensor", "solution": "Replaced"}
        open_fb = cls._make(user_id=cls.user_rep.id)
        rated = cls._make(name="Rated 4", requirement_id=cls.requirements["open"].id, **solved)
        reopened = cls._make(name="Rated 1, reopened", **solved)
        elsewhere = {
            "partner_id": cls.other_customer.id,
            "contact_id": False,
            "team_id": cls.other_team.id,
        }
        foreign = cls._make(name="Someone else's", **elsewhere)
        foreign_resolved = cls._make(name="Someone else's, resolved", **elsewhere, **solved)
        (rated | reopened | foreign_resolved).action_resolve()
        cls.tokens = {
            "rated": rated._rating_get_access_token(),
            "reopened": reopened._rating_get_access_token(),
        }
        rated.rating_apply(4, token=cls.tokens["rated"])
        reopened.rating_apply(1, token=cls.tokens["reopened"])
        cls.rating = rated.rating_ids
        cls.targets = {
            "open": open_fb,
            "rated": rated,
            "reopened": reopened,
            "foreign": foreign,
            "foreign_resolved": foreign_resolved,
        }
        cls.all_feedback = open_fb | rated | reopened | foreign | foreign_resolved
        cls.users = {role: getattr(cls, f"user_{role}") for role in ROLES}
        cls.window = (date.today() - timedelta(days=30), date.today())

    @classmethod
    def _make(cls, **vals):
        return cls.env["customer.feedback"].create(
            {
                "name": "Cash drawer does not open",
                "partner_id": cls.customer.id,
                "contact_id": cls.contact.id,
                "kind": "complaint",
                "user_id": cls.user_cs.id,
                "team_id": cls.team.id,
                **vals,
            }
        )

    @staticmethod
    def _as(records, user, context):
        """The records as an RPC call of `user` with `context` sees them."""
        return records.with_user(user).with_context(**context)

    def _snapshot(self):
        """Everything the attacks aim at, read from the database."""
        self.env.invalidate_all()
        feedback = self.all_feedback.read(SNAPSHOT_FIELDS)
        ratings = (
            self.env["rating.rating"]
            .search([("res_model", "=", "customer.feedback")], order="id")
            .read(["res_id", "rating", "consumed", "access_token", "feedback"])
        )
        kpi = self.env["res.partner.grade.evaluation"]._kpi_satisfaction(
            self.channel_partner, *self.window
        )
        requirement = self.requirements["open"]
        demand = (requirement.feedback_count, requirement.feedback_satisfaction)
        return {
            "feedback": feedback,
            "count": self.Feedback.search_count([]),
            "ratings": ratings,
            "kpi": kpi,
            "demand": demand,
            "messages": self.all_feedback.message_ids.ids,
        }

    def test_fixture(self):
        """The attacks aim at something: rated feedback in the distributor's KPI, open
        feedback under an SLA, readable and editable by the expected roles."""
        rated, reopened, open_fb = (self.targets[k] for k in ("rated", "reopened", "open"))
        self.assertEqual((rated.state, rated.satisfaction), ("resolved", 4))
        self.assertEqual((reopened.state, reopened.satisfaction), ("in_progress", 1))
        self.assertEqual(reopened.followup_count, 1)
        self.assertTrue(open_fb.sla_id and open_fb.sla_next_check)
        self.assertEqual(self._snapshot()["kpi"], {self.channel_partner.id: (2.5, 2)})
        self.assertEqual(self.requirements["open"].feedback_satisfaction, 4.0)
        for role in ROLES:
            user = self.users[role]
            with self.subTest(role=role):
                self.assertEqual(open_fb.with_user(user).has_access("read"), role != "employee")
                self.assertEqual(open_fb.with_user(user).has_access("write"), role in EDITORS)
                self.assertEqual(
                    self.targets["foreign"].with_user(user).has_access("write"),
                    role in ("cs", "pm"),
                )

    def test_attacks_are_refused_and_change_nothing(self):
        before = self._snapshot()
        for name, attack, roles in ATTACKS:
            for role in roles:
                for context_name, context in FORGED_CONTEXTS.items():
                    with (
                        self.subTest(attack=name, role=role, context=context_name),
                        # an attack that got through is undone for the next ones
                        closing(self.env.cr.savepoint()),
                    ):
                        # as over RPC: the refused call's transaction is rolled back
                        with (
                            self.assertRaises(REFUSED),
                            mute_logger(*QUIET),
                            self.env.cr.savepoint(),
                        ):
                            attack(self, self.users[role], context)
                        self.assertEqual(self._snapshot(), before)

    def test_refusals_name_what_is_wrong(self):
        """The messages say which field, and what to do."""
        open_fb = self.targets["open"].with_user(self.user_cs)
        expected = [
            ({"satisfaction": 5}, AccessError, r"“Satisfaction” \(satisfaction\) cannot be set"),
            ({"state": "closed"}, AccessError, r"\(state\) cannot be set by hand"),
            ({"resolve_deadline": FAR_FUTURE}, AccessError, r"\(resolve_deadline\)"),
            ({"sla_id": self.lax_policy.id}, AccessError, r"\(sla_id\)"),
            ({"name": ""}, ValidationError, "Give the feedback a subject"),
            ({"name": "x" * 201}, ValidationError, "at most 200 characters .this one has 201"),
            ({"sla_start_date": FAR_FUTURE}, ValidationError, "Received date .* is in the future"),
            ({"priority": "mega"}, ValidationError, "“Priority” expects one of low, normal"),
            ({"partner_id": "abc"}, ValidationError, "“Customer” expects the id of one record"),
            (
                {"requirement_id": self.requirements["declined"].id},
                UserError,
                "is Declined: feedback can only be linked to an open requirement",
            ),
        ]
        for vals, error, message in expected:
            with (
                self.subTest(vals=str(vals)[:60]),
                self.assertRaisesRegex(error, message),
                self.env.cr.savepoint(),
            ):
                open_fb.write(vals)
        rated = self.targets["rated"].with_user(self.user_cs)
        with self.assertRaisesRegex(UserError, "its customer cannot change any more"):
            rated.write({"partner_id": self.other_customer.id})
        with self.assertRaisesRegex(UserError, "can only be changed while it is New"):
            rated.write({"sla_start_date": "2026-01-01 00:00:00"})
        with self.assertRaisesRegex(UserError, r"rated by the customer \(1/5\): it cannot be"):
            self.targets["reopened"].with_user(self.user_cs).action_cancel()
        with self.assertRaisesRegex(AccessError, "only the customer rates the feedback"):
            rated.rating_apply(5, token=self.tokens["rated"])
        with self.assertRaisesRegex(ValidationError, "“Satisfaction” expects one of 1, 2"):
            self.env["customer.feedback.revisit"].with_user(self.user_cs).create(
                {"feedback_id": rated.id, "satisfaction": "9"}
            )

    def test_forged_context_keys_change_no_system_field(self):
        """A legitimate create or write carrying the internal keys: done, and the keys do
        nothing (system fields take the model's own values)."""
        for context_name, context in FORGED_CONTEXTS.items():
            with self.subTest(context=context_name):
                Feedback = self._as(self.Feedback, self.user_rep, context)
                created = Feedback.create(
                    {"name": f"Logged ({context_name})", "partner_id": self.customer.id}
                )
                self.assertEqual((created.state, created.satisfaction), ("new", 0))
                self.assertRegex(created.reference, r"^FB/\d{4}/\d+$")
                self.assertEqual(created.sla_id, self.policy)
                self.assertFalse(created.first_response_date)
                before = self.targets["rated"].read(SNAPSHOT_FIELDS)
                self._as(self.targets["rated"], self.user_rep, context).write({"priority": "low"})
                self.targets["rated"].invalidate_recordset()
                self.assertEqual(self.targets["rated"].read(SNAPSHOT_FIELDS), before)

    def test_feedback_link_silent_is_gone(self):
        """The old internal key no longer hides a link from the requirement's chatter."""
        requirement = self.requirements["open"]
        open_fb = self.targets["open"]
        self._as(open_fb, self.user_rep, {"feedback_link_silent": True}).write(
            {"requirement_id": requirement.id}
        )
        self.assertIn("linked by T_Rep", requirement.message_ids[0].body)
        self.assertIn(open_fb.reference, requirement.message_ids[0].body)

    def test_workflow_still_works_for_the_roles_that_handle_feedback(self):
        """The guard leaves the workflow to those who may change the feedback."""
        open_fb = self.targets["open"].with_user(self.user_rep)
        open_fb.action_acknowledge()
        self.assertEqual(open_fb.state, "acknowledged")
        self.assertTrue(open_fb.first_response_date)
        open_fb.write({"root_cause": "Loose cable", "solution": "Fixed", "priority": "high"})
        open_fb.action_resolve()
        self.assertEqual(open_fb.state, "resolved")
        wizard = self.env["customer.feedback.revisit"].with_user(self.user_sales_manager)
        wizard.create({"feedback_id": open_fb.id, "satisfaction": "5"}).action_confirm()
        self.assertEqual((open_fb.state, open_fb.satisfaction), ("closed", 5))
        open_fb.with_user(self.user_pm).action_reopen()
        self.assertEqual((open_fb.state, open_fb.followup_count), ("in_progress", 1))

    def test_declined_later_stays_linked(self):
        """Only a change of the link is checked: feedback linked to a requirement that
        was declined afterwards keeps its link and stays editable."""
        rated = self.targets["rated"]
        requirement = self.requirements["open"]
        requirement.write(
            {
                "stage_id": self.env.ref(f"{MODULE}.requirement_stage_declined").id,
                "decline_reason": "Not now",
            }
        )
        rated.with_user(self.user_cs).write({"priority": "high", "root_cause": "Sensor aged"})
        self.assertEqual(rated.requirement_id, requirement)
        rated.with_user(self.user_cs).write({"requirement_id": requirement.id})  # unchanged
        rated.with_user(self.user_cs).write({"requirement_id": False})
        with self.assertRaisesRegex(UserError, "can only be linked to an open requirement"):
            rated.with_user(self.user_cs).write({"requirement_id": requirement.id})

    def test_the_form_cannot_send_system_fields(self):
        """The web client never sends a read-only field, and the statusbar is not a
        shortcut around the buttons."""
        fields_info = self.Feedback.with_user(self.user_cs).fields_get(
            list(SNAPSHOT_FIELDS), ["readonly"]
        )
        editable = {"name", "partner_id", "company_id", "sla_start_date", "requirement_id"}
        for fname, info in fields_info.items():
            with self.subTest(field=fname):
                self.assertEqual(info["readonly"], fname not in editable)
        arch = self.Feedback.get_views([(False, "form")])["views"]["form"]["arch"]
        statusbar = next(
            line for line in arch.splitlines() if 'name="state"' in line and "statusbar" in line
        )
        self.assertNotIn("clickable", statusbar)
        form = Form(self.targets["open"].with_user(self.user_cs))
        for fname in ("state", "satisfaction", "sla_status", "sla_id", "first_response_date"):
            with self.subTest(field=fname), self.assertRaises(AssertionError):
                setattr(form, fname, False)
