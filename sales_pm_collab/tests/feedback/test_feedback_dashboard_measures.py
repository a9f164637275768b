from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import QUIET, FeedbackCommon

ROLES = ("rep", "cs", "pm", "channel", "finance", "sales_manager", "employee", "admin")
FORGED_CONTEXTS = {
    "none": {},
    "default_keys": {"default_reopen_rate": 0.0, "default_followup_count": 0},
    "core_switches": {"tracking_disable": True, "install_mode": True, "import_file": True},
}


@tagged("post_install", "-at_install")
class TestFeedbackDashboardMeasures(FeedbackCommon):
    """The customer service dashboard's reopen rate: the share of feedback reopened at
    least once, stored from the follow-up count the reopen step increments."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy("Standard", first=4, resolve=16)

    def _resolved(self, name):
        feedback = self._feedback(name=name, root_cause="Paper sensor", solution="Replaced it")
        feedback.action_resolve()
        return feedback

    def test_reopen_rate(self):
        once = self._resolved("Dashboard: reopened once")
        twice = self._resolved("Dashboard: reopened twice")
        never = self._resolved("Dashboard: never reopened")
        untouched = self._feedback(name="Dashboard: still new")
        self.assertEqual(once.reopen_rate, 0.0)
        once.with_user(self.user_cs).action_reopen()
        for _round in range(2):
            twice.with_user(self.user_cs).action_reopen()
            twice.action_resolve()
        never.action_close()
        self.env.flush_all()
        self.assertEqual((once.followup_count, twice.followup_count), (1, 2))
        self.assertEqual(
            (once | twice | never | untouched).mapped("reopen_rate"), [100.0, 100.0, 0.0, 0.0]
        )
        # the dashboard's pivot: 2 of 4 reopened = 50 %, 3 follow-ups in all
        [(count, rate, followups)] = self.Feedback._read_group(
            [("id", "in", (once | twice | never | untouched).ids)],
            [],
            ["__count", "reopen_rate:avg", "followup_count:sum"],
        )
        self.assertEqual((count, followups), (4, 3))
        self.assertAlmostEqual(rate, 50.0)

    def test_reopen_rate_refused_on_write_and_create(self):
        target = self._resolved("Dashboard: target")
        before = target.sudo().read(["reopen_rate", "followup_count", "state"])
        count = self.Feedback.sudo().search_count([])
        for role in ROLES:
            user = getattr(self, f"user_{role}")
            for label, context in FORGED_CONTEXTS.items():
                with self.subTest(role=role, context=label):
                    hostile = target.with_user(user).with_context(**context)
                    with self.assertRaises(UserError), mute_logger(*QUIET):
                        hostile.write({"reopen_rate": 100.0})
                    with self.assertRaises(UserError), mute_logger(*QUIET):
                        hostile.browse().create(
                            {
                                "name": "Forged reopen rate",
                                "partner_id": self.customer.id,
                                "kind": "complaint",
                                "reopen_rate": 0.0,
                            }
                        )
        self.env.invalidate_all()
        self.assertEqual(target.sudo().read(["reopen_rate", "followup_count", "state"]), before)
        self.assertEqual(self.Feedback.sudo().search_count([]), count)
