from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon

MODULE = "sales_pm_collab"

# login -> groups of the test users every feature's tests can rely on
ROLE_GROUPS = {
    "t_rep": f"{MODULE}.group_collab_sales_rep",
    "t_cs": f"{MODULE}.group_collab_customer_service",
    "t_pm": f"{MODULE}.group_collab_product_manager",
    "t_channel": f"{MODULE}.group_collab_channel_manager",
    "t_finance": f"{MODULE}.group_collab_finance",
    "t_admin": f"{MODULE}.group_collab_admin",
    # a sales manager of core Sales, without any role of this app
    "t_sales_manager": "sales_team.group_sale_manager",
    # a plain internal user, without any role of this app
    "t_employee": "base.group_user",
}


class CollabCommon(BaseCommon):
    """One user per role, created by the test (demo data is not relied upon)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = {
            # every role user is an employee (the demo users too): groups plus base.group_user
            login: new_test_user(
                cls.env, login=login, groups=f"base.group_user,{groups}", name=login.title()
            )
            for login, groups in ROLE_GROUPS.items()
        }
        cls.user_rep = users["t_rep"]
        cls.user_cs = users["t_cs"]
        cls.user_pm = users["t_pm"]
        cls.user_channel = users["t_channel"]
        cls.user_finance = users["t_finance"]
        cls.user_admin = users["t_admin"]
        cls.user_sales_manager = users["t_sales_manager"]
        cls.user_employee = users["t_employee"]
        cls.user_portal = cls._create_new_portal_user(login="t_portal")

    @classmethod
    def _create_week_calendar(cls, name):
        """Mon-Fri 08:00-12:00 and 13:00-17:00 in UTC: working-hours deadlines read plainly."""
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": "UTC",
                "schedule_type": "fully_fixed",
                "company_id": cls.env.company.id,
                "attendance_ids": [
                    Command.clear(),
                    *(
                        Command.create(
                            {
                                "name": f"day {day} {period}",
                                "dayofweek": str(day),
                                "hour_from": start,
                                "hour_to": stop,
                                "day_period": period,
                            }
                        )
                        for day in range(5)
                        for start, stop, period in ((8, 12, "morning"), (13, 17, "afternoon"))
                    ),
                ],
            }
        )


class TrackingCommon(CollabCommon):
    """The role users, with mail tracking and subscriptions on (BaseCommon switches them
    off): messages, followers and tracking are part of what these tests check."""

    @classmethod
    def default_env_context(cls):
        return {"no_reset_password": True}
