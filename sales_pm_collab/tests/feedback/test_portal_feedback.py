import base64

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ...models.feedback.customer_feedback_portal import PORTAL_MAX_FILES
from .common import QUIET, FeedbackCommon


class PortalFeedbackCommon(FeedbackCommon):
    """Two customer companies, each with a portal user, feedback, a confirmed order
    and (company A) a posted invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)
        cls.portal_a = new_test_user(
            cls.env, login="t_portal_a", groups="base.group_portal", partner_id=cls.contact.id
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Beijing Other Foods Ltd.", "is_company": True}
        )
        cls.contact_b = cls.env["res.partner"].create(
            {"name": "Other Buyer", "parent_id": cls.customer_b.id, "email": "b@b.example.com"}
        )
        cls.portal_b = new_test_user(
            cls.env, login="t_portal_b", groups="base.group_portal", partner_id=cls.contact_b.id
        )
        cls.sold, cls.sold_b = cls.env["product.product"].create(
            [{"name": "Test Kiosk K1"}, {"name": "Test Scale S9"}]
        )
        cls.order_a = cls._order(cls.contact, cls.sold)
        cls.order_b = cls._order(cls.contact_b, cls.sold_b)
        cls.quotation_a = cls._order(cls.contact, cls.sold, confirm=False)
        cls.fb_a = cls._feedback_of(
            cls.customer, "Kiosk screen flickers", root_cause="INTERNAL root cause"
        )
        cls.fb_b = cls._feedback_of(cls.customer_b, "Scale drifts by 5 g")

    @classmethod
    def _order(cls, partner, product, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _feedback_of(cls, customer, name, **vals):
        return cls.env["customer.feedback"].create(
            {
                "name": name,
                "partner_id": customer.id,
                "kind": "complaint",
                "user_id": cls.user_cs.id,
                "team_id": cls.team.id,
                **vals,
            }
        )

    def _form(self, **values):
        return {
            "name": "Kiosk K1 reboots at noon",
            "kind": "defect",
            "product_id": str(self.sold.product_tmpl_id.id),
            "document": f"sale.order-{self.order_a.id}",
            "description": "Every day at 12:00 <b>exactly</b>.",
            **values,
        }


@tagged("post_install", "-at_install")
class TestPortalFeedbackAccess(PortalFeedbackCommon):
    def test_portal_user_reads_own_company_only(self):
        Feedback = self.Feedback.with_user(self.portal_a)
        self.assertEqual(Feedback.search([]), self.fb_a)
        self.assertEqual(Feedback.search(Feedback._portal_domain(self.contact)), self.fb_a)
        self.fb_a.with_user(self.portal_a).read(["name", "state"])
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self.fb_b.with_user(self.portal_a).read(["name"])
        self.assertEqual(self.Feedback.with_user(self.portal_b).search([]), self.fb_b)

    def test_portal_user_never_writes(self):
        for operation in ("write", "unlink", "create"):
            with self.subTest(operation=operation):
                target = self.Feedback if operation == "create" else self.fb_a
                self.assertFalse(target.with_user(self.portal_a).has_access(operation))
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self.fb_a.with_user(self.portal_a).write({"name": "Hacked"})
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self.Feedback.with_user(self.portal_a).create(
                {"name": "Forged", "partner_id": self.customer_b.id}
            )

    def test_access_url_and_token(self):
        self.assertEqual(self.fb_a.access_url, f"/my/feedback/{self.fb_a.id}")
        self.fb_a._portal_ensure_token()
        self.assertTrue(self.fb_a.access_token)
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self.fb_a.with_user(self.user_cs).write({"access_token": "guessed"})
        self.assertNotEqual(self.fb_a.access_token, "guessed")

    def test_state_filters(self):
        Feedback = self.Feedback.with_user(self.portal_a)
        self.assertEqual(Feedback.search(Feedback._portal_domain(self.contact, "open")), self.fb_a)
        self.assertFalse(Feedback.search(Feedback._portal_domain(self.contact, "done")))


@tagged("post_install", "-at_install")
class TestPortalFeedbackFiling(PortalFeedbackCommon):
    def _file(self, user=None, files=(), **values):
        user = user or self.portal_a
        return self.Feedback.with_user(user)._portal_create(
            user.partner_id, self._form(**values), files
        )

    def test_offers_only_the_company_documents(self):
        orders, invoices = self.Feedback.with_user(self.portal_a)._portal_documents(self.contact)
        self.assertEqual(orders, self.order_a)
        self.assertFalse(invoices)
        products = self.Feedback.with_user(self.portal_a)._portal_products(self.contact)
        self.assertEqual(products, self.sold.product_tmpl_id)

    def test_new_feedback_enters_the_sla_flow(self):
        feedback = self._file(files=[("photo.txt", b"screen")])
        feedback = feedback.sudo()
        self.assertEqual(feedback.source, "portal")
        self.assertEqual(feedback.partner_id, self.customer)
        self.assertEqual(feedback.contact_id, self.contact)
        self.assertEqual(feedback.sale_order_id, self.order_a)
        self.assertEqual(feedback.product_id, self.sold.product_tmpl_id)
        self.assertEqual(feedback.kind, "defect")
        self.assertEqual(feedback.state, "new")
        self.assertFalse(feedback.user_id)
        self.assertTrue(feedback.reference.startswith("FB/"))
        self.assertEqual(feedback.sla_id.name, "Standard")
        self.assertTrue(feedback.first_response_deadline)
        self.assertTrue(feedback.resolve_deadline)
        self.assertFalse(feedback.first_response_date)
        self.assertIn("&lt;b&gt;exactly&lt;/b&gt;", str(feedback.description))
        self.assertIn(self.contact, feedback.message_partner_ids)
        files = feedback.message_ids.filtered("attachment_ids")
        self.assertEqual(files.author_id, self.contact)
        self.assertEqual(files.attachment_ids.name, "photo.txt")
        self.assertEqual(base64.b64decode(files.attachment_ids.datas), b"screen")
        # the customer reads it back on the portal
        mine = feedback.with_user(self.portal_a).search([("id", "=", feedback.id)])
        self.assertEqual(mine, feedback)

    def test_refuses_what_is_not_the_company_s(self):
        cases = {
            "another company's order": {"document": f"sale.order-{self.order_b.id}"},
            "a quotation": {"document": f"sale.order-{self.quotation_a.id}"},
            "an unknown document": {"document": "res.partner-1"},
            "a product it did not buy": {"product_id": str(self.sold_b.product_tmpl_id.id)},
            "an unknown kind": {"kind": "praise'); DROP"},
            "no subject": {"name": "   "},
        }
        before = self.Feedback.search_count([])
        for case, values in cases.items():
            with self.subTest(case=case), self.assertRaises(ValidationError):
                self._file(**values)
        with self.assertRaises(ValidationError):
            self._file(files=[(f"f{i}.txt", b"x") for i in range(PORTAL_MAX_FILES + 1)])
        self.assertEqual(self.Feedback.search_count([]), before)

    def test_customer_reply_is_theirs_and_not_our_answer(self):
        """A reply from the portal thread (posted with the document's token, as the
        system, authored by the customer) lands in the chatter as the customer's
        message; it is not the first response of the SLA, an employee's message is."""
        feedback = self.fb_a
        message = feedback.sudo().message_post(
            author_id=self.contact.id,
            body="Still flickering this morning",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(message.author_id, self.contact)
        self.assertFalse(feedback.first_response_date)
        feedback.message_subscribe(partner_ids=self.contact.ids)
        feedback.with_user(self.user_cs).message_post(
            body="We send a technician tomorrow",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertTrue(feedback.first_response_date)

    def test_timezone_of_the_reader(self):
        self.portal_a.tz = "Asia/Shanghai"
        self.assertEqual(self.fb_a._portal_timezone(self.portal_a), "Asia/Shanghai")
        public = self.env.ref("base.public_user")
        self.customer.tz = "Asia/Taipei"
        self.assertEqual(self.fb_a._portal_timezone(public), "Asia/Taipei")


@tagged("post_install", "-at_install")
class TestPortalRequestsThroughFeedback(PortalFeedbackCommon):
    def test_feedback_links_its_company_to_the_requirement(self):
        requirement = self.env["product.requirement"].create(
            {"name": "Anti-flicker firmware", "requested_by_id": self.user_rep.id}
        )
        Requirement = self.env["product.requirement"]
        self.assertFalse(Requirement._portal_requests(self.contact))
        self.fb_a.requirement_id = requirement
        rows = Requirement._portal_requests(self.contact)
        self.assertEqual([row["title"] for row in rows], ["Anti-flicker firmware"])
        self.assertFalse(Requirement._portal_requests(self.contact_b))
        self.fb_a.action_cancel()
        self.assertFalse(Requirement._portal_requests(self.contact))
