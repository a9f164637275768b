"""The hostile client on deal registrations: every role, with and without forged context
keys, tries the workflow fields, the workflow methods and other partners' records;
refused, and nothing changed."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DealRegistrationCommon

# keys a client may forge: defaults of system fields, sudo-like and tracking keys
FORGED = {
    "default_state": "approved",
    "default_protection_until": "2099-12-31",
    "default_lead_id": 1,
    "default_customer_partner_id": 1,
    "active_test": False,
    "tracking_disable": True,
    "mail_notrack": True,
}
CONTEXTS = (("no key", {}), ("forged keys", FORGED))


@tagged("post_install", "-at_install")
@freeze_time(date(2026, 3, 2))
class TestDealRegistrationHostile(DealRegistrationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact_a = cls.env["res.partner"].create(
            {"name": "T-A seller", "parent_id": cls.dist_a.id}
        )
        cls.contact_b = cls.env["res.partner"].create(
            {"name": "T-B seller", "parent_id": cls.dist_b.id}
        )
        cls.portal_a = new_test_user(
            cls.env, login="t_portal_a", groups="base.group_portal", partner_id=cls.contact_a.id
        )
        cls.portal_b = new_test_user(
            cls.env, login="t_portal_b", groups="base.group_portal", partner_id=cls.contact_b.id
        )

    WATCHED = (
        "state",
        "name",
        "partner_id",
        "protection_until",
        "lead_id",
        "customer_partner_id",
        "reject_reason",
        "extended",
        "customer_name",
    )

    def _snapshot(self, registration):
        registration.invalidate_recordset()
        return {fname: registration[fname] for fname in self.WATCHED}

    def _roles(self):
        return {
            "rep": self.user_rep,
            "pm": self.user_pm,
            "finance": self.user_finance,
            "employee": self.user_employee,
            "sales_manager": self.user_sales_manager,
            "portal_a": self.portal_a,
            "portal_b": self.portal_b,
            "channel": self.user_channel,
        }

    def test_system_fields_never_written_by_users(self):
        registration = self._submitted(self.dist_a)
        forgeries = {
            "state": "approved",
            "protection_until": "2099-12-31",
            "lead_id": self.env["crm.lead"].create({"name": "T-x"}).id,
            "customer_partner_id": self.customer_x.id,
            "reject_reason": "forged",
            "extended": True,
            "submit_date": "2000-01-01 00:00:00",
            "approve_date": "2000-01-01 00:00:00",
            "name": "REG/forged",
            "conflict_ids": [(5, 0, 0)],
            "reminder_sent": True,
            "close_date": "2000-01-01 00:00:00",
        }
        before = self._snapshot(registration)
        for role, user in self._roles().items():
            for cname, context in CONTEXTS:
                for fname, value in forgeries.items():
                    with self.subTest(role=role, context=cname, field=fname):
                        with self.assertRaises(AccessError):
                            registration.with_user(user).with_context(**context).write(
                                {fname: value}
                            )
        self.assertEqual(self._snapshot(registration), before)

    def test_forged_defaults_do_not_create_approved_registrations(self):
        for cname, context in CONTEXTS:
            registration = (
                self.env["crm.deal.registration"]
                .with_user(self.portal_a)
                .with_context(**context)
                .create(
                    {
                        "partner_id": self.dist_a.id,
                        "customer_name": f"T-{cname}",
                        "city": "上海",
                        "country_id": self.cn.id,
                    }
                )
            )
            # read as the server: the opportunity is no field of the portal user's
            registration = registration.sudo()
            self.assertEqual(
                (registration.state, registration.protection_until, registration.lead_id.id),
                ("draft", False, False),
                cname,
            )

    def test_only_partner_or_channel_manager_registers(self):
        Registration = self.env["crm.deal.registration"]
        vals = {"partner_id": self.dist_a.id, "customer_name": "T-c", "city": "上海"}
        for role in ("rep", "pm", "finance", "employee", "sales_manager", "portal_b"):
            for cname, context in CONTEXTS:
                with self.subTest(role=role, context=cname):
                    before = Registration.search_count([])
                    with self.assertRaises(AccessError):
                        Registration.with_user(self._roles()[role]).with_context(**context).create(
                            dict(vals)
                        )
                    self.assertEqual(Registration.search_count([]), before)

    def test_workflow_methods_refused_to_other_roles(self):
        submitted = self._submitted(self.dist_a)
        approved = self._approved(self.dist_b, customer_name="T-B deal", customer_vat="B1")
        draft = self._registration(self.dist_a, customer_name="T-A draft", customer_vat="A2")
        attacks = (
            (submitted, "action_approve"),
            (submitted, "action_reject"),
            (approved, "action_extend"),
            (draft, "action_submit"),
        )
        snapshots = {r: self._snapshot(r) for r in (submitted, approved, draft)}
        for role in ("rep", "pm", "finance", "employee", "sales_manager", "portal_b"):
            for cname, context in CONTEXTS:
                for record, method in attacks:
                    with self.subTest(role=role, context=cname, method=method):
                        with self.assertRaises(AccessError):
                            getattr(
                                record.with_user(self._roles()[role]).with_context(**context),
                                method,
                            )()
        # the registering partner's portal user may submit, never decide
        for method in ("action_approve", "action_reject", "action_extend"):
            with self.subTest(role="portal_a", method=method):
                with self.assertRaises(AccessError):
                    getattr(submitted.with_user(self.portal_a), method)()
        for record, snapshot in snapshots.items():
            self.assertEqual(self._snapshot(record), snapshot)

    def test_portal_user_sees_and_edits_its_company_only(self):
        mine = self._registration(self.dist_a, customer_name="T-mine", customer_vat="M1")
        theirs = self._registration(self.dist_b, customer_name="T-theirs", customer_vat="T1")
        Registration = self.env["crm.deal.registration"].with_user(self.portal_a)
        self.assertIn(mine, Registration.search([]))
        self.assertNotIn(theirs, Registration.search([]))
        with self.assertRaises(AccessError):
            theirs.with_user(self.portal_a).read(["customer_name"])
        with self.assertRaises(AccessError):
            theirs.with_user(self.portal_a).write({"customer_name": "T-stolen"})
        with self.assertRaises(AccessError):
            theirs.with_user(self.portal_a).action_submit()
        # moving its draft to another partner is refused
        with self.assertRaises(AccessError):
            mine.with_user(self.portal_a).write({"partner_id": self.dist_b.id})
        # the conflict check's findings are internal
        with self.assertRaises(AccessError):
            self.env["crm.deal.registration.conflict"].with_user(self.portal_a).search([])
        # its own draft: edited, submitted; then frozen
        mine.with_user(self.portal_a).write({"customer_name": "T-mine Ltd"})
        mine.with_user(self.portal_a).action_submit()
        self.assertEqual(mine.state, "submitted")
        with self.assertRaisesRegex(UserError, "only a draft"):
            mine.with_user(self.portal_a).write({"expected_revenue": 1})
        with self.assertRaises(UserError):
            mine.with_user(self.portal_a).unlink()
        self.assertEqual(theirs.customer_name, "T-theirs")

    def test_channel_manager_cannot_edit_a_decided_registration(self):
        approved = self._approved(self.dist_a)
        with self.assertRaisesRegex(UserError, "only a draft"):
            approved.with_user(self.user_channel).write({"customer_name": "T-renamed"})
        with self.assertRaises(UserError):
            approved.with_user(self.user_channel).write({"link_lead_id": False})
        self.assertEqual(approved.customer_name, self.CUSTOMER["customer_name"])

    def test_conflicts_never_written_by_hand(self):
        registration = self._submitted(self.dist_b)
        conflict = registration.conflict_ids[:1]
        self.assertTrue(conflict)
        Conflict = self.env["crm.deal.registration.conflict"]
        for _cname, context in CONTEXTS:
            with self.assertRaises(AccessError):
                Conflict.with_user(self.user_channel).with_context(**context).create(
                    {"registration_id": registration.id, "kind": "territory"}
                )
            with self.assertRaises(AccessError):
                conflict.with_user(self.user_channel).with_context(**context).write(
                    {"kind": "opportunity"}
                )
        self.assertEqual(conflict.kind, "territory")
