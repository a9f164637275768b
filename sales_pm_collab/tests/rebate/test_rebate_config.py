from datetime import date

import psycopg2

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import RebateCommon


@tagged("post_install", "-at_install")
class TestRebateConfig(RebateCommon):
    def _bands(self, bands):
        return self.env["rebate.program"].create(
            {
                "name": "Test bands",
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
                "band_ids": [
                    Command.create({"attainment_from": low, "attainment_to": high, "rate": rate})
                    for low, high, rate in bands
                ],
            }
        )

    def test_bands_must_not_overlap_nor_leave_gaps(self):
        self.assertEqual(len(self._bands([(0, 80, 0), (80, 100, 2), (100, 0, 3)]).band_ids), 3)
        with self.assertRaisesRegex(ValidationError, "overlap"):
            self._bands([(80, 100, 2), (90, 120, 3)])
        with self.assertRaisesRegex(ValidationError, "gap between 100.0% and 110.0%"):
            self._bands([(80, 100, 2), (110, 0, 3)])
        with self.assertRaisesRegex(ValidationError, "Only the highest band may be open-ended"):
            self._bands([(80, 0, 2), (100, 0, 3)])
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
            with self.env.cr.savepoint():
                self._bands([(100, 80, 2)])

    def test_bands_checked_when_edited_on_their_own(self):
        """Bands imported or written over RPC one by one are held to the same rules."""
        program = self._bands([(80, 100, 2), (100, 120, 3), (120, 0, 5)])
        Band = self.env["rebate.program.band"]
        low, middle, _top = program.band_ids.sorted("attainment_from")
        with self.assertRaisesRegex(ValidationError, "overlap"), self.env.cr.savepoint():
            Band.create(
                {"program_id": program.id, "attainment_from": 90, "attainment_to": 110, "rate": 1}
            )
        with (
            self.assertRaisesRegex(ValidationError, "gap between 95.0% and 100.0%"),
            self.env.cr.savepoint(),
        ):
            low.attainment_to = 95
        with (
            self.assertRaisesRegex(ValidationError, "gap between 100.0% and 120.0%"),
            self.env.cr.savepoint(),
        ):
            middle.unlink()
        self.assertEqual(len(program.band_ids), 3)
        # the program form saves several changes at once: checked once they are all done
        program.write(
            {
                "band_ids": [
                    Command.update(low.id, {"attainment_to": 95}),
                    Command.create({"attainment_from": 95, "attainment_to": 100, "rate": 1.5}),
                    Command.delete(_top.id),
                ]
            }
        )
        self.assertEqual(
            program.band_ids.sorted("attainment_from").mapped("attainment_from"), [80, 95, 100]
        )
        with (
            self.assertRaisesRegex(ValidationError, "gap between 90.0% and 95.0%"),
            self.env.cr.savepoint(),
        ):
            program.write({"band_ids": [Command.update(low.id, {"attainment_to": 90})]})

    def test_rates_between_0_and_100(self):
        for rate in (-1, 101):
            with self.subTest(rate=rate):
                with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
                    with self.env.cr.savepoint():
                        self._bands([(80, 0, rate)])
                with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
                    with self.env.cr.savepoint():
                        self._program(growth_rate=rate)
                with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
                    with self.env.cr.savepoint():
                        self._program(
                            special_ids=[
                                Command.create({"product_id": self.product_new.id, "rate": rate})
                            ]
                        )

    def test_constraint_messages_are_clear(self):
        """What the user reads when the database refuses a value."""
        program = self._program()
        cases = [
            (
                "rebate.program.band",
                {"program_id": program.id, "attainment_from": 0, "rate": 150},
                "between 0 and 100%",
            ),
            (
                "rebate.target",
                {
                    "program_id": program.id,
                    "partner_id": self.partner_a.id,
                    "date_from": date(2025, 1, 1),
                    "amount": 0,
                },
                "greater than zero",
            ),
            (
                "rebate.program",
                {
                    "name": "Test",
                    "date_start": date(2025, 1, 1),
                    "date_end": date(2025, 12, 31),
                    "growth_rate": 120,
                },
                "between 0 and 100%",
            ),
        ]
        for model, vals, message in cases:
            with self.subTest(model=model):
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(psycopg2.IntegrityError) as error,
                ):
                    with self.env.cr.savepoint():
                        self.env[model].create(vals)
                self.assertIn(message, self.env[model]._sql_error_to_message(error.exception))

    def test_special_needs_exactly_one_product_or_category(self):
        with self.assertRaisesRegex(ValidationError, "exactly one"):
            self._program(special_ids=[Command.create({"name": "Test empty", "rate": 1})])
        with self.assertRaisesRegex(ValidationError, "exactly one"):
            self._program(
                special_ids=[
                    Command.create(
                        {
                            "product_id": self.product_new.id,
                            "categ_id": self.categ_new.id,
                            "rate": 1,
                        }
                    )
                ]
            )

    def test_program_dates(self):
        with self.assertRaisesRegex(ValidationError, "first day of a month"):
            self._program(date_start=date(2025, 1, 15))
        with self.assertRaisesRegex(ValidationError, "e.g. 2025-12-31"):
            self._program(date_end=date(2025, 11, 30))
        program = self._program(period="month", date_end=date(2025, 11, 30))
        self.assertEqual(len(program._get_periods()), 11)
        self.assertEqual(program._period_label(date(2025, 3, 1), date(2025, 3, 31)), "2025-03")
        fiscal = self._program(
            period="quarter", date_start=date(2025, 4, 1), date_end=date(2026, 3, 31)
        )
        self.assertEqual(
            fiscal._period_bounds(date(2026, 2, 10)), (date(2026, 1, 1), date(2026, 3, 31))
        )
        self.assertEqual(fiscal._period_label(date(2026, 1, 1), date(2026, 3, 31)), "2026 Q1")

    def test_new_periods_keep_targets_and_settlements_in_periods(self):
        """A target or settlement outside the program's periods is refused also when the
        program's dates or period length change under it."""
        program = self._program()
        self._target(program, self.partner_a, 1000, date(2025, 7, 1))
        with (
            self.assertRaisesRegex(
                ValidationError, r"the target of .*2025-07-01 – 2025-09-30.*Delete or move"
            ),
            self.env.cr.savepoint(),
        ):
            program.period = "half_year"
        with (
            self.assertRaisesRegex(ValidationError, "would no longer be one period"),
            self.env.cr.savepoint(),
        ):
            program.date_end = date(2025, 6, 30)
        program.invalidate_recordset()
        self.assertEqual((program.period, program.date_end), ("quarter", date(2025, 12, 31)))
        program.target_ids.unlink()
        settlement = self._settlement(program, date(2025, 10, 1))
        with (
            self.assertRaisesRegex(ValidationError, rf"settlement {settlement.name}.*Cancel"),
            self.env.cr.savepoint(),
        ):
            program.date_end = date(2025, 9, 30)
        settlement.action_cancel()
        program.date_end = date(2025, 9, 30)
        program.period = "month"
        self.assertEqual(len(program._get_periods()), 9)

    def test_activation(self):
        program = self.env["rebate.program"].create(
            {"name": "Test empty", "date_start": date(2025, 1, 1), "date_end": date(2025, 12, 31)}
        )
        with self.assertRaisesRegex(UserError, "no attainment band"):
            program.action_activate()
        program.band_ids = [Command.create({"attainment_from": 0, "rate": 1})]
        with self.assertRaisesRegex(UserError, "nobody eligible"):
            program.action_activate()
        program.partner_ids = self.partner_a
        program.action_activate()
        self.assertEqual(program.state, "active")
        program.action_close()
        self.assertEqual(program.state, "closed")
        program.action_draft()
        self.assertEqual(program.state, "draft")
        self._target(program, self.partner_a, 1000)
        program.action_activate()
        self._settlement(program)
        with self.assertRaisesRegex(UserError, "already has settlements"):
            program.action_draft()

    def test_targets(self):
        program = self._program()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
            with self.env.cr.savepoint():
                self._target(program, self.partner_a, 0)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
            with self.env.cr.savepoint():
                self._target(program, self.partner_a, -5)
        with self.assertRaisesRegex(ValidationError, "not one period"):
            self._target(program, self.partner_a, 1000, date(2026, 1, 1))
        with self.assertRaisesRegex(ValidationError, "not one period"):
            self.env["rebate.target"].create(
                {
                    "program_id": program.id,
                    "partner_id": self.partner_a.id,
                    "date_from": date(2025, 1, 1),
                    "date_to": date(2025, 2, 28),
                    "amount": 1000,
                }
            )
        target = self._target(program, self.partner_a, 1000, date(2025, 7, 1))
        self.assertEqual((target.date_to, target.period_label), (date(2025, 9, 30), "2025 Q3"))
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            with self.env.cr.savepoint():
                self._target(program, self.partner_a, 2000, date(2025, 7, 1))

    def test_import_targets_from_spreadsheet(self):
        program = self._program(name="Test import program")
        fields = ["program_id", "partner_id", "date_from", "date_to", "amount"]
        rows = [
            ["Test import program", self.partner_a.name, "2025-01-01", "2025-03-31", "1200000"],
            ["Test import program", self.partner_b.name, "2025-04-01", "2025-06-30", "800000.50"],
        ]
        result = self.env["rebate.target"].load(fields, rows)
        self.assertFalse(result["messages"], result["messages"])
        targets = self.env["rebate.target"].browse(result["ids"])
        self.assertEqual(targets.program_id, program)
        self.assertEqual(targets.mapped("amount"), [1_200_000, 800_000.5])
        self.assertEqual(targets.mapped("partner_id"), self.partner_a | self.partner_b)
        # a bad row is reported, not silently imported
        bad = self.env["rebate.target"].load(
            fields,
            [["Test import program", self.partner_c.name, "2025-02-01", "2025-04-30", "1000"]],
        )
        self.assertFalse(bad["ids"])
        self.assertIn("not one period", bad["messages"][0]["message"])

    def test_archived_program_and_copy(self):
        program = self._program(
            special_ids=[Command.create({"product_id": self.product_new.id, "rate": 2})]
        )
        copy = program.copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(len(copy.band_ids), 3)
        self.assertEqual(len(copy.special_ids), 1)
        program.active = False
        self.assertFalse(self.env["rebate.program"].search([("id", "=", program.id)]))
