from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import ChannelCommon


@tagged("post_install", "-at_install")
class TestChannelKpi(ChannelCommon):
    """Each KPI against hand-computed figures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = (
            cls.env["res.currency"].with_context(active_test=False).search([("name", "=", "EUR")])
        )
        cls.eur.active = True
        # 2 EUR for 1 unit of the company currency on 2024 dates
        cls.env["res.currency.rate"].search(
            [("currency_id", "=", cls.eur.id), ("company_id", "in", [cls.company.id, False])]
        ).unlink()
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.eur.id,
                "name": "2020-01-01",
                "rate": 2.0,
                "company_id": cls.company.id,
            }
        )
        cls.tax = cls.env["account.tax"].create(
            {"name": "T-VAT 13%", "amount": 13, "type_tax_use": "sale"}
        )

    def test_revenue_invoices_minus_refunds_untaxed_company_currency(self):
        self._invoice(self.dist_a, 1000, date(2024, 3, 10), tax=self.tax)  # untaxed 1,000
        self._invoice(self.dist_a, 500, date(2024, 6, 1))
        self._invoice(self.dist_a, 200, date(2024, 7, 1), move_type="out_refund")
        self._invoice(self.dist_a, 3000, date(2024, 9, 1), currency=self.eur)  # 1,500
        # not counted: before the window, a draft, another partner
        self._invoice(self.dist_a, 9999, date(2023, 12, 31))
        self._invoice(self.dist_a, 7777, date(2024, 5, 5), post=False)
        self._invoice(self.dist_b, 4444, date(2024, 5, 5))
        # previous window (2023): 2023-12-31 invoice only
        evaluation = self._evaluate(self.dist_a)
        self.assertAlmostEqual(evaluation.revenue, 1000 + 500 - 200 + 1500)
        self.assertAlmostEqual(evaluation.revenue_previous, 9999)
        self.assertAlmostEqual(evaluation.growth, (2800 - 9999) / 9999 * 100, places=4)

    def test_previous_revenue_of_a_window_of_months_is_the_months_before(self):
        """A window of whole months (the wizard's and the cron's) is compared with as many
        months just before, even across a 29 February: 2024-03 to 2025-02 against 2023-03
        to 2024-02, whatever their number of days."""
        self._invoice(self.dist_a, 100, date(2023, 2, 28))  # before the previous window
        self._invoice(self.dist_a, 1000, date(2023, 3, 1))  # its first day
        self._invoice(self.dist_a, 2000, date(2024, 2, 29))  # its last day
        self._invoice(self.dist_a, 4000, date(2024, 3, 1))  # the window's first day
        evaluation = self._evaluate(self.dist_a, date(2024, 3, 1), date(2025, 2, 28))
        self.assertAlmostEqual(evaluation.revenue, 4000)
        self.assertAlmostEqual(evaluation.revenue_previous, 3000)
        self.assertAlmostEqual(evaluation.growth, (4000 - 3000) / 3000 * 100, places=4)
        documents = self.env["account.move"].search(
            evaluation.action_view_previous_invoices()["domain"]
        )
        self.assertEqual(sorted(documents.mapped("amount_untaxed")), [1000, 2000])

    def test_revenue_ignores_rebate_credit_notes(self):
        """A rebate paid as a credit note is not a refund of sales: it must not lower the
        revenue that grades the partner (nor show among the revenue's documents)."""
        self._invoice(self.dist_a, 5000, date(2024, 3, 10))
        refund = self._invoice(self.dist_a, 300, date(2024, 4, 1), move_type="out_refund")
        rebate_note = self._invoice(self.dist_a, 700, date(2024, 4, 2), move_type="out_refund")
        program = self.env["rebate.program"].create(
            {
                "name": "T-rebate",
                "period": "quarter",
                "date_start": date(2024, 1, 1),
                "date_end": date(2024, 12, 31),
                "band_ids": [Command.create({"attainment_from": 0, "rate": 1})],
            }
        )
        settlement = self.env["rebate.settlement"].create(
            {"program_id": program.id, "date_from": date(2024, 1, 1)}
        )
        rebate_note.rebate_settlement_id = settlement
        evaluation = self._evaluate(self.dist_a)
        self.assertAlmostEqual(evaluation.revenue, 5000 - 300)
        action = evaluation.action_view_revenue_invoices()
        documents = self.env["account.move"].search(action["domain"])
        self.assertIn(refund, documents)
        self.assertNotIn(rebate_note, documents)

    def test_revenue_of_the_commercial_entity(self):
        contact = self.env["res.partner"].create(
            {"name": "T-Dist A buyer", "parent_id": self.dist_a.id}
        )
        self._invoice(contact, 800, date(2024, 2, 2))
        evaluation = self._evaluate(contact)
        self.assertEqual(evaluation.partner_id, self.dist_a)
        self.assertAlmostEqual(evaluation.revenue, 800)

    def test_collection_rate_over_invoices_due_in_window(self):
        paid = self._invoice(self.dist_a, 1000, date(2024, 1, 10), due=date(2024, 2, 10))
        partial = self._invoice(self.dist_a, 500, date(2024, 3, 1), due=date(2024, 4, 1))
        unpaid = self._invoice(self.dist_a, 500, date(2024, 5, 1), due=date(2024, 6, 1))
        later = self._invoice(self.dist_a, 700, date(2024, 12, 20), due=date(2025, 1, 20))
        foreign = self._invoice(
            self.dist_a, 400, date(2024, 6, 1), due=date(2024, 7, 1), currency=self.eur
        )  # 200 in company currency
        self._pay(paid)
        self._pay(partial, amount=200)
        self._pay(later)  # due after the window: neither due nor collected
        self._pay(foreign, amount=100)  # 100 EUR = 50
        self.assertEqual(unpaid.payment_state, "not_paid")
        evaluation = self._evaluate(self.dist_a)
        self.assertTrue(evaluation.collection_measured)
        self.assertAlmostEqual(evaluation.amount_due, 1000 + 500 + 500 + 200)
        self.assertAlmostEqual(evaluation.amount_collected, 1000 + 200 + 50)
        self.assertAlmostEqual(evaluation.collection_rate, 1250 / 2200 * 100, places=4)

    def _reconcile(self, moves):
        moves.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()

    def test_collection_credit_notes_are_not_collected(self):
        """A credit note reconciled with an invoice takes its amount off what is due: it
        is neither collected nor unpaid."""
        invoice = self._invoice(self.dist_a, 1000, date(2024, 3, 1), due=date(2024, 4, 1))
        credit = self._invoice(self.dist_a, 300, date(2024, 3, 15), move_type="out_refund")
        self._reconcile(invoice | credit)
        self._pay(invoice, amount=500)  # 200 left unpaid
        # fully reversed: weighs nothing
        reversed_invoice = self._invoice(self.dist_a, 800, date(2024, 5, 1), due=date(2024, 6, 1))
        reversal = self._invoice(self.dist_a, 800, date(2024, 5, 2), move_type="out_refund")
        self._reconcile(reversed_invoice | reversal)
        self.assertEqual(invoice.amount_residual, 200)
        evaluation = self._evaluate(self.dist_a)
        self.assertAlmostEqual(evaluation.amount_due, 700)
        self.assertAlmostEqual(evaluation.amount_collected, 500)
        self.assertAlmostEqual(evaluation.collection_rate, 500 / 700 * 100, places=4)
        # the revenue nets the credit notes: 1,000 + 800 - 300 - 800
        self.assertAlmostEqual(evaluation.revenue, 700)

    def test_collection_foreign_invoice_paid_at_another_rate(self):
        """A foreign-currency invoice paid in full at another rate is fully collected, at
        its company-currency amount (the exchange difference is not a debt)."""
        self.env["res.currency.rate"].create(
            {
                "currency_id": self.eur.id,
                "name": "2024-07-01",
                "rate": 2.5,
                "company_id": self.company.id,
            }
        )
        invoice = self._invoice(
            self.dist_a, 400, date(2024, 6, 1), due=date(2024, 6, 30), currency=self.eur
        )  # 200 at 2 EUR per unit
        self._pay(invoice, payment_date=date(2024, 7, 10))  # 400 EUR = 160 at 2.5
        self.assertEqual(invoice.payment_state, "paid")
        evaluation = self._evaluate(self.dist_a)
        self.assertAlmostEqual(evaluation.amount_due, 200)
        self.assertAlmostEqual(evaluation.amount_collected, 200)
        self.assertAlmostEqual(evaluation.collection_rate, 100)

    def test_collection_not_measured_without_invoice_due(self):
        self._invoice(self.dist_a, 1000, date(2024, 12, 20), due=date(2025, 1, 31))
        evaluation = self._evaluate(self.dist_a)
        self.assertFalse(evaluation.collection_measured)
        self.assertEqual(evaluation.collection_rate, 0)

    def test_new_customers_new_vs_returning(self):
        # Y already bought before the window: returning, not new
        self._won_deal(self.dist_b, self.customer_y, date(2023, 5, 1))
        self._won_deal(self.dist_a, self.customer_y, date(2024, 4, 1))
        # X is new (won twice in the window through A, once through its buyer contact)
        self._won_deal(self.dist_a, self.customer_x_contact, date(2024, 2, 1))
        self._won_deal(self.dist_a, self.customer_x, date(2024, 8, 1))
        # Z was won through B: not A's customer; a lost deal of A does not count
        self._won_deal(self.dist_b, self.customer_z, date(2024, 3, 1))
        lost = self.env["crm.lead"].create(
            {
                "name": "T-lost",
                "type": "opportunity",
                "partner_id": self.customer_z.id,
                "channel_partner_id": self.dist_a.id,
            }
        )
        lost.action_set_lost()
        # after the window
        other = self.env["res.partner"].create({"name": "T-late", "is_company": True})
        self._won_deal(self.dist_a, other, date(2025, 1, 2))
        # W first won directly in the window, then through A: not A's new customer; V
        # first won through B, then through A: B's new customer only
        customer_w = self.env["res.partner"].create({"name": "T-Customer W", "is_company": True})
        self._won_deal(False, customer_w, date(2024, 2, 10))
        self._won_deal(self.dist_a, customer_w, date(2024, 6, 10))
        customer_v = self.env["res.partner"].create({"name": "T-Customer V", "is_company": True})
        self._won_deal(self.dist_b, customer_v, date(2024, 5, 1))
        self._won_deal(self.dist_a, customer_v, date(2024, 9, 1))
        ev_a, ev_b = self._evaluate(self.dist_a | self.dist_b).sorted(lambda e: e.partner_id.name)
        self.assertEqual(ev_a.new_customers, 1)
        self.assertEqual(ev_a.new_customer_ids, self.customer_x)
        self.assertEqual(ev_b.new_customers, 2)
        self.assertEqual(ev_b.new_customer_ids, self.customer_z | customer_v)
        leads = self.env["crm.lead"].search(ev_a.action_view_new_customer_opportunities()["domain"])
        self.assertEqual(len(leads), 2)
        self.assertEqual(leads.partner_id.commercial_partner_id, self.customer_x)

    def test_training_rate_per_candidate_grade(self):
        Training = self.env["res.partner.training"]
        Training.create(
            [
                {
                    "partner_id": self.dist_a.id,
                    "course_id": self.course_install.id,
                    "date": date(2023, 6, 1),
                },
                {
                    "partner_id": self.dist_a.id,
                    "course_id": self.course_sales.id,
                    "date": date(2024, 6, 1),
                    "result": "failed",
                },
                {
                    "partner_id": self.dist_a.id,
                    "course_id": self.course_sales.id,
                    "date": date(2025, 2, 1),
                },  # after the window
            ]
        )
        self._pay(self._invoice(self.dist_a, 1500, date(2024, 2, 1), due=date(2024, 2, 1)))
        evaluation = self._evaluate(self.dist_a)
        # Silver met; the target is Gold whose two mandatory courses are half passed
        self.assertEqual(evaluation.grade_recommended_id, self.grade_silver)
        self.assertEqual(evaluation.training_grade_id, self.grade_gold)
        self.assertAlmostEqual(evaluation.training_rate, 50)
        self.assertIn("1 mandatory training", evaluation.gap_note)
        self.assertNotIn("trainings", evaluation.gap_note)

    def test_kpi_links_open_the_records_behind(self):
        inv = self._invoice(self.dist_a, 1000, date(2024, 3, 1), due=date(2024, 3, 31))
        refund = self._invoice(self.dist_a, 100, date(2024, 4, 1), move_type="out_refund")
        evaluation = self._evaluate(self.dist_a)
        Move = self.env["account.move"]
        self.assertEqual(
            Move.search(evaluation.action_view_revenue_invoices()["domain"]), inv | refund
        )
        self.assertEqual(Move.search(evaluation.action_view_due_invoices()["domain"]), inv)
        old = self._invoice(self.dist_a, 300, date(2023, 6, 1))
        self.assertEqual(Move.search(evaluation.action_view_previous_invoices()["domain"]), old)
        training = self.env["res.partner.training"].create(
            {"partner_id": self.dist_a.id, "course_id": self.course_install.id}
        )
        action = evaluation.action_view_trainings()
        self.assertEqual(self.env["res.partner.training"].search(action["domain"]), training)

    def test_last_kpis_on_the_partner_and_averaged_rates(self):
        """The partner shows its last evaluation's KPIs (the kanban, list and analysis);
        rates are averaged, not summed, when grouped."""
        self._pay(self._invoice(self.dist_a, 1000, date(2024, 3, 1), due=date(2024, 3, 31)))
        half = self._invoice(self.dist_b, 1000, date(2024, 3, 1), due=date(2024, 3, 31))
        self._pay(half, amount=500)
        self._invoice(self.dist_a, 400, date(2023, 3, 1))  # previous window: growth
        self._evaluate(self.dist_a | self.dist_b)
        self.assertTrue(self.dist_a.channel_collection_measured)
        self.assertAlmostEqual(self.dist_a.channel_revenue_previous, 400)
        self.assertAlmostEqual(self.dist_a.channel_growth, 150)
        [group] = self.env["res.partner"].formatted_read_group(
            [("id", "in", (self.dist_a | self.dist_b).ids)],
            [],
            ["channel_collection_rate:avg", "channel_revenue:sum"],
        )
        self.assertAlmostEqual(group["channel_collection_rate:avg"], 75)
        self.assertAlmostEqual(group["channel_revenue:sum"], 2000)
        self.assertEqual(
            self.env["res.partner"]._fields["channel_collection_rate"].aggregator, "avg"
        )
        # nothing due in the next window: not measured
        self._evaluate(self.dist_a, date(2025, 1, 1), date(2025, 12, 31))
        self.assertFalse(self.dist_a.channel_collection_measured)

    def test_queries_do_not_grow_with_partners(self):
        Partner = self.env["res.partner"]
        few = Partner.create(
            [{"name": f"T-q{i}", "is_company": True, "channel_type": "retailer"} for i in range(2)]
        )
        many = Partner.create(
            [{"name": f"T-Q{i}", "is_company": True, "channel_type": "retailer"} for i in range(12)]
        )
        for partner in few | many:
            self._invoice(partner, 1200, date(2024, 3, 1), due=date(2024, 3, 1))
        self.env["res.partner.training"].create(
            [{"partner_id": p.id, "course_id": self.course_install.id} for p in few | many]
        )
        warm = Partner.create(
            [{"name": f"T-w{i}", "is_company": True, "channel_type": "retailer"} for i in range(2)]
        )
        counts = []
        for partners in (warm, few, many):  # the first run warms the registry caches
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._evaluate(partners)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
        counts = counts[1:]
        # 6 times the partners, the same queries
        self.assertEqual(counts[1], counts[0], "queries must not grow with the partners")

    def test_training_course_passed_count(self):
        self.env["res.partner.training"].create(
            [
                {"partner_id": self.dist_a.id, "course_id": self.course_service.id},
                {
                    "partner_id": self.dist_b.id,
                    "course_id": self.course_service.id,
                    "result": "failed",
                },
            ]
        )
        self.assertEqual(self.course_service.passed_count, 1)
        self.course_service.grade_ids = [Command.link(self.grade_gold.id)]
        self.assertIn(self.course_service, self.grade_gold.mandatory_course_ids)
