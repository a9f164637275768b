from odoo.tests import HttpCase, new_test_user, tagged

from ..common import MODULE


@tagged("post_install", "-at_install", "collab_ui")
class TestUiChannelLadderColumns(HttpCase):
    """In the browser, the channel partners kanban keeps the server's column order: the
    ladder highest first and the partners without a level in the last column."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="ladder_cm",
            groups=f"base.group_user,{MODULE}.group_collab_channel_manager",
            name="Ladder Channel Manager",
        )
        top = cls.env["res.partner.grade"].create({"name": "T-Top", "sequence": 1})
        cls.env["res.partner"].create(
            [
                {
                    "name": "T-Leveled",
                    "is_company": True,
                    "channel_type": "agent",
                    "grade_id": top.id,
                },
                {"name": "T-Unleveled", "is_company": True, "channel_type": "agent"},
            ]
        )

    def test_no_level_column_last(self):
        self.start_tour(
            f"/odoo/action-{MODULE}.action_channel_partners",
            "sales_pm_collab_channel_ladder_columns",
            login="ladder_cm",
        )
