from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelSatisfaction(ChannelCommon):
    """The satisfaction KPI: the average satisfaction of the feedback of a channel
    partner's customers (customer companies of opportunities won with it by the end of
    the window) rated in the window, against hand-computed figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        # A's customers: X (won twice in the window, once through its buyer) and Y (won
        # before the window, still A's customer); B's customers: Y and Z
        cls._won_deal(cls.dist_a, cls.customer_x_contact, date(2024, 2, 1))
        cls._won_deal(cls.dist_a, cls.customer_x, date(2024, 8, 1))
        cls._won_deal(cls.dist_a, cls.customer_y, date(2023, 5, 1))
        cls._won_deal(cls.dist_b, cls.customer_y, date(2024, 4, 1))
        cls._won_deal(cls.dist_b, cls.customer_z, date(2024, 3, 1))
        # not A's customers in 2024: a lost deal, a deal won after the window, no channel
        cls.customer_lost = Partner.create({"name": "T-Lost Co", "is_company": True})
        lost = cls.env["crm.lead"].create(
            {
                "name": "T-lost",
                "type": "opportunity",
                "partner_id": cls.customer_lost.id,
                "channel_partner_id": cls.dist_a.id,
            }
        )
        lost.action_set_lost()
        cls.customer_late = Partner.create({"name": "T-Late Co", "is_company": True})
        cls._won_deal(cls.dist_a, cls.customer_late, date(2025, 1, 5))
        cls.customer_direct = Partner.create({"name": "T-Direct Co", "is_company": True})
        cls._won_deal(False, cls.customer_direct, date(2024, 2, 1))

    def _evaluation(self, partner, evaluations):
        return evaluations.filtered(lambda e: e.partner_id == partner)

    def test_average_over_customers_and_feedback(self):
        rated = self._rated_feedback
        a_feedback = (
            rated(self.customer_x, 5, datetime(2024, 3, 10, 9))
            # logged for the buyer: counts for X, the customer company
            | rated(self.customer_x_contact, 4, datetime(2024, 6, 1, 9))
            # reopened after an unhappy rating: what the customer said still counts
            | rated(self.customer_y, 2, datetime(2024, 11, 20, 9), state="in_progress")
        )
        z_feedback = rated(self.customer_z, 4, datetime(2024, 5, 5, 9))
        # left out: cancelled, not rated yet, customers that are not A's
        rated(self.customer_x, 1, datetime(2024, 4, 1, 9), state="cancelled")
        rated(self.customer_x, 0, False, state="resolved")
        rated(self.customer_lost, 1, datetime(2024, 4, 1, 9))
        rated(self.customer_late, 1, datetime(2024, 4, 1, 9))
        rated(self.customer_direct, 1, datetime(2024, 4, 1, 9))
        evaluations = self._evaluate(self.dist_a | self.dist_b)
        ev_a = self._evaluation(self.dist_a, evaluations)
        ev_b = self._evaluation(self.dist_b, evaluations)
        # A: X 5 and 4, Y 2 (each once, though X was won twice): 11 / 3 = 3.666... -> 3.67
        self.assertTrue(ev_a.satisfaction_measured)
        self.assertEqual(ev_a.satisfaction, 3.67)
        self.assertEqual(ev_a.satisfaction_count, 3)
        # B: Y 2 and Z 4 = 3.0 (Y's feedback counts for both its channel partners)
        self.assertTrue(ev_b.satisfaction_measured)
        self.assertEqual(ev_b.satisfaction, 3.0)
        self.assertEqual(ev_b.satisfaction_count, 2)
        # the drill-down opens exactly the feedback behind each figure
        Feedback = self.env["customer.feedback"]
        for evaluation, expected in (
            (ev_a, a_feedback),
            (ev_b, z_feedback | a_feedback.filtered(lambda f: f.partner_id == self.customer_y)),
        ):
            action = evaluation.action_view_satisfaction_feedback()
            self.assertEqual(action["res_model"], "customer.feedback")
            self.assertEqual(Feedback.search(action["domain"]), expected)
        # the partner's last KPIs
        self.assertEqual(self.dist_a.channel_satisfaction, 3.67)
        self.assertTrue(self.dist_a.channel_satisfaction_measured)
        # the summary posted when applied
        # the figure the level compares: 2 decimals
        self.assertIn("satisfaction 3.67,", ev_a._summary_html())

    def test_window_boundaries(self):
        rated = self._rated_feedback
        inside = rated(self.customer_x, 5, datetime(2024, 1, 1, 0, 0, 0)) | rated(
            self.customer_x, 3, datetime(2024, 12, 31, 23, 59, 59)
        )
        rated(self.customer_x, 1, datetime(2023, 12, 31, 23, 59, 59))
        rated(self.customer_x, 1, datetime(2025, 1, 1, 0, 0, 0))
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual((evaluation.satisfaction, evaluation.satisfaction_count), (4.0, 2))
        action = evaluation.action_view_satisfaction_feedback()
        self.assertEqual(self.env["customer.feedback"].search(action["domain"]), inside)
        # next year: T-Late Co, won in January 2025, is now A's customer too
        late = rated(self.customer_late, 2, datetime(2025, 2, 1, 9))
        later = self._evaluate(self.dist_a, date(2025, 1, 1), date(2025, 12, 31))
        self.assertEqual((later.satisfaction, later.satisfaction_count), (1.5, 2))
        action = later.action_view_satisfaction_feedback()
        self.assertIn(late, self.env["customer.feedback"].search(action["domain"]))

    def test_rating_and_revisit_flows_feed_the_kpi(self):
        """Satisfaction recorded the real ways: the rating e-mail and the revisit."""
        feedback = self._rated_feedback(self.customer_x, 0, False, state="in_progress")
        other = self._rated_feedback(self.customer_y, 0, False, state="in_progress")
        with freeze_time("2024-06-10 08:00:00"):
            (feedback | other).action_resolve()
            feedback.rating_apply(1, token=feedback._rating_get_access_token())
            self.env["customer.feedback.revisit"].create(
                {"feedback_id": other.id, "satisfaction": "4"}
            ).action_confirm()
        self.assertEqual((feedback.state, feedback.followup_count), ("in_progress", 1))
        self.assertEqual(other.state, "closed")
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual((evaluation.satisfaction, evaluation.satisfaction_count), (2.5, 2))

    def test_no_rated_feedback_is_not_measured(self):
        """Platinum asks a satisfaction of 4: without rated feedback it is not met, even
        when every other criterion is."""
        self._gold_figures(self.dist_a)
        self._pay(self._invoice(self.dist_a, 15000, date(2024, 3, 1), due=date(2024, 3, 2)))
        newcomer = self.env["res.partner"].create({"name": "T-New Co", "is_company": True})
        self._won_deal(self.dist_a, newcomer, date(2024, 6, 1))
        self._rated_feedback(newcomer, 0, False, state="resolved")
        self._rated_feedback(newcomer, 5, datetime(2024, 7, 1, 9), state="cancelled")
        evaluation = self._evaluate(self.dist_a)
        self.assertFalse(evaluation.satisfaction_measured)
        self.assertEqual((evaluation.satisfaction, evaluation.satisfaction_count), (0, 0))
        self.assertEqual(evaluation.grade_recommended_id, self.grade_gold)
        self.assertEqual(evaluation.gap_note, "satisfaction not measured")
        self.assertFalse(self.dist_a.channel_satisfaction_measured)
        self.assertIn("satisfaction not measured", evaluation._summary_html())
        action = evaluation.action_view_satisfaction_feedback()
        self.assertFalse(self.env["customer.feedback"].search(action["domain"]))
        # one rating of 4 and Platinum is met
        self._rated_feedback(newcomer, 4, datetime(2024, 7, 2, 9))
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual(evaluation.grade_recommended_id, self.grade_platinum)
        self.assertTrue(self.dist_a.channel_satisfaction_measured)

    def test_other_company_feedback_ignored(self):
        other = self.env["res.company"].create({"name": "T-Other Co"})
        self._rated_feedback(
            self.customer_x,
            1,
            datetime(2024, 3, 1, 9),
            company_id=other.id,
            user_id=False,
            team_id=False,
        )
        self._rated_feedback(self.customer_x, 4, datetime(2024, 3, 1, 9))
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual((evaluation.satisfaction, evaluation.satisfaction_count), (4.0, 1))

    def test_queries_do_not_grow_with_partners(self):
        Partner = self.env["res.partner"]

        def partners_with_rated_customers(prefix, count):
            partners = Partner.create(
                [
                    {"name": f"T-{prefix}{i}", "is_company": True, "channel_type": "retailer"}
                    for i in range(count)
                ]
            )
            customers = Partner.create(
                [{"name": f"T-{prefix}{i} customer", "is_company": True} for i in range(count)]
            )
            for partner, customer in zip(partners, customers, strict=True):
                self._won_deal(partner, customer, date(2024, 3, 1))
                self._rated_feedback(customer, 4, datetime(2024, 4, 1, 9))
            return partners

        warm = partners_with_rated_customers("w", 2)
        few = partners_with_rated_customers("q", 2)
        many = partners_with_rated_customers("Q", 12)
        counts = []
        for partners in (warm, few, many):  # the first run warms the registry caches
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            evaluations = self._evaluate(partners)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(set(evaluations.mapped("satisfaction")), {4.0})
        self.assertEqual(counts[2], counts[1], "queries must not grow with the partners")


@tagged("post_install", "-at_install")
class TestChannelSatisfactionAccess(ChannelCommon):
    """Channel managers read, and only read, the feedback of channel partners and of
    their customers: the feedback behind the satisfaction figure."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._won_deal(cls.dist_a, cls.customer_x, date(2024, 2, 1))
        cls.fb_customer = cls._rated_feedback(cls.customer_x, 4, datetime(2024, 3, 1, 9))
        cls.fb_partner = cls._rated_feedback(cls.dist_b, 3, datetime(2024, 3, 1, 9))
        # Z is no channel partner's customer: an open (not won) deal does not make it one
        cls.env["crm.lead"].create(
            {
                "name": "T-open",
                "type": "opportunity",
                "partner_id": cls.customer_z.id,
                "channel_partner_id": cls.dist_a.id,
            }
        )
        cls.fb_other = cls._rated_feedback(cls.customer_z, 5, datetime(2024, 3, 1, 9))
        cls.mine = cls.fb_customer | cls.fb_partner | cls.fb_other

    def test_channel_manager_reads_channel_feedback_only(self):
        Feedback = self.env["customer.feedback"].with_user(self.user_channel)
        self.assertEqual(
            Feedback.search([("id", "in", self.mine.ids)]), self.fb_customer | self.fb_partner
        )
        with self.assertRaises(AccessError):
            self.fb_other.with_user(self.user_channel).read(["name"])
        self.assertEqual(
            Feedback.search([("channel_partner_ids", "in", self.dist_a.ids)]), self.fb_customer
        )
        self.assertEqual(self.fb_customer.channel_partner_ids, self.dist_a)
        self.assertFalse(self.fb_other.channel_partner_ids)

    def test_channel_manager_cannot_write_create_or_delete(self):
        feedback = self.fb_customer.with_user(self.user_channel)
        with self.assertRaises(AccessError):
            feedback.write({"priority": "high"})
        with self.assertRaises(AccessError):
            feedback.unlink()
        with self.assertRaises(AccessError):
            self.env["customer.feedback"].with_user(self.user_channel).create(
                {"name": "T-no", "partner_id": self.customer_x.id}
            )
        fresh = self._rated_feedback(self.customer_x, 0, False, state="new")
        with self.assertRaises(AccessError):
            fresh.with_user(self.user_channel).action_acknowledge()

    def test_drill_down_opens_for_the_channel_manager(self):
        evaluation = self._evaluate(self.dist_a)
        self.assertEqual((evaluation.satisfaction, evaluation.satisfaction_count), (4.0, 1))
        action = evaluation.action_view_satisfaction_feedback()
        Feedback = self.env["customer.feedback"].with_user(self.user_channel)
        self.assertEqual(Feedback.search(action["domain"]), self.fb_customer)
        views = Feedback.get_views(action["views"])["views"]
        self.assertIn('name="satisfaction_measure"', views["list"]["arch"])
        self.assertEqual(action["display_name"], "Customer satisfaction of T-Dist A")
        self.assertIn('edit="False"', views["form"]["arch"])
        form = Form(self.fb_customer.with_user(self.user_channel))
        self.assertEqual(form.satisfaction, 4)

    def test_a_role_with_both_rules_keeps_its_own_write_rights(self):
        """A rep who is also a channel manager edits the feedback of their own customers
        only: the channel managers' rule is read-only."""
        self.user_rep.group_ids |= self.env.ref("sales_pm_collab.group_collab_channel_manager")
        own = (
            self.env["customer.feedback"]
            .with_user(self.user_rep)
            .create({"name": "T-logged by the rep", "partner_id": self.customer_y.id})
        )
        self.assertEqual(
            self.env["customer.feedback"]
            .with_user(self.user_rep)
            .search([("id", "in", (self.mine | own).ids)]),
            self.fb_customer | self.fb_partner | own,
        )
        own.with_user(self.user_rep).write({"priority": "high"})
        with self.assertRaises(AccessError):
            self.fb_customer.with_user(self.user_rep).write({"priority": "high"})
