from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import MODULE, CollabCommon

ROLES = (
    "group_collab_sales_rep",
    "group_collab_customer_service",
    "group_collab_product_manager",
    "group_collab_channel_manager",
    "group_collab_finance",
    "group_collab_admin",
)

# Directly implied groups, exactly as the roles are specified.
# Directly implied groups, exactly as the roles are specified; every role is an internal
# role (base.group_user), as every role of core is.
IMPLIED = {
    "group_collab_sales_rep": {"base.group_user", "sales_team.group_sale_salesman"},
    "group_collab_customer_service": {"base.group_user", f"{MODULE}.group_collab_sales_rep"},
    "group_collab_product_manager": {"base.group_user"},
    "group_collab_channel_manager": {
        "base.group_user",
        "sales_team.group_sale_salesman_all_leads",
    },
    "group_collab_finance": {"base.group_user", "account.group_account_invoice"},
    "group_collab_admin": {"base.group_user"}
    | {f"{MODULE}.{role}" for role in ROLES if role != "group_collab_admin"},
}

DEMO_USERS = {
    "rep": "group_collab_sales_rep",
    "cs": "group_collab_customer_service",
    "pm": "group_collab_product_manager",
    "channel": "group_collab_channel_manager",
    "finance": "group_collab_finance",
    "collab_admin": "group_collab_admin",
}


@tagged("post_install", "-at_install")
class TestRoles(CollabCommon):
    def _group(self, name):
        return self.env.ref(f"{MODULE}.{name}")

    def test_one_privilege_holds_the_roles(self):
        privilege = self.env.ref(f"{MODULE}.res_groups_privilege_sales_pm_collab")
        self.assertEqual(privilege.name, "Sales & Product Collaboration")
        self.assertEqual(
            set(privilege.group_ids.get_external_id().values()),
            {f"{MODULE}.{role}" for role in ROLES},
        )

    def test_group_hierarchy_is_exactly_as_specified(self):
        for role, expected in IMPLIED.items():
            with self.subTest(role=role):
                implied = self._group(role).implied_ids
                self.assertEqual(set(implied.get_external_id().values()), expected)

    def test_transitive_rights(self):
        cs, admin = self._group("group_collab_customer_service"), self._group("group_collab_admin")
        self.assertIn(self.env.ref("sales_team.group_sale_salesman"), cs.all_implied_ids)
        for role in ROLES:
            self.assertIn(self._group(role), admin.all_implied_ids)
        pm = self._group("group_collab_product_manager")
        self.assertNotIn(self._group("group_collab_sales_rep"), pm.all_implied_ids)
        self.assertNotIn(self.env.ref("account.group_account_invoice"), pm.all_implied_ids)
        # a rep is not a salesman of all leads, a channel manager is
        self.assertFalse(self.user_rep.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertTrue(self.user_channel.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertTrue(self.user_finance.has_group("account.group_account_invoice"))
        self.assertFalse(self.user_finance.has_group("sales_team.group_sale_salesman"))

    def test_root_menu_restricted_to_roles(self):
        menu = self.env.ref(f"{MODULE}.menu_collab_root")
        self.assertEqual(menu.name, "Collaboration")
        self.assertFalse(menu.parent_id)
        self.assertTrue(menu.web_icon)
        self.assertEqual(
            menu.group_ids, self.env["res.groups"].browse([self._group(role).id for role in ROLES])
        )
        self.assertFalse(menu.group_ids & self.user_employee.all_group_ids)
        self.assertFalse(menu.group_ids & self.user_sales_manager.all_group_ids)

    def test_demo_users_hold_their_role(self):
        """make test installs the demo data: one user per role, password = login."""
        for login, role in DEMO_USERS.items():
            with self.subTest(login=login):
                user = self.env["res.users"].search([("login", "=", login)])
                self.assertEqual(len(user), 1)
                self.assertIn(self._group(role), user.group_ids)
                self.assertTrue(user.share is False)
                self.assertEqual(
                    user.get_external_id()[user.id].split(".")[0],
                    MODULE,
                    "demo users come from the addon's demo data",
                )

    def test_roles_are_internal_roles(self):
        """A portal or public user can never hold a Collaboration role: every role
        implies the internal user group, which core keeps exclusive of portal/public."""
        internal = self.env.ref("base.group_user")
        for role in ROLES:
            with self.subTest(role=role):
                self.assertIn(internal, self._group(role).all_implied_ids)
        public = self.env.ref("base.public_user")
        for user in (self.user_portal, public):
            for role in ROLES:
                with self.subTest(user=user.login, role=role), self.assertRaises(ValidationError):
                    user.sudo().write({"group_ids": [Command.link(self._group(role).id)]})
                    self.env.flush_all()
            self.assertFalse(
                user.all_group_ids
                & self.env["res.groups"].browse([self._group(role).id for role in ROLES])
            )

    def test_demo_configurators_change_shared_configuration(self):
        """Shared configuration (stages, levels, SLA policies) is changed by users with
        access to every company that uses it: the demo's second company (Odoo's own US demo
        company) has no requirements, feedback or evaluations, so the demo PM, channel
        manager and administrator of the first company configure the app."""
        stage = self.env["product.requirement.stage"].search([], limit=1)
        level = self.env["res.partner.grade"].search([], limit=1)
        policy = self.env["customer.feedback.sla"].search([("company_id", "=", False)], limit=1)
        for login, record in (("pm", stage), ("channel", level), ("collab_admin", policy)):
            with self.subTest(login=login):
                user = self.env["res.users"].search([("login", "=", login)])
                self.assertTrue(record, "the demo data holds shared configuration")
                record.with_user(user).write({"sequence": record.sequence + 1})
                self.assertEqual(record.write_uid, user)
