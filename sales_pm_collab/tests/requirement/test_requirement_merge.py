from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import RequirementCommon


@tagged("post_install", "-at_install")
class TestRequirementMerge(RequirementCommon):
    """Spec 4: merging duplicates keeps everything on the master, nothing lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead_a = cls._lead(cls.contact_a, 100000, probability=50)
        cls.lead_a2 = cls._lead(cls.contact_a2, 40000, probability=50)
        cls.lead_b = cls._lead(cls.contact_b, 60000, probability=50)
        cls.master = cls._requirement(
            "Offline mode",
            description="<p>Keep selling offline.</p>",
            lead_ids=[Command.set([cls.lead_a.id])],
            partner_ids=[Command.set([cls.customer_a.id])],
            stage_id=cls.stage_review.id,
        )
        cls.dup1 = cls._requirement(
            "POS works without internet",
            description="<p>Convenience stores lose the network daily.</p>",
            requested_by_id=cls.user_cs.id,
            lead_ids=[Command.set([cls.lead_a2.id, cls.lead_b.id])],
            partner_ids=[Command.set([cls.customer_a.id, cls.customer_b.id])],
            priority="3",
        )
        cls.dup2 = cls._requirement(
            "Offline cash sales", partner_ids=[Command.set([cls.customer_c.id])]
        )

    def test_merge_keeps_everything_on_the_master(self):
        follower = self.env["res.partner"].create({"name": "Follower", "email": "f@example.com"})
        self.dup1.message_subscribe(partner_ids=follower.ids)
        message = self.dup1.message_post(body="Customer insists", message_type="comment")
        attachment = self.env["ir.attachment"].create(
            {
                "name": "spec.txt",
                "raw": b"spec",
                "res_model": self.dup1._name,
                "res_id": self.dup1.id,
            }
        )
        activity = self.dup1.activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.user_pm.id
        )
        dup_message_ids = set(self.dup1.message_ids.ids)

        (self.dup1 | self.dup2).with_user(self.user_pm).action_merge_into(self.master.id)

        master = self.master
        self.assertEqual(master.lead_ids, self.lead_a | self.lead_a2 | self.lead_b)
        self.assertEqual(master.partner_ids, self.customer_a | self.customer_b | self.customer_c)
        # demand counts customer A once although it asked three times
        self.assertEqual(master.customer_count, 3)
        self.assertEqual(master.opportunity_count, 3)
        self.assertAlmostEqual(master.revenue_at_stake, 100000)
        # followers: the requester of the duplicate and its other followers
        self.assertIn(follower, master.message_partner_ids)
        self.assertIn(self.user_cs.partner_id, master.message_partner_ids)
        # messages re-parented, not copied
        self.assertEqual(message.res_id, master.id)
        self.assertTrue(dup_message_ids <= set(master.message_ids.ids))
        self.assertEqual(attachment.res_id, master.id)
        self.assertEqual(activity.res_id, master.id)
        # master takes the highest priority and the duplicates' descriptions
        self.assertEqual(master.priority, "3")
        self.assertIn("Convenience stores lose the network daily.", master.description)
        self.assertIn("Merged duplicates into this requirement", master.message_ids[0].body)
        # the duplicates are archived with a link to the master, emptied of demand
        for duplicate in self.dup1 | self.dup2:
            self.assertFalse(duplicate.active)
            self.assertEqual(duplicate.merged_into_id, master)
            self.assertFalse(duplicate.lead_ids)
            self.assertEqual(duplicate.customer_count, 0)
            self.assertIn("Merged into", duplicate.message_ids[0].body)
        self.assertEqual(master.merged_ids, self.dup1 | self.dup2)
        # the deals now point to the master only
        self.assertEqual(self.lead_b.requirement_ids, master)

    def test_master_as_id_text_or_record(self):
        """Over RPC the master is an id (or its text, or a one-id list); in Python it may
        also be the record itself."""
        dup3 = self._requirement("Offline receipts")
        dup4 = self._requirement("Offline refunds")
        for duplicate, master in (
            (self.dup1, self.master.id),
            (self.dup2, str(self.master.id)),
            (dup3, [self.master.id]),
        ):
            with self.subTest(master=master):
                result = self._rpc(
                    self.user_pm, "product.requirement", "action_merge_into", duplicate.ids, master
                )
                self.assertIs(result, True)
                self.assertEqual(duplicate.merged_into_id, self.master)
                self.assertFalse(duplicate.active)
        self.assertIs(dup4.with_user(self.user_pm).action_merge_into(self.master), True)
        self.assertEqual(self.master.merged_ids, self.dup1 | self.dup2 | dup3 | dup4)

    def test_merge_over_rpc_refused_to_others(self):
        for user in (self.user_rep, self.user_cs, self.user_sales_manager, self.user_channel):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._rpc(
                    user, "product.requirement", "action_merge_into", self.dup2.ids, self.master.id
                )
        self.assertTrue(self.dup2.active)

    def test_refuses_unknown_master(self):
        for master in (0, -1, 999999999, "abc", [], [1, 2], self.env["res.partner"].browse(1)):
            with self.subTest(master=master):
                with self.assertRaisesRegex(UserError, "Choose the requirement to merge into"):
                    self.dup1.with_user(self.user_pm).action_merge_into(master)
        self.assertTrue(self.dup1.active)

    def test_refuses_archived_master(self):
        self.dup2.with_user(self.user_pm).action_merge_into(self.master.id)
        with self.assertRaisesRegex(UserError, "was merged into “Offline mode”: merge into that"):
            self.dup1.with_user(self.user_pm).action_merge_into(self.dup2.id)
        self.master.active = False
        with self.assertRaisesRegex(UserError, "is archived: restore it first"):
            self.dup1.with_user(self.user_pm).action_merge_into(self.master.id)
        self.assertTrue(self.dup1.active)

    def test_refuses_self_merge(self):
        with self.assertRaisesRegex(UserError, "cannot be merged into itself"):
            (self.master | self.dup1).with_user(self.user_pm).action_merge_into(self.master.id)
        self.assertTrue(self.dup1.active)

    def test_refuses_cross_company_merge(self):
        other_company = self.env["res.company"].create({"name": "Other Requirement Co"})
        self.user_rep.company_ids = [Command.link(other_company.id)]
        foreign = self._requirement(
            "Offline elsewhere", company_id=other_company.id, team_id=False, user_id=False
        )
        with self.assertRaisesRegex(UserError, "different companies cannot be merged"):
            foreign.action_merge_into(self.master.id)
        self.assertTrue(foreign.active)

    def test_refuses_missing_master(self):
        with self.assertRaisesRegex(UserError, "Choose the requirement to merge into"):
            self.dup1.action_merge_into(False)

    def test_only_product_managers_merge(self):
        with self.assertRaises(AccessError):
            self.dup2.with_user(self.user_rep).action_merge_into(self.master.id)
        with self.assertRaises(AccessError):
            self.dup2.with_user(self.user_sales_manager).action_merge_into(self.master.id)

    def test_merge_wizard(self):
        requirements = self.master | self.dup1 | self.dup2
        action = requirements.with_user(self.user_pm).action_merge()
        form = Form(
            self.env[action["res_model"]].with_user(self.user_pm).with_context(**action["context"])
        )
        # proposes the one with the most customers behind it
        self.assertEqual(form.master_id, self.dup1)
        form.master_id = self.master
        wizard = form.save()
        result = wizard.action_merge()
        self.assertEqual(result["res_id"], self.master.id)
        self.assertFalse((self.dup1 | self.dup2).filtered("active"))

    def test_merge_wizard_needs_two(self):
        wizard = (
            self.env["product.requirement.merge.wizard"]
            .with_user(self.user_pm)
            .create({"requirement_ids": [Command.set(self.dup1.ids)]})
        )
        with self.assertRaisesRegex(UserError, "at least two"):
            wizard.action_merge()
