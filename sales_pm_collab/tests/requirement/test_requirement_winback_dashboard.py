import json
from datetime import date, datetime

from odoo import Command

from ..common import MODULE
from .common import RequirementCommon

RELEASE_DAY = date(2026, 3, 2)


class TestRevenueWonAfterReleaseStored(RequirementCommon):
    """Revenue won after release is stored on the requirement and the release so that
    the Product Requirements dashboard can pivot it by release, product and product
    manager: computed when the release ships or the window changes, refreshed by the
    daily cron, and read with the viewer's record rules (one company never counts
    another's)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.winback_months = 6
        cls.release = cls.env["product.release"].create(
            {"name": "CloudPOS 9.8", "product_id": cls.product.id, "user_id": cls.user_pm.id}
        )
        # customers A and B ask for "offline", B also for "kitchen": the release counts
        # B once, the requirements each count B
        cls.offline = cls._requirement(
            "Offline mode (dashboard)",
            release_id=cls.release.id,
            stage_id=cls.stage_development.id,
            user_id=cls.user_pm.id,
            product_id=cls.product.id,
            partner_ids=[Command.set([cls.customer_a.id, cls.customer_b.id])],
        )
        cls.kitchen = cls._requirement(
            "Kitchen display (dashboard)",
            release_id=cls.release.id,
            stage_id=cls.stage_development.id,
            user_id=cls.user_pm.id,
            product_id=cls.product.id,
            partner_ids=[Command.set([cls.customer_b.id])],
        )
        cls.item = cls.env["product.product"].create({"name": "Dashboard test item"})
        # A orders 10,000 a month after the release and 3,000 seven months after (out
        # of the 6-month window); B orders 5,000 two months after and wins a 20,000
        # deal without an order three months after
        cls._order(cls.contact_a, 10000.0, datetime(2026, 4, 1, 10))
        cls._order(cls.contact_a, 3000.0, datetime(2026, 10, 1, 10))
        cls._order(cls.contact_b, 5000.0, datetime(2026, 5, 1, 10))
        won = cls._lead(cls.contact_b, 20000.0, probability=100.0, stage_id=cls.crm_stage_won.id)
        won.date_closed = datetime(2026, 6, 1, 10)

    @classmethod
    def _order(cls, partner, amount, when, company=None):
        company = company or cls.env.company
        order = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {"product_id": cls.item.id, "product_uom_qty": 1, "price_unit": amount}
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        order.date_order = when  # confirming dates the order today
        return order

    def _ship(self, release=None):
        release = release or self.release
        release.date_released = RELEASE_DAY
        release.action_mark_released()
        # the request that ships ends here: its figures are written before any later
        # order (a flush inside the next order's confirmation did it implicitly)
        self.env.flush_all()

    def _stored(self, records):
        """The figure as stored in the database (what a pivot adds up)."""
        self.env.flush_all()
        table = records._table
        self.env.cr.execute(
            f"SELECT id, revenue_won_after_release FROM {table} WHERE id = ANY(%s)",  # noqa: S608
            [records.ids],
        )
        return dict(self.env.cr.fetchall())

    def test_fields_are_stored(self):
        for model in ("product.requirement", "product.release"):
            field = self.env[model]._fields["revenue_won_after_release"]
            self.assertTrue(field.store, model)
            self.assertEqual(field.aggregator, "sum", model)
        self.assertTrue(self.env["product.requirement"]._fields["date_released"].store)
        self.assertTrue(self.env["product.release"]._fields["currency_id"].store)

    def test_computed_when_shipped_against_hand_computed_figures(self):
        self.assertEqual(
            self._stored(self.offline | self.kitchen), {self.offline.id: 0.0, self.kitchen.id: 0.0}
        )
        self._ship()
        # offline: A 10,000 + B (5,000 + 20,000) = 35,000; kitchen: B 25,000;
        # the release counts each customer once: 35,000 (not 60,000)
        self.assertEqual(
            self._stored(self.offline | self.kitchen),
            {self.offline.id: 35000.0, self.kitchen.id: 25000.0},
        )
        self.assertEqual(self._stored(self.release), {self.release.id: 35000.0})
        self.assertEqual(self.offline.date_released, RELEASE_DAY)

    def test_window_setting_recomputes(self):
        self._ship()
        self.env.company.winback_months = 1  # up to 2 April: only A's 10,000
        self.assertEqual(
            self._stored(self.offline | self.kitchen),
            {self.offline.id: 10000.0, self.kitchen.id: 0.0},
        )
        self.assertEqual(self._stored(self.release), {self.release.id: 10000.0})

    def test_daily_cron_brings_in_later_orders(self):
        self._ship()
        self._order(self.contact_b, 700.0, datetime(2026, 7, 1, 10))
        # stale until the cron (at most a day): the order is not a trigger
        self.assertEqual(self._stored(self.kitchen), {self.kitchen.id: 25000.0})
        cron = self.env.ref(f"{MODULE}.ir_cron_requirement_revenue_won_after_release")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertEqual(cron.code, "model._cron_revenue_won_after_release()")
        self.assertEqual(cron.model_id.model, "product.requirement")
        self.env["product.requirement"]._cron_revenue_won_after_release()
        self.assertEqual(
            self._stored(self.offline | self.kitchen),
            {self.offline.id: 35700.0, self.kitchen.id: 25700.0},
        )
        self.assertEqual(self._stored(self.release), {self.release.id: 35700.0})

    def test_dashboard_groupings_respect_companies(self):
        """The dashboard's pivots (by release, product, product manager) read by a
        product manager of company A count nothing of company B."""
        self._ship()
        company_b = self.env["res.company"].create({"name": "Dashboard Other Co"})
        self.env.user.company_ids |= company_b
        self.assertNotIn(company_b, self.user_pm.company_ids)
        release_b = (
            self.env["product.release"]
            .with_company(company_b)
            .create({"name": "CloudPOS 9.8", "company_id": company_b.id, "user_id": False})
        )
        requirement_b = (
            self.env["product.requirement"]
            .with_company(company_b)
            .create(
                {
                    "name": "Offline mode (company B)",
                    "company_id": company_b.id,
                    "release_id": release_b.id,
                    "user_id": False,
                    "team_id": False,
                    "stage_id": self.stage_development.id,
                    "partner_ids": [Command.set([self.customer_a.id])],
                }
            )
        )
        self._order(self.contact_a, 90000.0, datetime(2026, 4, 1, 10), company=company_b)
        release_b.with_company(company_b).date_released = RELEASE_DAY
        release_b.with_company(company_b).action_mark_released()
        self.assertEqual(self._stored(requirement_b), {requirement_b.id: 90000.0})
        self.assertEqual(self._stored(release_b), {release_b.id: 90000.0})

        snapshot = json.loads(
            self.env.ref(f"{MODULE}.spreadsheet_dashboard_collab_product").spreadsheet_data
        )
        pivots = {
            (p["model"], p["rows"][0]["fieldName"]): p
            for p in snapshot["pivots"].values()
            if "revenue_won_after_release" in [m["fieldName"] for m in p["measures"]]
        }
        self.assertEqual(
            set(pivots),
            {
                ("product.release", "name"),
                ("product.release", "product_id"),
                ("product.requirement", "user_id"),
            },
        )
        totals = {}
        for (model, groupby), pivot in pivots.items():
            groups = (
                self.env[model]
                .with_user(self.user_pm)
                ._read_group(pivot["domain"], [groupby], ["revenue_won_after_release:sum"])
            )
            totals[model, groupby] = dict(groups)
        # both releases are named "CloudPOS 9.8": company B's 90,000 must not count
        self.assertEqual(totals["product.release", "name"].get("CloudPOS 9.8"), 35000.0)
        self.assertEqual(totals["product.release", "product_id"].get(self.product), 35000.0)
        self.assertEqual(totals["product.requirement", "user_id"].get(self.user_pm), 60000.0)
        # the superuser (every company) sees company B's release too
        self.assertEqual(
            dict(
                self.env["product.release"]
                .sudo()
                ._read_group(
                    [("id", "in", (self.release | release_b).ids)],
                    ["company_id"],
                    ["revenue_won_after_release:sum"],
                )
            ),
            {self.env.company: 35000.0, company_b: 90000.0},
        )
