"""The hostile client, feedback area: the ratings of feedback and their tokens, read
only by those who read the feedback, changed by the system only."""

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..common import MODULE
from .common import QUIET, FeedbackCommon


@tagged("post_install", "-at_install")
class TestFeedbackRatingAccess(FeedbackCommon):
    """Item 3: ratings of feedback (and their tokens) only for those who read the
    feedback; changed by the system only; 1 to 5 in whole numbers; ratings of other
    models as in Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)
        cls.customer.user_id = cls.user_rep
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Not the rep's Co", "is_company": True, "email": "other@example.com"}
        )
        Feedback = cls.env["customer.feedback"]
        solved = {
            "name": "Receipt printer jams",
            "kind": "complaint",
            "user_id": cls.user_cs.id,
            "root_cause": "Sensor",
            "solution": "Replaced",
        }
        cls.mine = Feedback.create(
            {
                **solved,
                "partner_id": cls.customer.id,
                "contact_id": cls.contact.id,
                "team_id": cls.team.id,
            }
        )
        cls.not_mine = Feedback.create(
            {**solved, "partner_id": cls.other_customer.id, "team_id": False}
        )
        (cls.mine | cls.not_mine).action_resolve()
        cls.my_rating = cls.mine.rating_ids
        cls.foreign_rating = cls.not_mine.rating_ids
        # a rating of another model, handled by Odoo's rules only
        cls.partner_rating = cls.env["rating.rating"].create(
            {
                "res_model_id": cls.env["ir.model"]._get_id("res.partner"),
                "res_id": cls.other_customer.id,
                "partner_id": cls.other_customer.id,
                "rating": 3,
            }
        )
        cls.company_2 = cls.env["res.company"].create({"name": "Hostile Co 2"})
        cls.cs_company_2 = new_test_user(
            cls.env,
            login="t_cs_company_2",
            groups=f"base.group_user,{MODULE}.group_collab_customer_service",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

    def _tokens(self, user):
        found = (
            self.env["rating.rating"]
            .with_user(user)
            .search_read([("res_model", "=", "customer.feedback")], ["access_token", "res_id"])
        )
        return {row["res_id"]: row["access_token"] for row in found}

    def test_fixture(self):
        self.assertEqual(len(self.my_rating), 1)
        self.assertEqual(len(self.foreign_rating), 1)
        self.assertTrue(self.mine.with_user(self.user_rep).has_access("read"))
        self.assertFalse(self.not_mine.with_user(self.user_rep).has_access("read"))

    def test_tokens_only_with_the_feedback(self):
        """A rep reads the rating of their feedback, not the others' (search_read, read,
        through the feedback); customer service reads all."""
        tokens = self._tokens(self.user_rep)
        self.assertIn(self.mine.id, tokens)
        self.assertNotIn(self.not_mine.id, tokens)
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self.foreign_rating.with_user(self.user_rep).read(["access_token"])
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self.not_mine.with_user(self.user_rep).rating_ids  # noqa: B018
        self.assertEqual(
            self.env["rating.rating"]
            .with_user(self.user_rep)
            .search_count([("access_token", "=", self.foreign_rating.access_token)]),
            0,
        )
        self.assertEqual(
            self.mine.with_user(self.user_rep).rating_ids.access_token,
            self.my_rating.access_token,
        )
        all_tokens = self._tokens(self.user_cs)
        self.assertEqual(all_tokens[self.not_mine.id], self.foreign_rating.access_token)

    def test_no_token_for_other_roles_portal_and_other_companies(self):
        for user in (self.user_employee, self.cs_company_2):
            with self.subTest(user=user.login):
                tokens = self._tokens(user)
                self.assertNotIn(self.mine.id, tokens)
                self.assertNotIn(self.not_mine.id, tokens)
                with self.assertRaises(AccessError), mute_logger(*QUIET):
                    self.my_rating.with_user(user).read(["access_token"])
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self._tokens(self.user_portal)
        with self.assertRaises(AccessError), mute_logger(*QUIET):
            self.my_rating.with_user(self.user_portal).read(["access_token"])
        # the other company's customer service handles its own company's feedback
        own = self.Feedback.with_company(self.company_2).create(
            {
                "name": "Company 2 complaint",
                "partner_id": self.other_customer.id,
                "company_id": self.company_2.id,
                "user_id": False,
                "team_id": False,
            }
        )
        token = own._rating_get_access_token()
        self.assertEqual(self._tokens(self.cs_company_2), {own.id: token})

    def test_nobody_changes_ratings_of_feedback(self):
        system_admin = self.env.ref("base.user_admin")
        for user in (self.user_rep, self.user_cs, self.user_admin, system_admin):
            for attempt in (
                lambda rating: rating.write({"rating": 5}),
                lambda rating: rating.write({"access_token": "forged"}),
                lambda rating: rating.unlink(),
            ):
                with (
                    self.subTest(user=user.login),
                    self.assertRaises(AccessError),
                    mute_logger(*QUIET),
                    self.env.cr.savepoint(),
                ):
                    attempt(self.my_rating.with_user(user))
        self.assertEqual((self.my_rating.rating, self.my_rating.consumed), (0, False))
        self.assertEqual(self.mine.satisfaction, 0)

    def test_ratings_of_other_models_work_as_in_odoo(self):
        rating = self.partner_rating.with_user(self.user_employee)
        self.assertEqual(rating.read(["rating"])[0]["rating"], 3)
        rating.write({"feedback": "Edited by an employee, as Odoo allows"})
        self.assertEqual(self.partner_rating.feedback, "Edited by an employee, as Odoo allows")
        found = (
            self.env["rating.rating"]
            .with_user(self.user_rep)
            .search([("res_model", "=", "res.partner"), ("id", "=", self.partner_rating.id)])
        )
        self.assertEqual(found, self.partner_rating)
        created = (
            self.env["rating.rating"]
            .with_user(self.user_employee)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.customer.id,
                    "rating": 5,
                }
            )
        )
        self.assertTrue(created.access_token)

    def test_only_whole_ratings_from_one_to_five(self):
        """2.5 was rounded to 2: any fraction is refused, from the page (as the system)
        or in a message."""
        token = self.my_rating.access_token
        for rate in (2.5, "2.5", 4.999, 0.5, 1e308, float("nan"), float("inf")):
            with (
                self.subTest(rate=rate),
                self.assertRaisesRegex(ValidationError, "whole number between 1"),
                self.env.cr.savepoint(),
            ):
                self.mine.sudo().rating_apply(rate, token=token)
            with (
                self.subTest(rate=rate, via="message"),
                self.assertRaisesRegex(ValidationError, "whole number between 1"),
                self.env.cr.savepoint(),
            ):
                self.mine.sudo().message_post(body="stars", rating_value=rate)
        self.assertEqual((self.mine.satisfaction, self.mine.state), (0, "resolved"))
        self.assertFalse(self.my_rating.consumed)
        self.mine.sudo().rating_apply(2.0, token=token)
        self.assertEqual((self.mine.satisfaction, self.mine.state), (2, "in_progress"))
