from contextlib import contextmanager
from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from ..common import CollabCommon


class ChannelCommon(CollabCommon):
    """A ladder of four levels (test-owned: the other levels are archived), channel
    partners, customers and helpers for posted invoices, payments and won deals."""

    # the evaluation window of most tests
    DATE_FROM = date(2024, 1, 1)
    DATE_TO = date(2024, 12, 31)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.env["res.partner.grade"].search([]).action_archive()
        Course = cls.env["res.partner.training.course"]
        cls.course_install = Course.create({"name": "T-Install"})
        cls.course_sales = Course.create({"name": "T-Sales"})
        cls.course_service = Course.create({"name": "T-Service"})
        Pricelist = cls.env["product.pricelist"]
        cls.pricelist_gold = Pricelist.create({"name": "T-Gold prices"})
        Grade = cls.env["res.partner.grade"]
        # lowest sequence = highest level
        cls.grade_registered = Grade.create({"name": "T-Registered", "sequence": 40})
        cls.grade_silver = Grade.create(
            {
                "name": "T-Silver",
                "sequence": 30,
                "min_revenue": 1000,
                "min_collection_rate": 50,
                "rebate_multiplier": 110,
            }
        )
        cls.grade_gold = Grade.create(
            {
                "name": "T-Gold",
                "sequence": 20,
                "min_revenue": 5000,
                "min_collection_rate": 80,
                "min_new_customers": 1,
                "min_training_rate": 100,
                "mandatory_course_ids": [Command.set([cls.course_install.id, cls.course_sales.id])],
                "default_pricelist_id": cls.pricelist_gold.id,
                "rebate_multiplier": 125,
            }
        )
        cls.grade_platinum = Grade.create(
            {
                "name": "T-Platinum",
                "sequence": 10,
                "min_revenue": 20000,
                "min_collection_rate": 90,
                "min_new_customers": 2,
                "min_satisfaction": 4,
                "rebate_multiplier": 150,
            }
        )
        Partner = cls.env["res.partner"]
        cls.dist_a = Partner.create(
            {
                "name": "T-Dist A",
                "is_company": True,
                "channel_type": "distributor_l1",
                "channel_manager_id": cls.user_channel.id,
                "email": "dist.a@example.com",
            }
        )
        cls.dist_b = Partner.create(
            {"name": "T-Dist B", "is_company": True, "channel_type": "agent"}
        )
        cls.customer_x = Partner.create({"name": "T-Customer X", "is_company": True})
        cls.customer_x_contact = Partner.create(
            {"name": "T-X buyer", "parent_id": cls.customer_x.id}
        )
        cls.customer_y = Partner.create({"name": "T-Customer Y", "is_company": True})
        cls.customer_z = Partner.create({"name": "T-Customer Z", "is_company": True})
        cls.journal = cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)

    @classmethod
    def _invoice(
        cls,
        partner,
        amount,
        invoice_date,
        move_type="out_invoice",
        due=None,
        currency=None,
        post=True,
        tax=False,
    ):
        vals = {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "journal_id": cls.journal.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "T-line",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.set(tax.ids)] if tax else [],
                    }
                )
            ],
        }
        if currency:
            vals["currency_id"] = currency.id
        if due:
            vals["invoice_date_due"] = due
        move = cls.env["account.move"].create(vals)
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount=None, payment_date=None):
        vals = {"payment_date": payment_date or invoice.invoice_date}
        if amount is not None:
            vals.update(amount=amount, payment_difference_handling="open")
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(vals)
            ._create_payments()
        )

    @classmethod
    def _won_deal(cls, channel_partner, customer, closed_on):
        lead = cls.env["crm.lead"].create(
            {
                "name": f"T-deal {customer.name}",
                "type": "opportunity",
                "partner_id": customer.id,
                "channel_partner_id": channel_partner.id if channel_partner else False,
            }
        )
        lead.action_set_won()
        closed = datetime.combine(closed_on, datetime.min.time().replace(hour=10))
        lead.write({"date_closed": closed})
        return lead

    @classmethod
    def _rated_feedback(cls, customer, score, rated_at, state="closed", **vals):
        """A feedback of `customer` rated `score` (0: not rated) at `rated_at` (datetime),
        in `state`."""
        return cls.env["customer.feedback"].create(
            {
                "name": f"T-feedback {customer.name} {score}",
                "partner_id": customer.id,
                "kind": "question",
                "state": state,
                "satisfaction": score,
                "satisfaction_date": rated_at if score else False,
                **vals,
            }
        )

    def _silver_figures(self, partner):
        """Revenue 1,500 fully collected: meets Silver, not Gold."""
        invoice = self._invoice(partner, 1500, date(2024, 2, 1), due=date(2024, 3, 1))
        self._pay(invoice)

    def _gold_figures(self, partner):
        """Revenue 6,000 collected, one new customer (X), Gold's trainings: meets Gold."""
        invoice = self._invoice(partner, 6000, date(2024, 2, 1), due=date(2024, 3, 1))
        self._pay(invoice)
        self._won_deal(partner, self.customer_x, date(2024, 5, 1))
        self.env["res.partner.training"].create(
            [
                {"partner_id": partner.id, "course_id": course.id, "date": date(2024, 1, 5)}
                for course in (self.course_install, self.course_sales)
            ]
        )

    def _money(self, amount_text, html=False):
        """`amount_text` (e.g. "14,000") with the company currency's symbol, as the
        gap notes show revenue (`html`: as in a message body)."""
        space = "&nbsp;" if html else "\N{NO-BREAK SPACE}"
        if self.currency.position == "before":
            return f"{self.currency.symbol}{space}{amount_text}"
        return f"{amount_text}{space}{self.currency.symbol}"

    def _evaluate(self, partners, date_from=None, date_to=None):
        return (
            self.env["res.partner.grade.evaluation"]
            .with_user(self.user_channel)
            .create_for_partners(partners, date_from or self.DATE_FROM, date_to or self.DATE_TO)
        )


# every role of the issue; a sales manager is core's, without a role of this app
ROLES = ("rep", "cs", "pm", "channel", "finance", "sales_manager", "employee")
# roles that change levels and channel fields by hand (README: channel managers, and
# sales managers as core's partner levels let them)
LEVEL_EDITORS = ("channel", "sales_manager")


class ChannelHostileCommon(ChannelCommon):
    """The hostile client of the channel tests: channel partners, levels, evaluations,
    conflicts and trainings of two companies, and the attack helpers (each role, with and
    without forged context keys, the refusal and nothing changed)."""

    @classmethod
    def default_env_context(cls):
        return {}  # tracking on: the level history is read from it

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_1 = cls.company
        cls.company_2 = cls.env["res.company"].create({"name": "T-Company 2"})
        # an administrator (of the app and of Odoo) restricted to company 2
        cls.user_c2_admin = new_test_user(
            cls.env,
            login="t_c2_admin",
            groups="base.group_user,base.group_system,sales_pm_collab.group_collab_admin,"
            "sales_team.group_sale_manager",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        # dist_a: Silver, with Gold's figures (a promotion is proposed)
        cls.dist_a.grade_id = cls.grade_silver
        cls.env.flush_all()
        cls._gold_figures(cls, cls.dist_a)
        cls.evaluation = cls.env["res.partner.grade.evaluation"].create_for_partners(
            cls.dist_a, cls.DATE_FROM, cls.DATE_TO
        )
        # a channel partner of company 1 (not shared) with a training, and a training of
        # the shared dist_b recorded by company 1
        Partner = cls.env["res.partner"]
        cls.partner_c1 = Partner.create(
            {
                "name": "T-Company 1 agent",
                "is_company": True,
                "channel_type": "agent",
                "company_id": cls.company_1.id,
            }
        )
        Training = cls.env["res.partner.training"]
        cls.training_c1 = Training.create(
            {"partner_id": cls.partner_c1.id, "course_id": cls.course_install.id}
        )
        cls.training_shared_partner = Training.create(
            {"partner_id": cls.dist_b.id, "course_id": cls.course_sales.id}
        )
        cls.course_shared = cls.env["res.partner.training.course"].create(
            {"name": "T-Shared course", "company_id": False}
        )
        cls.grade_shared = cls.env["res.partner.grade"].create(
            {"name": "T-Shared level", "company_id": False, "sequence": 99}
        )
        # a territory conflict of company 1, recorded by the server
        cls.territory = cls.env["sale.territory"].create(
            {"name": "T-Zone", "exclusive": True, "partner_ids": [Command.set(cls.dist_a.ids)]}
        )
        product = cls.env["product.product"].create({"name": "T-item"})
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.dist_b.id,
                "user_id": cls.user_rep.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        cls.conflict = cls.env["sale.territory.conflict"].create(
            {
                "sale_order_id": cls.order.id,
                "seller_id": cls.dist_b.id,
                "territory_id": cls.territory.id,
                "owner_ids": [Command.set(cls.dist_a.ids)],
            }
        )
        cls.forged_contexts = {
            "no context": {},
            "forged defaults": {
                "default_state": "applied",
                "default_revenue": 1e9,
                "default_satisfaction": 5,
                "default_change": "promote",
                "default_grade_recommended_id": cls.grade_platinum.id,
                "default_approver_id": cls.user_channel.id,
                "default_grade_id": cls.grade_platinum.id,
                "default_grade_date": "2000-01-01",
                "default_channel_type": "distributor_l1",
                "default_channel_revenue": 1e9,
                "default_company_id": cls.company_2.id,
            },
            "forged internal keys": {
                "tracking_disable": True,
                "install_mode": True,
                "import_file": True,
                "su": True,
                "sudo": True,
                "bypass_access": True,
                "channel_grade_from_sale": True,
                "rebate_workflow": True,
            },
            "active records of another company": {
                "active_model": "res.partner",
                "active_id": cls.partner_c1.id,
                "active_ids": cls.partner_c1.ids,
            },
        }

    # === helpers === #
    def _user(self, role):
        return getattr(self, f"user_{role}")

    def _cases(self, roles=ROLES):
        """(role, context name, context) for each role and forged context."""
        for role in roles:
            for name, context in self.forged_contexts.items():
                yield role, name, context

    def _snapshot(self, records, fnames):
        # what a commit would store: the pending tracking too (the level history)
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()
        return [
            {fname: record[fname] for fname in fnames} for record in records.sudo().exists()
        ] + [len(records.sudo().exists())]

    @contextmanager
    def _refused_with(self, exception, message):
        """assertRaises (in a savepoint, so the refused values leave no trace in the
        cache) and the message says `message` (a regular expression)."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), message)

    def _assert_refused(self, records, fnames, attack, *args, exceptions=UserError):
        """`attack(*args)` is refused and `fnames` of `records` are unchanged."""
        before = self._snapshot(records, fnames)
        with self.assertRaises(exceptions):
            attack(*args)
        self.assertEqual(self._snapshot(records, fnames), before)

    # === evaluations === #
    EVALUATION_FORGERIES = {
        "revenue": 1e9,
        "revenue_previous": 1.0,
        "growth": 900.0,
        "amount_due": 1.0,
        "amount_collected": 1.0,
        "collection_rate": 100.0,
        "collection_measured": True,
        "new_customers": 99,
        "satisfaction": 5.0,
        "satisfaction_count": 50,
        "satisfaction_measured": True,
        "training_rate": 100.0,
        "failing": False,
        "failing_streak": 0,
        "change": "demote",
        "gap_note": "top of the ladder",
        "gap_data": {"top": True},
        "date_from": "2020-01-01",
        "date_to": "2024-06-30",
        "channel_type": "agent",
        "state": "applied",
        "submitted_date": "2024-01-01 00:00:00",
        "approval_date": "2024-01-01 00:00:00",
        "applied_date": "2024-01-01 00:00:00",
        "rejected_date": "2024-01-01 00:00:00",
    }
    EVALUATION_RECORD_FORGERIES = {
        "grade_recommended_id": "grade_platinum",
        "grade_current_id": "grade_gold",
        "grade_next_id": "grade_registered",
        "training_grade_id": "grade_registered",
        "partner_id": "dist_b",
        "approver_id": "user_rep",
        "submitted_by_id": "user_rep",
        "rejected_by_id": "user_rep",
        "channel_manager_id": "user_rep",
        "company_id": "company_2",
        "currency_id": "currency",
    }

    def _evaluation_forgeries(self):
        forgeries = dict(self.EVALUATION_FORGERIES)
        for fname, attr in self.EVALUATION_RECORD_FORGERIES.items():
            forgeries[fname] = getattr(self, attr).id
        forgeries["new_customer_ids"] = [Command.set(self.customer_z.ids)]
        # the evaluation run (models/channel/res_partner_grade_evaluation_run.py)
        forgeries["run_id"] = (
            self.env["res.partner.grade.evaluation.run"]
            .create(
                {
                    "date_from": self.DATE_FROM,
                    "date_to": self.DATE_TO,
                    "scope": "all",
                    "user_id": self.user_channel.id,
                }
            )
            .id
        )
        return forgeries

    def _evaluation_fields(self):
        return [*self.evaluation._collab_class_union("_system_fields"), "note", "notify_partner"]


class DealRegistrationCommon(ChannelCommon):
    """Two channel partners (A owns the exclusive territory East: Shanghai), a product,
    and helpers to register, submit and approve deals as the channel manager, and to
    confirm sales orders."""

    # the customer most tests register
    CUSTOMER = {
        "customer_name": "上海瑞达精密机械有限公司",
        "customer_vat": "91310000MA1FL0XX1",
        "city": "上海",
        "zip": "200040",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["sale.territory"].search([]).action_archive()  # demo territories
        cls.cn = cls.env.ref("base.cn")
        cls.sh = cls.env.ref("base.state_cn_SH")
        cls.east = cls.env["sale.territory"].create(
            {
                "name": "T-East",
                "country_ids": [Command.set(cls.cn.ids)],
                "state_ids": [Command.set(cls.sh.ids)],
                "exclusive": True,
                "partner_ids": [Command.set(cls.dist_a.ids)],
            }
        )
        cls.reg_product = cls.env["product.product"].create(
            {"name": "T-POS terminal", "list_price": 1000, "sale_ok": True}
        )

    def _registration(self, partner, user=None, **vals):
        values = {
            "partner_id": partner.id,
            **self.CUSTOMER,
            "country_id": self.cn.id,
            "state_id": self.sh.id,
            "expected_close_date": fields.Date.context_today(self.env.user) + timedelta(days=60),
            "expected_revenue": 100000,
            "product_ids": [Command.set(self.reg_product.ids)],
        }
        values.update(vals)
        return (
            self.env["crm.deal.registration"]
            .with_user(user or self.user_channel)
            .create(values)
            .with_user(self.env.user)
        )

    def _submitted(self, partner, **vals):
        registration = self._registration(partner, **vals)
        registration.with_user(self.user_channel).action_submit()
        return registration

    def _approved(self, partner, **vals):
        registration = self._submitted(partner, **vals)
        registration.with_user(self.user_channel).action_approve()
        return registration

    def _order(self, customer, shipping=None, opportunity=None):
        return self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "partner_shipping_id": (shipping or customer).id,
                "opportunity_id": opportunity.id if opportunity else False,
                "order_line": [
                    Command.create({"product_id": self.reg_product.id, "product_uom_qty": 1})
                ],
            }
        )
