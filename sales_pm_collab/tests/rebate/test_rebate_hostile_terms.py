"""The rebates against a hostile client: a program's bands cannot be forged out of
layout, and its state moves only through its buttons (the attacks and assertions of
`RebateHostileCommon`)."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ...models.rebate.rebate_program_terms import BANDS_DEFERRED_KEY
from .common import (
    CONTEXTS,
    OLD_KEYS,
    REBATE_ROLES,
    RebateHostileCommon,
)


@tagged("post_install", "-at_install")
class TestRebateHostileTerms(RebateHostileCommon):
    """Program terms: the band layout and the program state."""

    def _band_program(self):
        program = self.env["rebate.program"].create(
            {
                "name": "Test hostile bands",
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
                "partner_ids": [Command.set(self.partner_c.ids)],
                "band_ids": [
                    Command.create({"attainment_from": low, "attainment_to": high, "rate": rate})
                    for low, high, rate in ((0, 80, 0), (80, 100, 2), (100, 0, 3))
                ],
            }
        )
        return program, *program.band_ids.sorted("attainment_from")

    def test_band_layout_cannot_be_forged(self):
        program, low, middle, top = self._band_program()
        other_band = self.other_program.band_ids[0]

        def band(vals):
            return dict({"program_id": program.id, "rate": 1}, **vals)

        def on(record, attacked):
            return record.with_env(attacked.env)

        attacks = {
            "overlapping band on its own": lambda p: p.env["rebate.program.band"].create(
                band({"attainment_from": 50, "attainment_to": 90})
            ),
            "second open band on its own": lambda p: p.env["rebate.program.band"].create(
                band({"attainment_from": 150})
            ),
            "band stretched over the next": lambda p: on(low, p).write({"attainment_to": 90}),
            "band opened at the top of the middle": lambda p: on(middle, p).write(
                {"attainment_to": 0}
            ),
            "gap by deleting a band": lambda p: on(middle, p).unlink(),
            "overlap through the program form": lambda p: p.write(
                {
                    "band_ids": [
                        Command.create({"attainment_from": 90, "attainment_to": 120, "rate": 1})
                    ]
                }
            ),
            "second open band through the program form": lambda p: p.write(
                {"band_ids": [Command.create({"attainment_from": 150, "rate": 9})]}
            ),
            "gap through the program form": lambda p: p.write(
                {"band_ids": [Command.delete(middle.id)]}
            ),
            "band taken from another program": lambda p: p.write(
                {"band_ids": [Command.link(other_band.id)]}
            ),
            "band moved to another program": lambda p: on(top, p).write(
                {"program_id": self.other_program.id}
            ),
            "band given a malformed program": lambda p: on(top, p).write({"program_id": "abc"}),
            "overlapping bands in a new program": lambda p: p.create(
                {
                    "name": "Test forged",
                    "date_start": "2025-01-01",
                    "date_end": "2025-12-31",
                    "band_ids": [
                        Command.create({"attainment_from": 0, "attainment_to": 90, "rate": 1}),
                        Command.create({"attainment_from": 80, "rate": 2}),
                    ],
                }
            ),
            "activated by writing the state": lambda p: p.write({"state": "active"}),
            "settlement forged through the program": lambda p: p.write(
                {"settlement_ids": [Command.create({"date_from": "2025-01-01"})]}
            ),
        }
        self._assert_all_refused(attacks, REBATE_ROLES, program)
        self.assertFalse(self.env.cr.cache.get(BANDS_DEFERRED_KEY), "no marker left behind")

    def test_program_form_saves_bands_at_once(self):
        """The program form's save: a band moved before the next one is, checked once at
        the end; the marker never outlives the write, even a failed one."""
        program, low, middle, _top = self._band_program()
        as_channel = program.with_user(self.user_channel).with_context(**OLD_KEYS)
        as_channel.write(
            {
                "band_ids": [
                    Command.update(low.id, {"attainment_to": 70}),
                    Command.update(middle.id, {"attainment_from": 70}),
                ]
            }
        )
        self.assertEqual(program.band_ids.mapped("attainment_from"), [0, 70, 100])
        self.assertFalse(self.env.cr.cache.get(BANDS_DEFERRED_KEY))
        with self.assertRaisesRegex(ValidationError, "gap"), self.env.cr.savepoint():
            as_channel.write({"band_ids": [Command.update(low.id, {"attainment_to": 60})]})
        self.assertFalse(self.env.cr.cache.get(BANDS_DEFERRED_KEY))
        # right after the program's write, a band on its own is checked again
        with self.assertRaisesRegex(ValidationError, "gap"), self.env.cr.savepoint():
            low.with_user(self.user_channel).with_context(**OLD_KEYS).attainment_to = 60

    def test_program_with_forged_bands_cannot_be_activated(self):
        """Bands saved through the old hole (overlapping, two open ones) keep their
        program from going live, whatever the context says."""
        program, _low, _middle, top = self._band_program()
        self.env.cr.execute(
            SQL(
                "INSERT INTO rebate_program_band (program_id, company_id, attainment_from, "
                "attainment_to, rate) VALUES (%s, %s, 150, NULL, 9)",
                program.id,
                program.company_id.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(len(program.band_ids), 4)
        self.assertFalse(top.attainment_to)
        for role in ("user_channel", "user_finance", "user_admin"):
            for context_name, context in CONTEXTS:
                with self.subTest(role=role, context=context_name):
                    with (
                        self.assertRaisesRegex(ValidationError, "open-ended"),
                        self.env.cr.savepoint(),
                    ):
                        self._as(program, role, context).action_activate()
                    program.invalidate_recordset()
                    self.assertEqual(program.state, "draft")

    def test_program_state_only_through_buttons(self):
        program, *_bands = self._band_program()
        program.target_ids = [
            Command.create(
                {"partner_id": self.partner_c.id, "date_from": "2025-01-01", "amount": 100}
            )
        ]
        for role in ("user_channel", "user_finance"):
            for context_name, context in CONTEXTS:
                with self.subTest(role=role, context=context_name):
                    as_user = self._as(program, role, context)
                    for state in ("active", "closed", "draft"):
                        with self.assertRaisesRegex(AccessError, r"\(state\) cannot be set"):
                            as_user.write({"state": state})
                    # a default_state key is dropped: a new program is a draft
                    created = as_user.with_context(default_state="active").create(
                        {
                            "name": "Test default",
                            "date_start": "2025-01-01",
                            "date_end": "2025-12-31",
                        }
                    )
                    self.assertEqual(created.state, "draft")
                    as_user.action_activate()
                    self.assertEqual(program.state, "active")
                    as_user.action_close()
                    self.assertEqual(program.state, "closed")
                    as_user.action_draft()
                    self.assertEqual(program.state, "draft")
