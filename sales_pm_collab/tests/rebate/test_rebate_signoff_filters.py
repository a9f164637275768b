from datetime import date

from odoo.tests import tagged

from .test_portal_rebate import RebatePortalCommon


@tagged("post_install", "-at_install")
class TestRebateSignoffFilters(RebatePortalCommon):
    """The Rebate Accountant finds the disputes: settlement counts of disputed and
    pending statements (searchable), the filters of both lists, the stat button."""

    def _settlements(self, domain):
        Settlement = self.env["rebate.settlement"].with_user(self.user_finance)
        return Settlement.search([("program_id", "=", self.program.id), *domain])

    def test_counts_and_searches_follow_the_signoff(self):
        draft = self._settlement(self.program, date_from=date(2025, 4, 1))
        settlement = self.settlement.with_user(self.user_finance)
        self.assertEqual(
            (settlement.signoff_pending_count, settlement.signoff_disputed_count), (2, 0)
        )
        self.assertEqual(self._settlements([("signoff_pending_count", ">", 0)]), self.settlement)
        self.assertFalse(self._settlements([("signoff_disputed_count", ">", 0)]))
        self.line_a.with_user(self.portal_a).action_portal_dispute("三月发票漏算")
        settlement.invalidate_recordset()
        self.assertEqual(
            (settlement.signoff_pending_count, settlement.signoff_disputed_count), (1, 1)
        )
        self.assertEqual(self._settlements([("signoff_disputed_count", ">", 0)]), self.settlement)
        self.assertEqual(self._settlements([("signoff_disputed_count", "=", 1)]), self.settlement)
        # no dispute: the draft settlement (no statement at all) too
        self.assertEqual(self._settlements([("signoff_disputed_count", "=", 0)]), draft)
        self.line_a.with_user(self.user_finance).action_signoff_resolve()
        self.line_b.with_user(self.portal_b).action_portal_accept()
        settlement.invalidate_recordset()
        self.assertEqual(
            (settlement.signoff_pending_count, settlement.signoff_disputed_count), (0, 0)
        )
        self.assertFalse(self._settlements([("signoff_pending_count", ">", 0)]))

    def test_filters_and_stat_button(self):
        Line = self.env["rebate.settlement.line"].with_user(self.user_finance)
        for model, names in (
            (Line, ("signoff_pending", "signoff_disputed", "group_signoff")),
            (self.env["rebate.settlement"], ("signoff_pending", "signoff_disputed")),
        ):
            arch = model.get_views([(False, "search")])["views"]["search"]["arch"]
            for name in names:
                self.assertIn(f'name="{name}"', arch, model._name)
        self.line_a.with_user(self.portal_a).action_portal_dispute("三月发票漏算")
        action = self.settlement.with_user(self.user_finance).action_view_signoff()
        self.assertEqual(action["res_model"], "rebate.settlement.line")
        self.assertEqual(action["context"]["search_default_signoff_disputed"], 1)
        lines = Line.search(action["domain"] + [("signoff_state", "=", "disputed")])
        self.assertEqual(lines, self.line_a)
        form = self.env["rebate.settlement"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("signoff_disputed_count", form)
