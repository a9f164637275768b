from odoo import Command, http
from odoo.tests import HttpCase, new_test_user, tagged

from ..common import MODULE


@tagged("post_install", "-at_install", "collab_ui")
class TestUiFeedback(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_cs = new_test_user(
            cls.env,
            login="tour_cs",
            groups=f"base.group_user,{MODULE}.group_collab_customer_service",
            name="Tour Customer Service",
            tz="Asia/Shanghai",
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tour Retail Co.",
                "is_company": True,
                "child_ids": [
                    Command.create({"name": "Tour Buyer", "email": "buyer@tour.example.com"})
                ],
            }
        )

    def _complaint(self, name, **vals):
        return self.env["customer.feedback"].create(
            {
                "name": name,
                "partner_id": self.customer.id,
                "contact_id": self.customer.child_ids.id,
                "kind": "complaint",
                "priority": "high",
                "user_id": self.user_cs.id,
                **vals,
            }
        )

    def test_tour_customer_service_handles_a_complaint(self):
        feedback = self._complaint("Tour: cash drawer does not open")
        self.start_tour(
            f"/odoo/action-{MODULE}.customer_feedback_action",
            "sales_pm_collab_feedback",
            login="tour_cs",
        )
        self.assertEqual(feedback.state, "resolved")
        self.assertIn("Solenoid", feedback.root_cause)
        self.assertIn("Replaced the solenoid", feedback.solution)
        self.assertTrue(feedback.first_response_date)
        self.assertTrue(feedback.rating_ids, "the customer got the rating request")
        requirement = feedback.requirement_id
        self.assertEqual(requirement.name, "Tour: cash drawer does not open")
        self.assertEqual(requirement.requested_by_id, self.user_cs)
        self.assertEqual(requirement.feedback_count, 1)

    def test_customer_rates_through_the_public_page(self):
        feedback = self._complaint(
            "Rated through the page", root_cause="Worn part", solution="Replaced"
        )
        feedback.action_resolve()
        token = feedback.rating_ids.access_token
        self.authenticate(None, None)  # the customer is not logged in
        page = self.url_open(f"/rate/{token}/1")
        self.assertEqual(page.status_code, 200)
        self.assertIn(f"/rate/{token}/submit_feedback", page.text)
        response = self.url_open(
            f"/rate/{token}/submit_feedback",
            data={
                "rate": 1,
                "csrf_token": http.Request.csrf_token(self),
                "feedback": "Still stuck",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(feedback.satisfaction, 1)
        self.assertEqual(feedback.state, "in_progress", "an unhappy customer reopens it")
        self.assertEqual(feedback.followup_count, 1)
        reopened = feedback.message_ids.filtered(lambda m: "second follow-up" in m.body)
        self.assertEqual(reopened.author_id, self.env.ref("base.partner_root"))

    def test_public_rating_page_refuses_other_values(self):
        """Issue 10: the page takes the e-mail's faces only; 2.5 (rounded to 2 before)
        or any other value is refused with a clear answer, and nothing is recorded."""
        feedback = self._complaint(
            "Rated with a fraction", root_cause="Worn part", solution="Replaced"
        )
        feedback.action_resolve()
        token = feedback.rating_ids.access_token
        self.authenticate(None, None)
        for rate in ("2.5", "4.999", "2", "0", "6", "abc"):
            with self.subTest(rate=rate):
                response = self.url_open(
                    f"/rate/{token}/submit_feedback",
                    data={"rate": rate, "csrf_token": http.Request.csrf_token(self)},
                )
                self.assertEqual(response.status_code, 400)
                self.assertRegex(response.text, r"whole number between 1|one of the faces")
        self.assertEqual(self.url_open(f"/rate/{token}/2.5").status_code, 404)
        feedback.invalidate_recordset()
        self.assertEqual((feedback.satisfaction, feedback.state), (0, "resolved"))
        self.assertFalse(feedback.rating_ids.consumed)
