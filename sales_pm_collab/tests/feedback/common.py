from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command
from odoo.tools import SQL, mute_logger

from ..common import MODULE, TrackingCommon

# Monday 2026-03-02, 09:00 UTC (the test calendar is in UTC)
MONDAY = datetime(2026, 3, 2, 9, 0)
# a received date in the future: refused
FAR_FUTURE = datetime(2099, 1, 1, 9, 0)
# the loggers of refused accesses and failed statements, quiet in the hostile tests
QUIET = ("odoo.addons.base.models.ir_rule", "odoo.models", "odoo.sql_db")


class FeedbackCommon(TrackingCommon):
    """Feedback fixtures: a Mon-Fri 08:00-12:00 / 13:00-17:00 calendar (UTC), a team led
    by the sales manager, a customer with a contact, and policies of our own (the
    default policies are archived so they do not interfere)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Feedback = cls.env["customer.feedback"]
        cls.Sla = cls.env["customer.feedback.sla"]
        cls.calendar = cls._create_week_calendar("Test 40h (UTC)")
        cls.Sla.search([]).active = False
        cls.env.company.feedback_escalation_user_id = cls.user_admin
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Feedback Test Team",
                "user_id": cls.user_sales_manager.id,
                "member_ids": [Command.set([cls.user_rep.id, cls.user_cs.id])],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Shanghai Test Retail Co.", "is_company": True, "email": "info@sh.example.com"}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Huang Test", "parent_id": cls.customer.id, "email": "huang@sh.example.com"}
        )
        cls.product = cls.env["product.template"].create({"name": "Test POS Terminal"})

    @classmethod
    def _option(cls, field, value):
        return cls.env.ref(f"{MODULE}.feedback_option_{field}_{value}")

    @classmethod
    def _policy(cls, name, first=2.0, resolve=8.0, kinds=(), priorities=(), **vals):
        return cls.env["customer.feedback.sla"].create(
            {
                "name": name,
                "first_response_hours": first,
                "resolve_hours": resolve,
                "calendar_id": cls.calendar.id,
                "kind_ids": [Command.set([cls._option("kind", k).id for k in kinds])],
                "priority_ids": [Command.set([cls._option("priority", p).id for p in priorities])],
                **vals,
            }
        )

    def _feedback(self, **vals):
        return self.Feedback.create(
            {
                "name": "Printer stops after 200 tickets",
                "partner_id": self.customer.id,
                "contact_id": self.contact.id,
                "kind": "complaint",
                "priority": "normal",
                "user_id": self.user_cs.id,
                "team_id": self.team.id,
                **vals,
            }
        )

    def _activities(self, feedback, xmlid):
        return feedback.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(f"{MODULE}.{xmlid}")
        )

    @contextmanager
    def _cron_progress(self, seconds_left=100.0):
        """Run the cron's batches without committing (a test cannot commit)."""
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=seconds_left
        ) as progress:
            yield progress

    def _assert_sql_refuses(self, record, checks):
        """Each (column, value, constraint) of `checks`, written in SQL on `record`,
        is refused by the named constraint (the safety net under the ORM checks)."""
        for column, value, constraint in checks:
            with (
                self.subTest(column=column, value=value),
                self.assertRaisesRegex(IntegrityError, constraint),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(
                    SQL(
                        "UPDATE %s SET %s = %s WHERE id = %s",
                        SQL.identifier(record._table),
                        SQL.identifier(column),
                        value,
                        record.id,
                    )
                )
