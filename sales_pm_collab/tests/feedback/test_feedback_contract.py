import json

from odoo.exceptions import AccessError, UserError
from odoo.service.model import call_kw
from odoo.tests import tagged

from .common import FeedbackCommon


@tagged("post_install", "-at_install")
class TestFeedbackContract(FeedbackCommon):
    """The names the issue gives are a contract (RPC, exports, BI): the fields with
    their meaning, and the methods called the way a client calls them
    (`/web/dataset/call_kw`: ids, JSON results), refused to those who may not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)

    def _rpc(self, user, method, ids, **kwargs):
        result = call_kw(self.Feedback.with_user(user), method, [ids], kwargs)
        json.dumps(result)  # what the client gets back must serialise
        return result

    def test_fields(self):
        fields = self.Feedback.fields_get(attributes=("type", "selection", "store"))

        def keys(name):
            return [key for key, _label in fields[name]["selection"]]

        self.assertEqual(keys("sla_status"), ["on_time", "at_risk", "breached"])
        self.assertEqual(
            keys("state"),
            ["new", "acknowledged", "in_progress", "resolved", "closed", "cancelled"],
        )
        self.assertEqual(
            keys("kind"),
            ["complaint", "defect", "usability", "feature_request", "question", "praise"],
        )
        self.assertEqual(
            keys("source"),
            ["rep_visit", "phone", "email", "portal", "after_sales", "training", "beta_test"],
        )
        self.assertEqual(keys("priority"), ["low", "normal", "high", "urgent"])
        expected = {
            "reference": "char",
            "name": "char",
            "description": "html",
            "partner_id": "many2one",
            "contact_id": "many2one",
            "product_id": "many2one",
            "sale_order_id": "many2one",
            "invoice_id": "many2one",
            "lead_id": "many2one",
            "release_id": "many2one",
            "requirement_id": "many2one",
            "user_id": "many2one",
            "team_id": "many2one",
            "company_id": "many2one",
            "sla_id": "many2one",
            "first_response_deadline": "datetime",
            "resolve_deadline": "datetime",
            "first_response_date": "datetime",
            "resolved_date": "datetime",
            "sla_status": "selection",
            "escalation_level": "integer",
            "root_cause": "text",
            "solution": "text",
            "satisfaction": "integer",
            "followup_count": "integer",
        }
        for name, ftype in expected.items():
            with self.subTest(field=name):
                self.assertEqual(fields[name]["type"], ftype)
                self.assertTrue(fields[name]["store"])
        self.assertTrue(self.Feedback._fields["partner_id"].required)
        self.assertEqual(self.Feedback._fields["sla_id"].comodel_name, "customer.feedback.sla")
        for mixin in ("mail.thread", "mail.activity.mixin", "rating.mixin"):
            self.assertIsInstance(self.Feedback, self.env.registry[mixin], mixin)
        sla_fields = self.Sla.fields_get(attributes=("type",))
        for name, ftype in {
            "name": "char",
            "kind_ids": "many2many",
            "priority_ids": "many2many",
            "grade_ids": "many2many",
            "team_ids": "many2many",
            "first_response_hours": "float",
            "resolve_hours": "float",
            "at_risk_percent": "integer",
            "calendar_id": "many2one",
            "sequence": "integer",
            "active": "boolean",
        }.items():
            with self.subTest(sla_field=name):
                self.assertEqual(sla_fields[name]["type"], ftype)
        self.assertEqual(self.Sla._fields["grade_ids"].comodel_name, "res.partner.grade")
        self.assertEqual(self.Sla.new({}).at_risk_percent, 80)

    def test_methods_over_rpc(self):
        feedback = self._feedback(root_cause="Sensor", solution="Replaced")
        self.assertIs(self._rpc(self.user_cs, "action_acknowledge", feedback.ids), True)
        self.assertEqual(
            (feedback.state, bool(feedback.first_response_date)), ("acknowledged", True)
        )
        self.assertIs(self._rpc(self.user_cs, "action_resolve", feedback.ids), True)
        self.assertEqual(feedback.state, "resolved")
        self.assertTrue(feedback.resolved_date)
        self.assertIs(self._rpc(self.user_cs, "action_close", feedback.ids), True)
        self.assertIs(self._rpc(self.user_cs, "action_reopen", feedback.ids), True)
        self.assertEqual((feedback.state, feedback.followup_count), ("in_progress", 1))
        action = self._rpc(self.user_cs, "action_create_requirement", feedback.ids)
        self.assertEqual(action["res_model"], "product.requirement")
        self.assertEqual(feedback.requirement_id.id, action["res_id"])
        # several at once (a list of ids)
        batch = self._feedback(kind="question") | self._feedback(kind="praise")
        self._rpc(self.user_cs, "action_acknowledge", batch.ids)
        self._rpc(self.user_cs, "action_resolve", batch.ids)
        self.assertEqual(batch.mapped("state"), ["resolved", "resolved"])
        # a wrong transition is a clear error, not a crash
        with self.assertRaisesRegex(UserError, "Closing is not possible"):
            self._rpc(self.user_cs, "action_close", self._feedback().ids)

    def test_methods_refused_to_who_may_not(self):
        complaint = self._feedback(root_cause="Sensor", solution="Replaced")
        resolved = self._feedback(root_cause="Sensor", solution="Replaced")
        resolved.action_resolve()
        for user in (self.user_finance, self.user_channel, self.user_employee):
            for method, feedback in (
                ("action_acknowledge", complaint),
                ("action_resolve", complaint),
                ("action_close", resolved),
                ("action_reopen", resolved),
                ("action_create_requirement", complaint),
            ):
                with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                    self._rpc(user, method, feedback.ids)
        self.assertEqual((complaint.state, resolved.state), ("new", "resolved"))
        self.assertFalse(complaint.requirement_id)

    def test_cron_method(self):
        cron = self.env.ref("sales_pm_collab.ir_cron_customer_feedback_sla")
        self.assertEqual(cron.code.strip(), "model._cron_update_sla()")
        self.assertEqual(cron.model_id.model, "customer.feedback")
        self.assertEqual((cron.interval_number, cron.interval_type), (15, "minutes"))
        with self._cron_progress():
            self.Feedback._cron_update_sla()
        # private: not callable over RPC, even by an administrator
        with self.assertRaises(AccessError):
            call_kw(self.Feedback.with_user(self.user_admin), "_cron_update_sla", [], {})
