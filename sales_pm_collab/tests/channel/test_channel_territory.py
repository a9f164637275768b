from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelTerritory(ChannelCommon):
    """Address matching and cross-territory sales on order confirmation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["sale.territory"].search([]).action_archive()  # demo territories
        cn = cls.env.ref("base.cn")
        cls.sh = cls.env.ref("base.state_cn_SH")
        cls.js = cls.env.ref("base.state_cn_JS")
        cls.gd = cls.env.ref("base.state_cn_GD")
        Territory = cls.env["sale.territory"]
        cls.east = Territory.create(
            {
                "name": "T-East",
                "country_ids": [Command.set(cn.ids)],
                "state_ids": [Command.set((cls.sh | cls.js).ids)],
                "exclusive": True,
                "partner_ids": [Command.set(cls.dist_a.ids)],
            }
        )
        cls.south_zip = Territory.create(
            {
                "name": "T-Shenzhen zips",
                "country_ids": [Command.set(cn.ids)],
                "zip_from": "518000",
                "zip_to": "518999",
                "exclusive": False,
            }
        )
        Partner = cls.env["res.partner"]
        cls.shanghai_shop = Partner.create(
            {
                "name": "T-Shanghai shop",
                "country_id": cn.id,
                "state_id": cls.sh.id,
                "zip": "200040",
                "parent_id": cls.customer_y.id,
                "type": "delivery",
            }
        )
        cls.guangzhou_shop = Partner.create(
            {"name": "T-GZ shop", "country_id": cn.id, "state_id": cls.gd.id, "zip": "510000"}
        )
        cls.product = cls.env["product.product"].create({"name": "T-POS", "list_price": 100})

    def _order(self, customer, shipping, user=None):
        return (
            self.env["sale.order"]
            .with_user(user or self.user_rep)
            .create(
                {
                    "partner_id": customer.id,
                    "partner_shipping_id": shipping.id,
                    "order_line": [Command.create({"product_id": self.product.id})],
                }
            )
        )

    # === matching === #
    def test_address_matching_country_state_zip(self):
        Partner = self.env["res.partner"]
        cn = self.env.ref("base.cn")
        shenzhen = Partner.new({"country_id": cn.id, "state_id": self.gd.id, "zip": "518040"})
        territories = self.east | self.south_zip
        self.assertEqual(territories._filter_for_address(self.shanghai_shop), self.east)
        self.assertEqual(territories._filter_for_address(shenzhen), self.south_zip)
        self.assertFalse(territories._filter_for_address(self.guangzhou_shop))
        nowhere = Partner.new({"country_id": self.env.ref("base.fr").id, "state_id": False})
        self.assertFalse(territories._filter_for_address(nowhere))
        no_zip = Partner.new({"country_id": cn.id})
        self.assertFalse(territories._filter_for_address(no_zip))

    def test_zip_range_normalised_and_checked(self):
        territory = self.env["sale.territory"].create(
            {"name": "T-short", "zip_from": "1000", "zip_to": "20000"}
        )
        self.assertEqual((territory.zip_from, territory.zip_to), ("01000", "20000"))
        with self.assertRaisesRegex(ValidationError, "starts at 30000, after its end"):
            self.env["sale.territory"].create(
                {"name": "T-bad", "zip_from": "30000", "zip_to": "20000"}
            )
        with self.assertRaisesRegex(ValidationError, "both ends"):
            self.env["sale.territory"].create({"name": "T-half", "zip_from": "30000"})

    def test_inverse_partner_territories(self):
        self.assertEqual(self.dist_a.territory_ids, self.east)
        self.dist_b.territory_ids = [Command.link(self.east.id)]
        self.assertEqual(self.east.partner_ids, self.dist_a | self.dist_b)

    # === conflicts on confirmation === #
    def test_warn_policy_confirms_and_records_conflict(self):
        self.company.channel_conflict_policy = "warn"
        self.dist_b.channel_manager_id = self.user_channel
        order = self._order(self.dist_b, self.shanghai_shop)
        self.assertIn("T-East", order.channel_territory_warning)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        conflict = order.territory_conflict_ids
        self.assertEqual(len(conflict), 1)
        self.assertEqual(conflict.seller_id, self.dist_b)
        self.assertEqual(conflict.owner_ids, self.dist_a)
        self.assertEqual(conflict.territory_id, self.east)
        self.assertEqual(conflict.state, "open")
        self.assertFalse(conflict.blocked_override)
        # the managers of the seller and of the owner get an activity
        self.assertEqual(conflict.activity_ids.user_id, self.user_channel)
        self.assertEqual(order.territory_conflict_count, 1)
        self.assertEqual(self.dist_b.territory_conflict_count, 1)
        conflict.with_user(self.user_channel).action_penalise()
        self.assertEqual(conflict.state, "penalised")
        self.assertFalse(conflict.activity_ids)

    def test_conflict_todo_in_the_channel_managers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.user_channel.lang = "zh_CN"
        self.dist_b.channel_manager_id = self.user_channel
        # the rep confirms in English; the channel manager reads the to-do in Chinese
        order = self._order(self.dist_b, self.shanghai_shop).with_context(lang="en_US")
        order.action_confirm()
        activity = order.sudo().territory_conflict_ids.activity_ids
        self.assertEqual(activity.summary, "待审核的窜货销售")
        self.assertIn("区域内销售了", str(activity.note))

    def test_reconfirmed_order_keeps_its_one_conflict(self):
        """Cancelled and confirmed again, an order keeps the conflict recorded the first
        time, with its decision: no second record, activity or note."""
        self.company.channel_conflict_policy = "warn"
        order = self._order(self.dist_b, self.shanghai_shop)
        order.action_confirm()
        conflict = order.territory_conflict_ids
        conflict.with_user(self.user_channel).action_penalise()
        notes = len(order.message_ids)
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.territory_conflict_ids, conflict)
        self.assertEqual(conflict.state, "penalised")
        self.assertFalse(conflict.activity_ids)
        self.assertFalse(
            order.message_ids[: len(order.message_ids) - notes].filtered(
                lambda m: "T-East" in (m.body or "")
            )
        )

    def test_block_policy_refuses_rep_and_lets_channel_manager_confirm(self):
        self.company.channel_conflict_policy = "block"
        order = self._order(self.dist_b, self.shanghai_shop)
        with self.assertRaisesRegex(UserError, "ask a channel manager"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.territory_conflict_ids)
        with self.assertRaisesRegex(UserError, "ask a channel manager"):
            order.with_user(self.user_sales_manager).action_confirm()
        order.with_user(self.user_channel).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.territory_conflict_ids.blocked_override)

    def test_no_conflict_cases(self):
        self.company.channel_conflict_policy = "block"
        # the authorised partner itself
        self._order(self.dist_a, self.shanghai_shop).action_confirm()
        # outside any exclusive territory
        self._order(self.dist_b, self.guangzhou_shop).action_confirm()
        # a customer that is not a channel partner
        self._order(self.customer_x, self.shanghai_shop).action_confirm()
        # an exclusive territory with nobody authorised protects nobody
        self.east.partner_ids = [Command.clear()]
        self._order(self.dist_b, self.shanghai_shop).action_confirm()
        self.assertFalse(
            self.env["sale.territory.conflict"].search([("territory_id", "=", self.east.id)])
        )

    def test_archived_or_non_exclusive_territory_no_conflict(self):
        self.east.exclusive = False
        order = self._order(self.dist_b, self.shanghai_shop)
        self.assertFalse(order.channel_territory_warning)
        order.action_confirm()
        self.assertFalse(order.territory_conflict_ids)

    def test_conflict_detection_adds_at_most_3_queries(self):
        order = self._order(self.dist_b, self.shanghai_shop)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        conflicts = order._territory_conflicts()
        self.assertLessEqual(self.env.cr.sql_log_count - before, 3)
        self.assertEqual(list(conflicts), [order.id])
        other = self._order(self.customer_x, self.guangzhou_shop)
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.assertFalse(other._territory_conflicts())
        self.assertLessEqual(self.env.cr.sql_log_count - before, 3)

    def test_conflict_checks_flush_only_what_they_read(self):
        """The conflict queries of a confirmation flush the fields they read, not the
        whole transaction: another order's pending amounts stay pending (a flush_all
        recomputed them in the middle of every confirmation, a channel partner's or not)."""
        order = self._order(self.customer_x, self.guangzhou_shop)
        other = self._order(self.customer_x, self.guangzhou_shop)
        self.env.flush_all()
        other.order_line.price_unit = 123.0
        subtotal = other.order_line._fields["price_subtotal"]
        self.assertTrue(self.env.is_to_compute(subtotal, other.order_line))
        self.assertFalse(order._territory_conflicts())
        self.assertFalse(order._registration_conflicts())
        self.assertTrue(self.env.is_to_compute(subtotal, other.order_line))
        self.assertEqual(other.order_line.price_subtotal, 123.0)

    def test_conflict_checks_see_pending_changes(self):
        """What the queries read is flushed first: a delivery address moved into the
        exclusive territory and a customer made a channel partner in the same transaction
        count, not yet written to the database."""
        order = self._order(self.dist_b, self.guangzhou_shop)
        self.env.flush_all()
        self.assertFalse(order._territory_conflicts())
        self.guangzhou_shop.write({"state_id": self.sh.id, "zip": "200041"})
        self.assertEqual(list(order._territory_conflicts()), [order.id])
        plain = self._order(self.customer_x, self.shanghai_shop)
        self.env.flush_all()
        self.assertFalse(plain._territory_conflicts())
        self.customer_x.channel_type = self.dist_b.channel_type
        self.assertEqual(list(plain._territory_conflicts()), [plain.id])

    def test_opportunity_warning_banner(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "T-cross",
                "type": "opportunity",
                "partner_id": self.customer_x.id,
                "channel_partner_id": self.dist_b.id,
            }
        )
        self.assertFalse(lead.channel_territory_warning)
        with Form(lead) as form:
            form.partner_id = self.shanghai_shop
        self.assertIn("T-East", lead.channel_territory_warning)
        self.assertIn("T-Dist A", lead.channel_territory_warning)
        self.assertIn("customer's address", lead.channel_territory_warning)
        lead.channel_partner_id = self.dist_a
        self.assertFalse(lead.channel_territory_warning)
        # without a customer, the lead's own address counts
        lead.write(
            {
                "partner_id": False,
                "channel_partner_id": self.dist_b.id,
                "state_id": self.js.id,
                "country_id": self.env.ref("base.cn").id,
            }
        )
        self.assertIn("T-East", lead.channel_territory_warning)
