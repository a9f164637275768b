from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import FeedbackCommon

STATES = ("new", "acknowledged", "in_progress", "resolved", "closed", "cancelled")


@tagged("post_install", "-at_install")
class TestFeedbackLayout(FeedbackCommon):
    """The feedback form's header: at most three buttons in any state (the other steps
    in the gear menu), none on an unsaved record. The browser checks the same on
    screen (tests/feedback/test_ui_feedback_layout.py)."""

    def _header_buttons(self, **values):
        arch = self.Feedback.get_views([(False, "form")])["views"]["form"]["arch"]
        header = etree.fromstring(arch).find(".//header")
        context = {"id": 1, "can_edit": True, "requirement_id": False, **values}
        return [
            button
            for button in header.iter("button")
            if not safe_eval(button.get("invisible", "False"), context)
        ]

    def test_at_most_three_header_buttons_in_any_state(self):
        for state in STATES:
            with self.subTest(state=state):
                buttons = self._header_buttons(state=state)
                self.assertLessEqual(len(buttons), 3, [b.get("string") for b in buttons])
                primary = [b for b in buttons if "btn-primary" in (b.get("class") or "")]
                self.assertLessEqual(len(primary), 1)
        self.assertEqual(
            [b.get("name") for b in self._header_buttons(state="new")],
            ["action_acknowledge", "action_start", "action_resolve"],
        )

    def test_no_header_button_on_an_unsaved_record(self):
        for state in STATES:
            with self.subTest(state=state):
                self.assertFalse(self._header_buttons(id=False, state=state))

    def test_other_steps_in_the_gear_menu(self):
        """Cancel and the links to requirements are form actions (the gear menu), for
        the roles that had the buttons; the methods keep their checks."""
        actions = self.env["ir.actions.server"].search(
            [("binding_model_id.model", "=", "customer.feedback")]
        )
        in_form = actions.filtered(lambda a: "form" in (a.binding_view_types or ""))
        codes = {action.code.strip() for action in in_form}
        self.assertIn("records.action_cancel()", codes)
        self.assertIn("action = records.action_create_requirement()", codes)
        self.assertIn("action = records.action_link_requirement()", codes)
        for action in in_form:
            self.assertTrue(action.group_ids, action.name)
            self.assertNotIn(self.env.ref("base.group_user"), action.group_ids)
        feedback = self._feedback()
        gear = in_form.filtered(lambda a: "action_cancel" in a.code)
        gear.with_user(self.user_cs).with_context(
            active_model="customer.feedback", active_id=feedback.id, active_ids=feedback.ids
        ).run()
        self.assertEqual(feedback.state, "cancelled")
