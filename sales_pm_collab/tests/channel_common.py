from datetime import date, datetime

from odoo import Command

from odoo.addons.sales_pm_collab.tests.common import CollabCommon


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

    def _evaluate(self, partners, date_from=None, date_to=None):
        return (
            self.env["res.partner.grade.evaluation"]
            .with_user(self.user_channel)
            .create_for_partners(partners, date_from or self.DATE_FROM, date_to or self.DATE_TO)
        )
