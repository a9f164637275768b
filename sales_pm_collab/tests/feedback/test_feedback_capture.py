from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..common import MODULE
from .common import FeedbackCommon

MAIL = """Return-Path: <{email}>
To: {to}
From: {sender}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
Message-ID: <{msgid}@sh.example.com>
Date: Mon, 02 Mar 2026 09:00:00 +0000

{body}
"""


@tagged("post_install", "-at_install")
class TestFeedbackCapture(FeedbackCommon):
    """Log feedback in seconds: from documents (prefilled), and by e-mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "120-store rollout",
                "type": "opportunity",
                "partner_id": cls.contact.id,
                "user_id": cls.user_rep.id,
                "team_id": cls.team.id,
            }
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.contact.id,
                "user_id": cls.user_rep.id,
                "team_id": cls.team.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product.product_variant_id.id, "product_uom_qty": 3}
                    )
                ],
            }
        )

    def _log_from(self, record):
        action = record.action_log_feedback()
        self.assertEqual(action["res_model"], "customer.feedback")
        form = Form(self.Feedback.with_context(**action["context"]))
        form.name = "Logged from a document"
        return form.save()

    def test_log_from_opportunity(self):
        feedback = self._log_from(self.lead)
        self.assertEqual(feedback.partner_id, self.customer)
        self.assertEqual(feedback.contact_id, self.contact)
        self.assertEqual(feedback.lead_id, self.lead)
        self.assertEqual(feedback.team_id, self.team)
        self.assertEqual(feedback.source, "rep_visit")
        self.assertTrue(feedback.sla_id, "the SLA starts at once")
        self.lead.invalidate_recordset(["feedback_count"])
        self.assertEqual(self.lead.feedback_count, 1)
        action = self.lead.action_view_feedback()
        self.assertEqual(self.Feedback.search(action["domain"]), feedback)

    def test_log_from_customer(self):
        feedback = self._log_from(self.customer)
        self.assertEqual((feedback.partner_id, feedback.contact_id.id), (self.customer, False))
        from_contact = self._log_from(self.contact)
        self.assertEqual(from_contact.partner_id, self.customer)
        self.assertEqual(from_contact.contact_id, self.contact)
        # the company and its contacts count the same feedback
        (self.customer | self.contact).invalidate_recordset(["feedback_count"])
        self.assertEqual(self.customer.feedback_count, 2)
        self.assertEqual(self.contact.feedback_count, 2)

    def test_log_from_sale_order(self):
        feedback = self._log_from(self.order)
        self.assertEqual(feedback.sale_order_id, self.order)
        self.assertEqual(feedback.product_id, self.product, "a one-product order names it")
        self.assertEqual(feedback.partner_id, self.customer)
        self.assertEqual(feedback.source, "after_sales")
        self.order.invalidate_recordset(["feedback_count"])
        self.assertEqual(self.order.feedback_count, 1)

    def test_log_from_invoice(self):
        self.product.invoice_policy = "order"
        self.order.action_confirm()
        invoice = self.order._create_invoices()
        invoice.action_post()
        feedback = self._log_from(invoice)
        self.assertEqual(feedback.invoice_id, invoice)
        self.assertEqual(feedback.sale_order_id, self.order)
        self.assertEqual(feedback.product_id, self.product)
        self.assertEqual(feedback.company_id, invoice.company_id)
        invoice.invalidate_recordset(["feedback_count"])
        self.assertEqual(invoice.feedback_count, 1)

    def test_link_to_another_company_is_refused(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.env.user.company_ids |= other
        foreign_order = (
            self.env["sale.order"]
            .with_company(other)
            .create({"partner_id": self.customer.id, "company_id": other.id})
        )
        with self.assertRaisesRegex(UserError, "belongs to another company"):
            self._feedback(sale_order_id=foreign_order.id)
        feedback = self._feedback()
        with self.assertRaisesRegex(UserError, "belongs to another company"):
            feedback.sale_order_id = foreign_order

    def _deliver(self, sender, email, subject, body="The printer stops after 200 tickets."):
        domain = self.env["mail.alias.domain"].create({"name": "collab.example.com"})
        alias = self.env.ref(f"{MODULE}.mail_alias_customer_feedback")
        alias.alias_domain_id = domain
        message = MAIL.format(
            email=email,
            to="feedback@collab.example.com",
            sender=sender,
            subject=subject,
            msgid=subject.replace(" ", "."),
            body=body,
        )
        self.env["mail.thread"].sudo().message_process(None, message)
        return self.Feedback.search([("name", "=", subject)])

    def test_mail_alias_creates_feedback_for_a_known_contact(self):
        feedback = self._deliver(
            "Huang Test <huang@sh.example.com>",
            "huang@sh.example.com",
            "Printer jams at the Nanjing Road store",
        )
        self.assertEqual(len(feedback), 1)
        self.assertEqual(feedback.partner_id, self.customer)
        self.assertEqual(feedback.contact_id, self.contact)
        self.assertEqual(feedback.source, "email")
        self.assertIn("200 tickets", feedback.description)
        self.assertFalse(feedback.user_id, "customer service assigns an owner")
        self.assertEqual(feedback.state, "new")
        self.assertTrue(feedback.sla_id and feedback.first_response_deadline)
        self.assertIn(self.contact, feedback.message_partner_ids, "replies reach the customer")
        self.assertTrue(feedback.reference.startswith("FB/"))
        incoming = feedback.message_ids.filtered(lambda m: m.author_id == self.contact)
        self.assertEqual(len(incoming), 1)
        self.assertFalse(feedback.first_response_date, "the customer's mail is not an answer")

    def test_mail_alias_creates_the_customer_when_unknown(self):
        feedback = self._deliver(
            "Wang Xin <wang.xin@new-shop.example.com>",
            "wang.xin@new-shop.example.com",
            "Scanner does not pair",
        )
        self.assertEqual(len(feedback), 1)
        self.assertEqual(feedback.partner_id.email, "wang.xin@new-shop.example.com")
        self.assertIn("wang.xin@new-shop.example.com", feedback.email_from)

    def test_reply_by_mail_goes_to_the_same_feedback(self):
        feedback = self._deliver(
            "Huang Test <huang@sh.example.com>", "huang@sh.example.com", "Drawer does not open"
        )
        reply = MAIL.format(
            email="huang@sh.example.com",
            to="feedback@collab.example.com",
            sender="Huang Test <huang@sh.example.com>",
            subject="Re: Drawer does not open",
            msgid="reply.drawer",
            body="Any news?",
        ).replace(
            "Date:",
            f"In-Reply-To: {feedback.message_ids[-1].message_id}\nDate:",
        )
        self.env["mail.thread"].sudo().message_process(None, reply)
        self.assertEqual(self.Feedback.search_count([("name", "ilike", "Drawer does not open")]), 1)
        self.assertTrue(feedback.message_ids.filtered(lambda m: "Any news" in m.body))

    def test_employee_reply_by_mail_is_the_first_response(self):
        """Customer service answers the customer from their mail client: the reply,
        routed into the feedback and sent on to the customer, is the first response."""
        feedback = self._deliver(
            "Huang Test <huang@sh.example.com>", "huang@sh.example.com", "Receipt paper jams"
        )
        self.assertFalse(feedback.first_response_date)
        self.user_cs.email = "cs.agent@collab.example.com"
        reply = MAIL.format(
            email="cs.agent@collab.example.com",
            to="feedback@collab.example.com",
            sender="CS Agent <cs.agent@collab.example.com>",
            subject="Re: Receipt paper jams",
            msgid="reply.receipt.cs",
            body="We are sending a technician tomorrow morning.",
        ).replace(
            "Date:",
            f"In-Reply-To: {feedback.message_ids[-1].message_id}\nDate:",
        )
        self.env["mail.thread"].sudo().message_process(None, reply)
        answer = feedback.message_ids.filtered(lambda m: "technician" in (m.body or ""))
        self.assertEqual(answer.author_id, self.user_cs.partner_id)
        self.assertEqual(feedback.first_response_date, answer.date)
