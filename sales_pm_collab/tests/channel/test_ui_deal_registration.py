import re
from datetime import date, timedelta

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..common import PortalRpcMixin


@tagged("post_install", "-at_install", "collab_ui")
class TestDealRegistrationPortal(HttpCase, PortalRpcMixin):
    """The partner's registration pages: its own company's registrations only (another
    partner's id answers 404), nothing internal on them; and the tour from the portal to
    the approved opportunity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["sale.territory"].search([]).action_archive()
        cls.cn = env.ref("base.cn")
        Partner = env["res.partner"]
        cls.agent_a = Partner.create(
            {"name": "Portal Agent A", "is_company": True, "channel_type": "agent"}
        )
        cls.agent_b = Partner.create(
            {"name": "Portal Agent B", "is_company": True, "channel_type": "agent"}
        )
        contact_a = Partner.create({"name": "Agent A seller", "parent_id": cls.agent_a.id})
        contact_b = Partner.create({"name": "Agent B seller", "parent_id": cls.agent_b.id})
        new_test_user(
            env,
            login="reg_portal_a",
            password="reg_portal_a",
            groups="base.group_portal",
            partner_id=contact_a.id,
        )
        new_test_user(
            env,
            login="reg_portal_b",
            password="reg_portal_b",
            groups="base.group_portal",
            partner_id=contact_b.id,
        )
        cls.territory = env["sale.territory"].create(
            {
                "name": "Secret Territory Owned By B",
                "exclusive": True,
                "country_ids": [Command.set(cls.cn.ids)],
                "partner_ids": [Command.set(cls.agent_b.ids)],
            }
        )
        Registration = env["crm.deal.registration"]
        close = date.today() + timedelta(days=30)
        cls.reg_a = Registration.create(
            {
                "partner_id": cls.agent_a.id,
                "customer_name": "Customer Of A",
                "country_id": cls.cn.id,
                "city": "南京",
                "expected_close_date": close,
            }
        )
        cls.reg_a.action_submit()
        cls.reg_b = Registration.create(
            {
                "partner_id": cls.agent_b.id,
                "customer_name": "Customer Of B",
                "country_id": cls.cn.id,
                "city": "合肥",
                "expected_close_date": close,
            }
        )
        cls.draft_b = Registration.create(
            {
                "partner_id": cls.agent_b.id,
                "customer_name": "Draft Of B",
                "country_id": cls.cn.id,
                "city": "合肥",
                "expected_close_date": close,
            }
        )

    def _csrf(self, url="/my/registrations/new"):
        """The form's CSRF token, as the browser gets it."""
        page = self.url_open(url).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def test_another_partners_registration_is_not_found(self):
        self.authenticate("reg_portal_a", "reg_portal_a")
        own = self.url_open(f"/my/registrations/{self.reg_a.id}")
        self.assertEqual(own.status_code, 200)
        self.assertIn("Customer Of A", own.text)
        for registration in (self.reg_b, self.draft_b):
            response = self.url_open(f"/my/registrations/{registration.id}")
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(registration.customer_name, response.text)
        response = self.url_open(
            f"/my/registrations/{self.draft_b.id}/submit",
            data={"csrf_token": self._csrf()},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.draft_b.state, "draft")
        self.assertEqual(self.url_open("/my/registrations/999999999").status_code, 404)
        listing = self.url_open("/my/registrations")
        self.assertIn("Customer Of A", listing.text)
        self.assertNotIn("Customer Of B", listing.text)

    def test_no_internal_field_on_the_portal(self):
        # A's registration runs into B's exclusive territory: the channel manager sees it,
        # the partner does not
        self.assertEqual(self.reg_a.conflict_ids.territory_id, self.territory)
        self.authenticate("reg_portal_a", "reg_portal_a")
        page = self.url_open(f"/my/registrations/{self.reg_a.id}").text
        for forbidden in ("Secret Territory Owned By B", "Portal Agent B", "conflict_ids"):
            self.assertNotIn(forbidden, page)

    def test_new_registration_refused_shows_the_reason(self):
        self.authenticate("reg_portal_a", "reg_portal_a")
        response = self.url_open(
            "/my/registrations/new",
            data={
                "csrf_token": self._csrf(),
                "customer_name": "Customer Late",
                "country_id": str(self.cn.id),
                "city": "南京",
                "expected_close_date": "2001-01-01",
                "submit": "1",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("in the past", response.text)
        self.assertFalse(
            self.env["crm.deal.registration"].search([("customer_name", "=", "Customer Late")])
        )
        # a forged partner id is ignored: the registration is the portal user's company's
        response = self.url_open(
            "/my/registrations/new",
            data={
                "csrf_token": self._csrf(),
                "customer_name": "Customer Forged",
                "partner_id": str(self.agent_b.id),
                "country_id": str(self.cn.id),
                "city": "南京",
                "expected_close_date": "2099-01-01",
            },
        )
        created = self.env["crm.deal.registration"].search(
            [("customer_name", "=", "Customer Forged")]
        )
        self.assertEqual(created.partner_id, self.agent_a)
        self.assertEqual(created.state, "draft")

    def test_portal_registration_to_approved_opportunity(self):
        new_test_user(
            self.env,
            login="tour_reg_channel",
            password="tour_reg_channel",
            groups="sales_pm_collab.group_collab_channel_manager",
            name="Tour Registration Manager",
        )
        self.start_tour("/my", "sales_pm_collab_deal_registration_portal", login="reg_portal_a")
        registration = self.env["crm.deal.registration"].search(
            [("customer_name", "=", "常州星河连锁超市有限公司")]
        )
        self.assertEqual((registration.partner_id, registration.state), (self.agent_a, "submitted"))
        self.start_tour(
            "/odoo", "sales_pm_collab_deal_registration_approve", login="tour_reg_channel"
        )
        self.assertEqual(registration.state, "approved")
        lead = registration.lead_id
        self.assertEqual(lead.channel_partner_id, self.agent_a)
        self.assertEqual(lead.partner_id.name, "常州星河连锁超市有限公司")
        self.assertEqual(lead.partner_id.vat, "91320400TOUR0001X")

    # === Raw JSON-RPC with the portal session === #

    def test_rpc_reads_only_what_the_pages_show(self):
        manager = new_test_user(
            self.env,
            login="secret_channel_manager",
            name="Secret Channel Manager",
            groups="sales_pm_collab.group_collab_channel_manager",
        )
        self.agent_a.channel_manager_id = manager
        self.assertTrue(self.reg_a.conflict_ids)
        self.authenticate("reg_portal_a", "reg_portal_a")
        self._assert_portal_rpc_whitelist(
            self.reg_a,
            hidden={
                "channel_manager_id": manager,
                "conflict_ids": self.reg_a.conflict_ids,
                "customer_key": self.reg_a.customer_key,
                "city_key": None,
                "approval_hours": False,
                "is_protected": False,
            },
            shown=("name", "state", "customer_name", "city", "expected_close_date"),
        )
        # the partner's own record: this addon's internal fields on it are hidden too
        for name in ("channel_manager_id", "agreement_note", "channel_recommended_grade_id"):
            self._assert_rpc_refused("res.partner", "read", self.agent_a.ids, [name])
        names = self._rpc("res.partner", "read", self.agent_a.ids, ["name"])
        self.assertEqual(names[0]["name"], "Portal Agent A")

    def test_rpc_writes_only_the_form_fields(self):
        self.authenticate("reg_portal_a", "reg_portal_a")
        Registration = self.env["crm.deal.registration"]
        [draft_id] = self._rpc(
            "crm.deal.registration",
            "create",
            [{"customer_name": "Draft Of A", "city": "南京", "country_id": self.cn.id}],
        )
        draft = Registration.browse(draft_id)
        self.assertEqual((draft.partner_id, draft.state), (self.agent_a, "draft"))
        self._rpc("crm.deal.registration", "write", [draft_id], {"customer_name": "Draft A2"})
        self.assertEqual(draft.customer_name, "Draft A2")
        lead = self.env["crm.lead"].create({"name": "Internal opportunity of A"})
        forged = {
            "channel_manager_id": self.env.ref("base.user_admin").id,
            "customer_partner_id": self.agent_b.id,
            "link_lead_id": lead.id,
            "lead_id": lead.id,
            "state": "approved",
            "protection_until": "2099-12-31",
            "product_ids": [Command.set([])],
        }
        for name, value in forged.items():
            with self.subTest(field=name):
                self._assert_rpc_refused(
                    "crm.deal.registration", "write", [draft_id], {name: value}
                )
                self._assert_rpc_refused(
                    "crm.deal.registration",
                    "create",
                    [{"customer_name": "Forged", "country_id": self.cn.id, name: value}],
                )
        draft.invalidate_recordset()
        self.assertEqual(
            (draft.partner_id, draft.state, draft.lead_id, draft.link_lead_id),
            (self.agent_a, "draft", lead.browse(), lead.browse()),
        )
        self.assertFalse(Registration.search([("customer_name", "=", "Forged")]))
        # its own company only: another partner is refused by the model's own check
        self._assert_rpc_refused(
            "crm.deal.registration", "write", [draft_id], {"partner_id": self.agent_b.id}
        )
        self.assertEqual(draft.partner_id, self.agent_a)
