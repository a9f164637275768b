from odoo.tests import tagged

from ..common import TrackingCommon
from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelLang(ChannelCommon, TrackingCommon):
    """Texts the system writes about an evaluation are read in the reader's language: the
    gap note is rendered from its data for each reader, the summary note is written in
    the channel manager's language and the result e-mail in the partner's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("zh_CN", "zh_TW"):
            cls.env["res.lang"]._activate_lang(code)

    def _applied(self, evaluation):
        evaluation = evaluation.with_user(self.user_channel).with_context(lang="en_US")
        evaluation.action_submit()
        evaluation.action_approve()
        evaluation.action_apply()
        return evaluation

    def test_gap_note_in_the_readers_language(self):
        self._gold_figures(self.dist_a)
        # the evaluation runs in English...
        evaluation = self._evaluate(self.dist_a).with_context(lang="en_US")
        self.assertEqual(
            evaluation.gap_note,
            f"revenue +{self._money('14,000')}; 1 new customer; satisfaction not measured",
        )
        # ... and a Chinese reader reads it in Chinese, on the evaluation and the card
        self.assertEqual(
            evaluation.with_context(lang="zh_CN").gap_note,
            f"收入 +{self._money('14,000')}；1 个新客户；满意度未统计",
        )
        self.assertEqual(
            self.dist_a.with_context(lang="zh_TW").channel_gap_note,
            f"收入 +{self._money('14,000')}；1 個新客戶；滿意度未統計",
        )
        self.assertEqual(
            self.dist_a.with_context(lang="en_US").channel_gap_note,
            f"revenue +{self._money('14,000')}; 1 new customer; satisfaction not measured",
        )

    def test_failing_and_top_notes_in_the_readers_language(self):
        self.grade_gold.demotion_grace = 2
        self.dist_a.grade_id = self.grade_gold
        self._silver_figures(self.dist_a)
        evaluation = self._evaluate(self.dist_a)
        self.assertIn("failing 1 of 2 before demotion", evaluation.gap_note)
        self.assertIn("已连续 1 次未达标", evaluation.with_context(lang="zh_CN").gap_note)

    def test_summary_note_in_the_channel_managers_language(self):
        self.user_channel.lang = "zh_CN"
        self._gold_figures(self.dist_a)
        # the buttons are pressed in an English session (the context's language)
        self._applied(self._evaluate(self.dist_a))
        note = self.dist_a.message_ids.filtered(lambda m: "2024-01-01" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("等级评估已生效", note.body)
        self.assertIn(f"收入 +{self._money('14,000', html=True)}", note.body)

    def test_result_email_in_the_partners_language(self):
        self.dist_a.lang = "zh_CN"
        self.dist_a.channel_manager_id = False
        self._gold_figures(self.dist_a)
        evaluation = self._evaluate(self.dist_a)
        evaluation.sudo().notify_partner = True
        self._applied(evaluation)
        mail = evaluation.message_ids.filtered(lambda m: self.dist_a in m.partner_ids)
        self.assertEqual(len(mail), 1)
        self.assertIn("尊敬的", mail.body)
        self.assertIn(
            f"收入 +{self._money('14,000', html=True)}；1 个新客户；满意度未统计", mail.body
        )
        self.assertNotIn("revenue", mail.body)
