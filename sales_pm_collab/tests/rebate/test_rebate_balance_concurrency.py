import time

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

NO_MAIL = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}


@tagged("post_install", "-at_install")
class TestRebateBalanceRace(TransactionCase):
    """Two orders of one partner racing for its rebate balance, on two real database
    connections: one wins, the other gets a message at once, and once the first one is
    committed the second finds the balance spent. The records are committed by a
    separate cursor and removed again at the end."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, NO_MAIL)
            partner = env["res.partner"].create(
                {"name": "Test racing distributor", "is_company": True}
            )
            rebate = env["product.product"].create(
                {"name": "Test racing rebate", "type": "service", "taxes_id": [Command.clear()]}
            )
            goods = env["product.product"].create(
                {"name": "Test racing goods", "type": "service", "taxes_id": [Command.clear()]}
            )
            program = env["rebate.program"].create(
                {
                    "name": "Test racing balance",
                    "payout": "order_deduction",
                    "partner_ids": [Command.set(partner.ids)],
                    "band_ids": [Command.create({"attainment_from": 0, "rate": 1})],
                    "product_id": rebate.id,
                }
            )
            program.action_activate()
            env["rebate.balance.move"]._record(
                [
                    {
                        "partner_id": partner.id,
                        "program_id": program.id,
                        "company_id": env.company.id,
                        "payout": "order_deduction",
                        "kind": "credit",
                        "amount": 1_000,
                    }
                ]
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create(
                                {"product_id": goods.id, "price_unit": 2_000, "tax_ids": []}
                            )
                        ],
                    }
                    for _i in range(2)
                ]
            )
            for order in orders:
                order.action_apply_rebate()  # 800 of the 1,000 each
                order.order_line.filtered("rebate_program_id").price_unit = -800
            self.ids = {
                "partner": partner.id,
                "program": program.id,
                "orders": orders.ids,
                "templates": (rebate | goods).product_tmpl_id.ids,
            }
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._remove_committed_records)

    def _remove_committed_records(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "DELETE FROM rebate_balance_move WHERE program_id = %(program)s;"
                    "DELETE FROM sale_order WHERE id = ANY(%(orders)s);"
                    "DELETE FROM rebate_program WHERE id = %(program)s;"
                    "DELETE FROM mail_message WHERE (model = 'sale.order'"
                    " AND res_id = ANY(%(orders)s)) OR (model = 'rebate.program'"
                    " AND res_id = %(program)s);"
                    "DELETE FROM mail_followers WHERE (res_model = 'sale.order'"
                    " AND res_id = ANY(%(orders)s)) OR (res_model = 'rebate.program'"
                    " AND res_id = %(program)s);"
                    "DELETE FROM res_partner WHERE id = %(partner)s;"
                    "DELETE FROM product_template WHERE id = ANY(%(templates)s);",
                    **self.ids,
                )
            )
            cr.commit()  # pylint: disable=invalid-commit

    def _order(self, cr, index):
        return api.Environment(cr, SUPERUSER_ID, NO_MAIL)["sale.order"].browse(
            self.ids["orders"][index]
        )

    def _balance(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        partner = env["res.partner"].browse(self.ids["partner"])
        return env["rebate.balance.move"]._get_partner_balance(
            partner, "order_deduction", env.company
        )

    def test_two_orders_race_for_one_balance(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            first, second = self._order(cr1, 0), self._order(cr2, 1)
            first.action_confirm()  # holds the lock of the partner's balance until cr1 ends
            start = time.monotonic()
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "being used by another order"),
            ):
                second.action_confirm()
            self.assertLess(time.monotonic() - start, 2, "NOWAIT: no waiting")
            cr2.rollback()
            cr1.commit()
            # the winner used 800; the other one now finds 200 left, with a clear message
            second.invalidate_recordset()
            with self.assertRaisesRegex(UserError, "has only"):
                second.action_confirm()
            cr2.rollback()
            self.assertEqual(self._balance(cr2), 200)
            self.assertEqual(self._order(cr2, 1).state, "draft")
            self.assertEqual(self._order(cr2, 0).state, "sale")
