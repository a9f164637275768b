import time
from datetime import date

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

NO_MAIL = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


@tagged("post_install", "-at_install")
class TestRebateConcurrency(TransactionCase):
    """Two real database connections working on the same settlement at the same time.

    The test transaction cannot be seen by other connections, so the records are
    committed by a separate cursor and removed again at the end.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, NO_MAIL)
            partner = env["res.partner"].create(
                {"name": "Test concurrent distributor", "is_company": True}
            )
            product = env["product.product"].create(
                {"name": "Test concurrent rebate", "type": "service"}
            )
            journal = env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
            )
            program = env["rebate.program"].create(
                {
                    "name": "Test concurrency",
                    "date_start": date(2025, 1, 1),
                    "date_end": date(2025, 12, 31),
                    "partner_ids": [Command.set(partner.ids)],
                    "band_ids": [Command.create({"attainment_from": 0, "rate": 1})],
                    "journal_id": journal.id,
                    "product_id": product.id,
                }
            )
            program.action_activate()
            settlement = env["rebate.settlement"].create(
                {"program_id": program.id, "date_from": date(2025, 1, 1)}
            )
            self.ids = {
                "partner": partner.id,
                "program": program.id,
                "settlement": settlement.id,
                "template": product.product_tmpl_id.id,
            }
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._remove_committed_records)

    def _remove_committed_records(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "DELETE FROM rebate_settlement WHERE program_id = %(program)s;"
                    "DELETE FROM rebate_program WHERE id = %(program)s;"
                    "DELETE FROM mail_message WHERE model LIKE 'rebate.%%'"
                    " AND res_id IN (%(program)s, %(settlement)s);"
                    "DELETE FROM mail_followers WHERE res_model LIKE 'rebate.%%'"
                    " AND res_id IN (%(program)s, %(settlement)s);"
                    "DELETE FROM res_partner WHERE id = %(partner)s;"
                    "DELETE FROM product_template WHERE id = %(template)s;",
                    **self.ids,
                )
            )
            cr.commit()  # pylint: disable=invalid-commit

    def _envs(self, cr1, cr2):
        return (
            api.Environment(cr1, SUPERUSER_ID, NO_MAIL)["rebate.settlement"].browse(
                self.ids["settlement"]
            ),
            api.Environment(cr2, SUPERUSER_ID, NO_MAIL)["rebate.settlement"].browse(
                self.ids["settlement"]
            ),
        )

    def _assert_fails_at_once(self, method):
        start = time.monotonic()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesRegex(UserError, "being processed by someone else"),
        ):
            method()
        self.assertLess(time.monotonic() - start, 2, "NOWAIT: no waiting for the other transaction")

    def test_second_simultaneous_action_fails_at_once(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            first, second = self._envs(cr1, cr2)
            first.action_compute()  # holds the settlement's row lock until cr1 ends
            self._assert_fails_at_once(second.action_compute)
            self._assert_fails_at_once(second.action_approve)
            self._assert_fails_at_once(second.action_cancel)
            cr2.rollback()
            cr1.commit()
            # the lock is gone with the first transaction: the second user can go on
            second.invalidate_recordset()
            second.action_approve()
            self.assertEqual(second.state, "approved")
            cr2.commit()

            first.invalidate_recordset()
            first.action_create_moves()  # locks again
            self._assert_fails_at_once(second.action_create_moves)
            cr2.rollback()
            cr1.commit()
            # and once the first one is done, a second payout is refused, not doubled
            second.invalidate_recordset()
            with self.assertRaisesRegex(UserError, "already created"):
                second.action_create_moves()
            cr2.rollback()
            cr1.rollback()
