from odoo.tests import tagged

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelKanban(ChannelCommon):
    """The Channel Partners kanban, grouped by level: one column per level of the
    ladder, highest first, whatever way the sequence is numbered, empty levels
    included, and the partners without a level last."""

    def _kanban_columns(self, user):
        """The columns of the kanban as the web client loads them (kanban_controller /
        relational model: read_group_expand, no group limit, groups unfolded)."""
        Partner = self.env["res.partner"].with_user(user).with_context(read_group_expand=True)
        result = Partner.web_read_group(
            [("channel_type", "!=", False)],
            ["grade_id"],
            ["__count"],
            auto_unfold=True,
            unfold_read_specification={"display_name": {}},
        )
        return [(g["grade_id"] and g["grade_id"][0], g["__count"]) for g in result["groups"]]

    def test_columns_in_ladder_order_no_level_last(self):
        # numbered bottom-up: the sequence order is the reverse of the ladder
        for sequence, grade in enumerate(
            self.grade_registered | self.grade_silver | self.grade_gold | self.grade_platinum,
            start=1,
        ):
            grade.sequence = sequence
        ladder = self.env["res.partner.grade"]._get_ladder()
        self.assertEqual(
            ladder,
            self.grade_platinum | self.grade_gold | self.grade_silver | self.grade_registered,
        )
        self.dist_a.grade_id = self.grade_silver
        # a partner still holding a level archived since: its column after the ladder,
        # before the partners without a level
        retired = self.env["res.partner.grade"].create({"name": "T-Retired", "sequence": 99})
        holder = self.env["res.partner"].create(
            {
                "name": "T-Holder of a retired level",
                "is_company": True,
                "channel_type": "agent",
                "grade_id": retired.id,
            }
        )
        retired.action_archive()
        self.assertTrue(holder.grade_id)
        columns = self._kanban_columns(self.user_channel)
        grade_ids = [grade_id for grade_id, _count in columns]
        self.assertEqual(grade_ids[: len(ladder)], ladder.ids)
        # then the archived levels still held (the retired one, the demo's), no level last
        self.assertIn(retired.id, grade_ids[len(ladder) : -1])
        self.assertIs(grade_ids[-1], False)
        counts = dict(columns)
        self.assertEqual(counts[self.grade_silver.id], 1)
        self.assertEqual(counts[self.grade_gold.id], 0, "an empty level keeps its column")
        self.assertGreaterEqual(counts[False], 1)  # dist_b, no level yet

    def test_no_level_column_title(self):
        """The column of the partners without a level is titled "No level" in the
        reader's language (the field's falsy_value_label, which the kanban, list, pivot
        and graph show for an empty level), not the web client's generic "None"."""
        self.assertIs(self._kanban_columns(self.user_channel)[-1][0], False)
        Partner = self.env["res.partner"].with_user(self.user_channel)
        for lang, title in (("en_US", "No level"), ("zh_CN", "无等级"), ("zh_TW", "無等級")):
            with self.subTest(lang=lang):
                description = Partner.with_context(lang=lang).fields_get(
                    ["grade_id"], ["falsy_value_label"]
                )
                self.assertEqual(description["grade_id"]["falsy_value_label"], title)
        # the kanban view the channel app opens gets the same label with its fields
        view = self.env.ref("sales_pm_collab.view_res_partner_kanban_channel")
        views = Partner.with_context(lang="zh_CN").get_views([(view.id, "kanban")])
        self.assertEqual(
            views["models"]["res.partner"]["fields"]["grade_id"]["falsy_value_label"], "无等级"
        )
