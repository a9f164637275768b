from datetime import date
from decimal import Decimal

from odoo import Command
from odoo.tests import tagged

from .common import RebateCommon

TARGET = 1_000_000
# (base, whole-mode rebate, marginal-mode rebate) for a 1,000,000 target and the
# stepped bands 80–100% 2%, 100–120% 3%, from 120% 5%
WORKED_EXAMPLES = [
    (799_999.99, 0.0, 0.0),
    (800_000, 16_000.0, 0.0),
    (1_000_000, 30_000.0, 4_000.0),  # marginal: 2% × 200,000
    (1_199_999, 35_999.97, 9_999.97),  # marginal: 4,000 + 3% × 199,999
    (1_200_000, 60_000.0, 10_000.0),  # marginal: 4,000 + 3% × 200,000
    (5_000_000, 250_000.0, 200_000.0),  # marginal: 10,000 + 5% × 3,800,000
]


@tagged("post_install", "-at_install")
class TestRebateCompute(RebateCommon):
    # === the worked examples === #
    def test_worked_examples_whole_mode(self):
        program = self._program(band_mode="whole")
        expected_rates = [0, 2, 3, 3, 5, 5]
        for (base, whole, _marginal), rate in zip(WORKED_EXAMPLES, expected_rates, strict=True):
            with self.subTest(base=base):
                result = program._get_rebate(base, TARGET)
                self.assertEqual(result["base_rebate"], Decimal(str(whole)))
                self.assertEqual(result["band_rate"], Decimal(rate))
                self.assertEqual(result["total"], Decimal(str(whole)))
        top = program._get_rebate(5_000_000, TARGET)
        self.assertFalse(top["band"].attainment_to, "5,000,000 falls in the open top band")
        self.assertEqual(top["attainment"], Decimal(500))

    def test_worked_examples_marginal_mode(self):
        program = self._program(band_mode="marginal")
        for base, _whole, marginal in WORKED_EXAMPLES:
            with self.subTest(base=base):
                self.assertEqual(
                    program._get_rebate(base, TARGET)["base_rebate"], Decimal(str(marginal))
                )

    def test_worked_examples_end_to_end(self):
        """All six bases through real posted invoices and a settlement, exact to the cent:
        bases made of several lines whose float sum is not exact (0.1 + 0.2) and of an
        invoice minus a credit note land exactly on the 80%, 100% and 120% limits."""
        program = self._program()
        partners = (self.partner_a | self.partner_b | self.partner_c | self.partner_d) | (
            self.env["res.partner"].create(
                [
                    {"name": "Test 华中分销 E", "is_company": True},
                    {"name": "Test 东北代理 F", "is_company": True},
                ]
            )
        )
        hw = self.product_hw
        documents = [
            [(hw, 266_666.66), (hw, 266_666.66), (hw, 266_666.67)],  # 799,999.99
            [(hw, 333_333.33), (hw, 333_333.33), (hw, 133_333.34)],  # 800,000.00
            [(hw, 1_100_000)],  # 1,000,000.00 after the credit note below
            [(hw, 1_199_998.7), (hw, 0.1), (hw, 0.2)],  # 1,199,999.00
            [(hw, 400_000.1), (hw, 400_000.2), (hw, 399_999.7)],  # 1,200,000.00
            [(hw, 5_000_000)],
        ]
        for partner, lines in zip(partners, documents, strict=True):
            self._target(program, partner, TARGET)
            self._invoice(partner, 0, lines=lines)
        refunded = self.env["account.move"].search(
            [("partner_id", "=", partners[2].id), ("move_type", "=", "out_invoice")]
        )
        self._refund(refunded, 100_000, refund_date=date(2025, 3, 30))
        settlement = self._settlement(program)
        settlement.action_compute()
        self.assertEqual(settlement.state, "computed")
        lines = [self._line(settlement, p) for p in partners]
        self.assertEqual(
            [ln.base_amount for ln in lines],
            [base for base, _whole, _marginal in WORKED_EXAMPLES],
        )
        self.assertEqual([ln.band_rate for ln in lines], [0.0, 2.0, 3.0, 3.0, 5.0, 5.0])
        self.assertEqual(
            [ln.total for ln in lines], [whole for _base, whole, _marginal in WORKED_EXAMPLES]
        )
        self.assertEqual([round(ln.attainment, 2) for ln in lines], [80.0, 80, 100, 120, 120, 500])
        self.assertEqual(settlement.amount_total, 391_999.97)
        # marginal program on the same invoices
        marginal = self._program(
            name="Test marginal", band_mode="marginal", partner_ids=[Command.set(partners.ids)]
        )
        for partner in partners:
            self._target(marginal, partner, TARGET)
        settlement = self._settlement(marginal)
        settlement.action_compute()
        self.assertEqual(
            [self._line(settlement, p).total for p in partners],
            [marginal for _base, _whole, marginal in WORKED_EXAMPLES],
        )

    # === partners, targets, warnings === #
    def test_no_target_gets_warning_and_no_attainment_rebate(self):
        program = self._program(growth_rate=0)
        self._invoice(self.partner_a, 900_000)
        self._target(program, self.partner_b, 500_000)
        settlement = self._settlement(program)
        settlement.action_compute()
        line_a = self._line(settlement, self.partner_a)
        self.assertEqual(line_a.base_amount, 900_000)
        self.assertFalse(line_a.has_target)
        self.assertEqual(line_a.base_rebate, 0)
        self.assertIn("No target", line_a.warning)
        self.assertEqual(settlement.warning_count, 1)
        # a target without any sale: a line at 0% so the partner sees where it stands
        line_b = self._line(settlement, self.partner_b)
        self.assertEqual((line_b.base_amount, line_b.attainment, line_b.total), (0, 0, 0))
        self.assertFalse(line_b.warning)
        self.assertFalse(self._line(settlement, self.partner_c), "no sale, no target: no line")

    def test_what_counts(self):
        """Posted customer invoices of eligible partners in the period, untaxed, company
        currency; contacts count for their company; nothing else does."""
        program = self._program()
        self._target(program, self.partner_a, TARGET)
        contact = self.env["res.partner"].create(
            {"name": "Test buyer", "parent_id": self.partner_a.id}
        )
        tax = self.env["account.tax"].create(
            {"name": "Test VAT 13%", "amount": 13, "company_id": self.company.id}
        )
        counted = self._invoice(self.partner_a, 500_000)
        taxed = self._invoice(contact, 300_000, post=False)
        taxed.invoice_line_ids.tax_ids = tax
        taxed.action_post()
        self._invoice(self.partner_a, 100_000, post=False)  # draft
        self._invoice(self.partner_a, 100_000, invoice_date=date(2025, 4, 1))  # next quarter
        self._invoice(self.partner_a, 100_000, invoice_date=date(2024, 12, 31))  # before
        outsider = self.env["res.partner"].create({"name": "Test outsider", "is_company": True})
        self._invoice(outsider, 100_000)
        self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.partner_a.id,
                "invoice_date": date(2025, 2, 1),
                "journal_id": self.purchase_journal.id,
                "invoice_line_ids": [Command.create({"name": "Test purchase", "price_unit": 1000})],
            }
        ).action_post()
        settlement = self._settlement(program)
        settlement.action_compute()
        line = self._line(settlement, self.partner_a)
        self.assertEqual(line.base_amount, 800_000, "untaxed: VAT never counts")
        self.assertEqual(line.total, 16_000)
        self.assertFalse(self._line(settlement, outsider))
        self.assertEqual(line.item_count, 2)
        self.assertEqual(
            line.source_ids.move_line_id,
            (counted | taxed).invoice_line_ids,
            "the sources are exactly the product lines counted",
        )

    def test_grade_eligibility(self):
        grade = self.env["res.partner.grade"].create({"name": "Test gold distributor"})
        self.partner_c.grade_id = grade
        program = self._program(
            partner_ids=[Command.set(self.partner_a.ids)], grade_ids=[Command.set(grade.ids)]
        )
        self._invoice(self.partner_b, 100_000)
        self._invoice(self.partner_c, 200_000)
        self._invoice(self.partner_a, 300_000)
        settlement = self._settlement(program)
        settlement.action_compute()
        self.assertEqual(settlement.regular_line_ids.partner_id, self.partner_a | self.partner_c)

    def test_refunds_netted(self):
        program = self._program()
        self._target(program, self.partner_a, TARGET)
        invoice = self._invoice(self.partner_a, 1_000_000)
        self._refund(invoice, 200_000, refund_date=date(2025, 3, 5))
        # a credit note reversing a Q1 invoice but issued in April belongs to Q1
        self._refund(invoice, 50_000, refund_date=date(2025, 4, 20))
        settlement = self._settlement(program)
        settlement.action_compute()
        line = self._line(settlement, self.partner_a)
        self.assertEqual(line.base_amount, 750_000)
        self.assertEqual(line.total, 0, "750,000 of 1,000,000 is below the 80% band")
        self.assertEqual(sorted(line.source_ids.mapped("amount")), [-200_000, -50_000, 1_000_000])
        # and it is not counted again in Q2
        q2 = self._settlement(program, date(2025, 4, 1))
        q2.action_compute()
        self.assertFalse(q2.line_ids)

    def test_product_scope(self):
        program = self._program(
            product_categ_ids=[Command.set(self.categ_hw.ids)],
            excluded_product_ids=[Command.set(self.product_other.ids)],
        )
        self._invoice(
            self.partner_a,
            0,
            lines=[
                (self.product_hw, 300_000),
                (self.product_new, 200_000),
                (self.product_other, 50_000),
            ],
        )
        settlement = self._settlement(program)
        settlement.action_compute()
        self.assertEqual(self._line(settlement, self.partner_a).base_amount, 300_000)
        by_product = self._program(
            name="Test by product", product_ids=[Command.set(self.product_new.ids)]
        )
        settlement = self._settlement(by_product)
        settlement.action_compute()
        self.assertEqual(self._line(settlement, self.partner_a).base_amount, 200_000)

    # === components === #
    def test_growth_rebate(self):
        program = self._program(growth_rate=5, date_start=date(2025, 1, 1))
        self._target(program, self.partner_a, TARGET)
        self._target(program, self.partner_b, TARGET)
        self._invoice(self.partner_a, 900_000, invoice_date=date(2024, 2, 10))
        self._invoice(self.partner_a, 1_000_000)
        self._invoice(self.partner_b, 1_300_000, invoice_date=date(2024, 3, 31))
        self._invoice(self.partner_b, 1_000_000)
        settlement = self._settlement(program)
        settlement.action_compute()
        line_a = self._line(settlement, self.partner_a)
        self.assertEqual(line_a.growth_base, 900_000)
        self.assertEqual(line_a.growth_rebate, 5_000, "5% of the 100,000 growth")
        self.assertEqual(line_a.total, 35_000)
        line_b = self._line(settlement, self.partner_b)
        self.assertEqual(line_b.growth_base, 1_300_000)
        self.assertEqual(line_b.growth_rebate, 0, "no growth rebate when sales shrank")
        self.assertEqual(line_b.total, 30_000)
        self._invoice(self.partner_c, 400_000)
        settlement.action_compute()
        line_c = self._line(settlement, self.partner_c)
        self.assertEqual((line_c.growth_base, line_c.growth_rebate), (0, 0), "nothing to grow from")

    def test_special_rebates(self):
        program = self._program(
            special_ids=[
                Command.create(
                    {
                        "name": "Test live push",
                        "product_id": self.product_new.id,
                        "rate_type": "multiple",
                        "factor": 2,
                    }
                ),
                Command.create({"name": "Test hardware", "categ_id": self.categ_hw.id, "rate": 1}),
            ]
        )
        self._target(program, self.partner_a, TARGET)
        self._invoice(
            self.partner_a, 0, lines=[(self.product_new, 100_000), (self.product_hw, 900_000)]
        )
        settlement = self._settlement(program)
        settlement.action_compute()
        line = self._line(settlement, self.partner_a)
        self.assertEqual(line.base_rebate, 30_000)
        # 2× on the new product: another 3% of 100,000; +1% on 900,000 of hardware
        self.assertEqual(line.special_rebate, 3_000 + 9_000)
        self.assertEqual(line.special_base, 1_000_000)
        self.assertEqual(line.total, 42_000)

    def test_cap(self):
        program = self._program(cap_amount=20_000)
        self._target(program, self.partner_a, TARGET)
        self._target(program, self.partner_b, TARGET)
        self._invoice(self.partner_a, 1_000_000)
        self._invoice(self.partner_b, 800_000)
        settlement = self._settlement(program)
        settlement.action_compute()
        line_a = self._line(settlement, self.partner_a)
        self.assertEqual((line_a.base_rebate, line_a.total, line_a.capped), (30_000, 20_000, True))
        line_b = self._line(settlement, self.partner_b)
        self.assertEqual((line_b.total, line_b.capped), (16_000, False))

    def test_paid_basis_partial_payment(self):
        program = self._program(basis="paid")
        self._target(program, self.partner_a, TARGET)
        half_paid = self._invoice(self.partner_a, 1_000_000)
        self._pay(half_paid, 400_000)
        paid = self._invoice(self.partner_a, 500_000)
        self._pay(paid, 500_000)
        self._invoice(self.partner_a, 700_000)  # unpaid
        # a credit note reconciled with its invoice counts as paid on both sides
        returned = self._invoice(self.partner_a, 100_000)
        refund = self._refund(returned, 100_000, refund_date=date(2025, 3, 1))
        self.assertEqual(returned.payment_state, "reversed")
        settlement = self._settlement(program)
        settlement.action_compute()
        line = self._line(settlement, self.partner_a)
        self.assertEqual(line.base_amount, 900_000)
        self.assertEqual(line.total, 18_000)
        amounts = {s.move_line_id.move_id: s.amount for s in line.source_ids}
        self.assertEqual(amounts[half_paid], 400_000)
        self.assertEqual(amounts[paid], 500_000)
        self.assertEqual(amounts[returned], 100_000)
        self.assertEqual(amounts[refund], -100_000)

    def test_foreign_currency_counts_in_company_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {
                "name": date(2025, 1, 1),
                "currency_id": eur.id,
                "rate": 0.5,
                "company_id": self.company.id,
            }
        )
        program = self._program()
        self._target(program, self.partner_a, TARGET)
        self._invoice(self.partner_a, 500_000, currency=eur)
        settlement = self._settlement(program)
        settlement.action_compute()
        line = self._line(settlement, self.partner_a)
        self.assertEqual(line.base_amount, 1_000_000, "500,000 EUR at 2 USD per EUR")
        self.assertEqual(line.total, 30_000)

    # === sources and scale === #
    def test_sources_add_up_to_the_base(self):
        program = self._program()
        for partner, amounts in (
            (self.partner_a, (400_000, 300_000)),
            (self.partner_b, (250_000,)),
        ):
            self._target(program, partner, 500_000)
            for amount in amounts:
                self._invoice(partner, amount)
        settlement = self._settlement(program)
        settlement.action_compute()
        for line in settlement.regular_line_ids:
            self.assertEqual(sum(line.source_ids.mapped("amount")), line.base_amount)
            self.assertEqual(len(line.source_ids), line.item_count)
            self.assertTrue(all(s.kind == "count" and not s.cancelled for s in line.source_ids))
            self.assertEqual(line.source_ids.program_id, program)
        # recomputing replaces lines and sources, it never adds to them
        settlement.action_compute()
        self.assertEqual(len(settlement.line_ids), 2)
        self.assertEqual(
            self.env["rebate.settlement.source"].search_count(
                [("settlement_line_id.settlement_id", "=", settlement.id)]
            ),
            3,
        )

    def test_query_count_does_not_grow_with_partners(self):
        def queries_to_compute(partners):
            # every option that adds a query: level multipliers, territory conflicts
            program = self._program(
                name=f"Test scale {len(partners)}",
                partner_ids=[Command.set(partners.ids)],
                apply_grade_multiplier=True,
                exclude_conflicts=True,
                growth_rate=2,
            )
            for partner in partners:
                self._target(program, partner, 100_000)
                self._invoice(partner, 90_000, invoice_date=date(2025, 5, 5))
            settlement = self._settlement(program, date(2025, 4, 1))
            settlement.action_compute()  # warms the caches; the recompute is measured
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            settlement.action_compute()
            self.env.flush_all()
            return self.env.cr.sql_log_count - start, settlement

        few, settlement_few = queries_to_compute(self.partner_a | self.partner_b)
        more_partners = self.env["res.partner"].create(
            [{"name": f"Test scale partner {i}", "is_company": True} for i in range(8)]
        )
        many, settlement_many = queries_to_compute(more_partners)
        self.assertEqual(len(settlement_few.line_ids), 2)
        self.assertEqual(len(settlement_many.line_ids), 8)
        self.assertEqual(many, few, "a fixed number of queries, whatever the number of partners")
