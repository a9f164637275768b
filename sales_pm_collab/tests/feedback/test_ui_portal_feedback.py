import re

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from ..common import PortalRpcMixin

# values of internal fields planted in the fixtures: none may reach a portal page
FORBIDDEN = (
    "INTERNAL root cause",
    "INTERNAL solution",
    "INTERNAL note",
    "INTERNAL SLA policy",
    "INTERNAL review note",
    "INTERNAL market",
    "INTERNAL decline reason",
    "INTERNAL decision",
    "Tour Owner CS",
    "987654",
)


@tagged("post_install", "-at_install", "collab_ui")
class TestUiPortalFeedback(HttpCase, PortalRpcMixin):
    """The customer portal over HTTP, as customer A, customer B and internal users:
    every route with another company's ids answers 404, and no internal value is in
    any page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.env["customer.feedback.sla"].search([]).active = False
        cls.env["customer.feedback.sla"].create(
            {"name": "INTERNAL SLA policy", "first_response_hours": 4, "resolve_hours": 16}
        )
        cls.user_cs = new_test_user(
            env,
            login="tour_owner_cs",
            name="Tour Owner CS",
            groups="base.group_user,sales_pm_collab.group_collab_customer_service",
        )
        Partner = env["res.partner"]
        cls.company_a, cls.company_b = Partner.create(
            [
                {"name": "Portal Customer A Ltd.", "is_company": True},
                {"name": "Portal Customer B Ltd.", "is_company": True},
            ]
        )
        cls.contact_a, cls.contact_b = Partner.create(
            [
                {"name": "Buyer A", "parent_id": cls.company_a.id, "email": "a@a.example.com"},
                {"name": "Buyer B", "parent_id": cls.company_b.id, "email": "b@b.example.com"},
            ]
        )
        cls.portal_a = new_test_user(
            env,
            login="portal_cust_a",
            groups="base.group_portal",
            partner_id=cls.contact_a.id,
            tz="Asia/Shanghai",
        )
        cls.portal_b = new_test_user(
            env, login="portal_cust_b", groups="base.group_portal", partner_id=cls.contact_b.id
        )
        product_a, product_b = env["product.product"].create(
            [{"name": "Portal Kiosk A"}, {"name": "Portal Scale B"}]
        )
        cls.order_a, cls.order_b = env["sale.order"].create(
            [
                {
                    "partner_id": contact.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
                for contact, product in ((cls.contact_a, product_a), (cls.contact_b, product_b))
            ]
        )
        (cls.order_a | cls.order_b).action_confirm()
        Feedback = env["customer.feedback"]
        cls.fb_a, cls.fb_b = Feedback.create(
            [
                {
                    "name": name,
                    "partner_id": company.id,
                    "contact_id": contact.id,
                    "kind": "complaint",
                    "user_id": cls.user_cs.id,
                    "root_cause": "INTERNAL root cause",
                    "solution": "INTERNAL solution",
                }
                for name, company, contact in (
                    ("Kiosk A flickers", cls.company_a, cls.contact_a),
                    ("Scale B drifts", cls.company_b, cls.contact_b),
                )
            ]
        )
        cls.fb_a.message_post(body="INTERNAL note about A", subtype_xmlid="mail.mt_note")
        Requirement = env["product.requirement"]
        lead_a, lead_b = env["crm.lead"].create(
            [
                {"name": "Deal A", "type": "opportunity", "partner_id": cls.contact_a.id},
                {"name": "Deal B", "type": "opportunity", "partner_id": cls.contact_b.id},
            ]
        )
        declined = env.ref("sales_pm_collab.requirement_stage_declined")
        cls.req_a = Requirement.create(
            {
                "name": "Requirement asked by A",
                "lead_ids": [Command.set(lead_a.ids)],
                "market_size": 987654,
                "market_note": "INTERNAL market note",
                "decision_note": "INTERNAL decision",
                "review_note": "<p>INTERNAL review note</p>",
            }
        )
        cls.req_a_declined = Requirement.create(
            {
                "name": "Declined request of A",
                "lead_ids": [Command.set(lead_a.ids)],
                "stage_id": declined.id,
                "decline_reason": "INTERNAL decline reason",
            }
        )
        cls.req_b = Requirement.create(
            {"name": "Requirement asked by B", "lead_ids": [Command.set(lead_b.ids)]}
        )

    def _get(self, url, status=200):
        response = self.url_open(url)
        self.assertEqual(response.status_code, status, url)
        return response.text

    def _assert_clean(self, html):
        for value in FORBIDDEN:
            self.assertNotIn(value, html)

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    # === Feedback === #

    def test_list_shows_own_company_only(self):
        self.authenticate("portal_cust_a", "portal_cust_a")
        for url in ("/my/feedback", "/my/feedback?filterby=open&sortby=state", "/my/home"):
            with self.subTest(url=url):
                html = self._get(url)
                self._assert_clean(html)
                self.assertNotIn("Scale B drifts", html)
                self.assertNotIn(self.fb_b.reference, html)
        html = self._get("/my/feedback")
        self.assertIn("Kiosk A flickers", html)
        self.assertIn(self.fb_a.reference, html)
        self.assertNotIn("Kiosk A flickers", self._get("/my/feedback?filterby=done"))

    def test_detail_of_another_company_is_404(self):
        self.authenticate("portal_cust_a", "portal_cust_a")
        html = self._get(f"/my/feedback/{self.fb_a.id}")
        self.assertIn("Kiosk A flickers", html)
        self.assertIn("Asia/Shanghai", html)
        self._assert_clean(html)
        for url in (
            f"/my/feedback/{self.fb_b.id}",
            f"/my/feedback/{self.fb_b.id}?access_token=wrong",
            f"/my/feedback/{self.fb_b.id}?access_token=",
            "/my/feedback/999999999",
        ):
            with self.subTest(url=url):
                html = self._get(url, status=404)
                self.assertNotIn("Scale B drifts", html)

    def test_document_token_of_portal_mixin(self):
        """A visitor with the document's link (e-mail button) reads it; without the
        token, or with another document's, not."""
        self.fb_b._portal_ensure_token()
        self.fb_a._portal_ensure_token()
        html = self._get(f"/my/feedback/{self.fb_b.id}?access_token={self.fb_b.access_token}")
        self.assertIn("Scale B drifts", html)
        self._get(f"/my/feedback/{self.fb_b.id}?access_token={self.fb_a.access_token}", 404)
        self.authenticate("portal_cust_a", "portal_cust_a")
        self._get(f"/my/feedback/{self.fb_b.id}?access_token={self.fb_a.access_token}", 404)

    def test_thread_reply_is_the_customer_message(self):
        self.authenticate("portal_cust_a", "portal_cust_a")
        self.fb_a._portal_ensure_token()
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "customer.feedback",
                "thread_id": self.fb_a.id,
                "post_data": {
                    "body": "Still flickering",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
                "token": self.fb_a.access_token,
            },
        )
        self.env.invalidate_all()
        message = self.fb_a.message_ids[0]
        self.assertEqual(message.author_id, self.contact_a)
        self.assertIn("Still flickering", message.body)
        self.assertFalse(self.fb_a.first_response_date, "the customer's message is no answer")
        fetched = self.make_jsonrpc_request(
            "/mail/chatter_fetch",
            {
                "thread_model": "customer.feedback",
                "thread_id": self.fb_a.id,
                "token": self.fb_a.access_token,
            },
        )
        self.assertIn("Still flickering", str(fetched))
        self.assertNotIn("INTERNAL note", str(fetched))
        # another company's thread, with its own token or none: refused
        self.fb_b._portal_ensure_token()
        for token in (self.fb_a.access_token, None):
            with (
                self.subTest(token=token),
                self.assertRaises(JsonRpcException),
                mute_logger("odoo.http"),
            ):
                self.make_jsonrpc_request(
                    "/mail/message/post",
                    {
                        "thread_model": "customer.feedback",
                        "thread_id": self.fb_b.id,
                        "post_data": {
                            "body": "Injected",
                            "message_type": "comment",
                            "subtype_xmlid": "mail.mt_comment",
                        },
                        "token": token,
                    },
                )
        self.env.invalidate_all()
        self.assertNotIn("Injected", str(self.fb_b.message_ids.mapped("body")))

    def test_new_feedback_form(self):
        self.authenticate("portal_cust_a", "portal_cust_a")
        html = self._get("/my/feedback/new")
        self.assertIn(self.order_a.name, html)
        self.assertNotIn(self.order_b.name, html)
        self.assertNotIn("Portal Scale B", html)
        data = {
            "csrf_token": self._csrf(html),
            "name": "Filed from the portal",
            "kind": "defect",
            "document": f"sale.order-{self.order_b.id}",
            "description": "Forged order",
        }
        Feedback = self.env["customer.feedback"]
        response = self.url_open("/my/feedback/new", data=data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_feedback_error", response.text)
        self.assertFalse(Feedback.search([("name", "=", "Filed from the portal")]))
        data["document"] = f"sale.order-{self.order_a.id}"
        response = self.url_open(
            "/my/feedback/new", data=data, files={"attachments": ("log.txt", b"trace")}
        )
        self.assertEqual(response.status_code, 200)
        feedback = Feedback.search([("name", "=", "Filed from the portal")])
        self.assertEqual(len(feedback), 1)
        self.assertIn(f"/my/feedback/{feedback.id}", response.url)
        self.assertEqual(feedback.partner_id, self.company_a)
        self.assertEqual(feedback.sale_order_id, self.order_a)
        self.assertEqual(feedback.source, "portal")
        self.assertTrue(feedback.sla_id and feedback.first_response_deadline)
        self.assertEqual(feedback.message_ids.attachment_ids.name, "log.txt")

    def test_new_feedback_needs_login(self):
        response = self.url_open("/my/feedback/new", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    # === Requests === #

    def test_requests_show_whitelisted_values_only(self):
        self.authenticate("portal_cust_a", "portal_cust_a")
        html = self._get("/my/requests")
        self.assertIn("Requirement asked by A", html)
        self.assertIn("Declined request of A", html)
        self.assertNotIn("Requirement asked by B", html)
        self._assert_clean(html)
        self.req_a_declined.decline_reason_shared = True
        self.env.flush_all()
        self.assertIn("INTERNAL decline reason", self._get("/my/requests"))
        self.authenticate("portal_cust_b", "portal_cust_b")
        html = self._get("/my/requests")
        self.assertIn("Requirement asked by B", html)
        self.assertNotIn("asked by A", html)

    # === Internal users === #

    def test_internal_users_see_no_customer_data_on_their_portal(self):
        self.authenticate("tour_owner_cs", "tour_owner_cs")
        html = self._get("/my/feedback")
        self.assertNotIn("Kiosk A flickers", html)
        self.assertNotIn("Requirement asked by A", self._get("/my/requests"))
        # the detail page reads with the user's own rights: customer service may
        self.assertIn("Kiosk A flickers", self._get(f"/my/feedback/{self.fb_a.id}"))

    # === Tour === #

    def test_tour_customer_files_feedback(self):
        self.start_tour("/my/feedback", "sales_pm_collab_feedback_portal", login="portal_cust_a")
        feedback = self.env["customer.feedback"].search(
            [("name", "=", "Tour: receipt printer jams at lunch")]
        )
        self.assertEqual(feedback.partner_id, self.company_a)
        self.assertEqual(feedback.kind, "complaint")
        self.assertEqual(feedback.state, "new")
        self.assertTrue(feedback.first_response_deadline)

    # === Raw JSON-RPC with the portal session === #

    def test_rpc_reads_only_what_the_pages_show(self):
        self.fb_a.requirement_id = self.req_a
        self.authenticate("portal_cust_a", "portal_cust_a")
        self._assert_portal_rpc_whitelist(
            self.fb_a,
            hidden={
                "root_cause": "INTERNAL root cause",
                "solution": "INTERNAL solution",
                "user_id": self.user_cs,
                "sla_id": self.fb_a.sla_id,
                "requirement_id": self.req_a,
                "contact_id": self.contact_a,
                "email_from": self.fb_a.email_from,
                "priority": self.fb_a.priority,
                "escalation_level": self.fb_a.escalation_level,
                "activity_user_id": self.fb_a.activity_user_id,
            },
            shown=("reference", "name", "state", "kind", "resolve_deadline"),
        )
        # nothing of the requirement behind it, by any path
        self._assert_rpc_refused("product.requirement", "read", self.req_a.ids, ["market_note"])
        self._assert_rpc_refused(
            "customer.feedback", "search", [("requirement_id.market_size", "=", 987654)]
        )
