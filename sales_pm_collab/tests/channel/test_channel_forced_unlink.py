"""The uninstall flag (`_force_unlink`) sent by a caller skips no check.

Odoo sets ``_force_unlink`` (``MODULE_UNINSTALL_FLAG``) when it uninstalls a module, as
the superuser, and every ``@api.ondelete(at_uninstall=False)`` check is then skipped. A
client can put the same key in the context of any RPC call: the addon drops it for every
caller but the superuser (`unlink` of collab.guard.mixin, which the addon's models and its
extensions of partners, journal entries and items inherit)."""

from odoo.tests import new_test_user, tagged

from ...models.collab_guard_mixin import without_forced_unlink
from .common import ChannelHostileCommon

FORCED = {"_force_unlink": True}


@tagged("post_install", "-at_install")
class TestChannelForcedUnlink(ChannelHostileCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        mine = cls.evaluation.with_user(cls.user_channel)
        mine.action_submit()
        mine.action_approve()
        mine.action_apply()
        cls.contact_manager = new_test_user(
            cls.env,
            login="t_contact_manager",
            groups="base.group_user,base.group_partner_manager",
        )

    def test_applied_evaluation_stays_whatever_the_flag(self):
        self.assertEqual(self.evaluation.state, "applied")
        for role in ("channel", "admin"):
            with self.subTest(role=role):
                attack = self.evaluation.with_user(self._user(role)).with_context(**FORCED).unlink
                self._assert_refused(self.evaluation, ["state", "partner_id"], attack)
                self.assertTrue(self.evaluation.exists())

    def test_evaluated_partner_stays_whatever_the_flag(self):
        attack = self.dist_a.with_user(self.contact_manager).with_context(**FORCED).unlink
        self._assert_refused(self.dist_a, ["name", "grade_id"], attack)
        self.assertTrue(self.dist_a.exists())

    def test_only_the_superuser_keeps_the_flag(self):
        forced = self.evaluation.with_context(**FORCED)
        self.assertTrue(without_forced_unlink(forced.sudo()).env.context["_force_unlink"])
        for user in (self.user_channel, self.contact_manager):
            with self.subTest(user=user.login):
                records = without_forced_unlink(forced.with_user(user))
                self.assertFalse(records.env.context["_force_unlink"])
