from datetime import date

from odoo import Command

from odoo.addons.sales_pm_collab.tests.common import CollabCommon

# the stepped bands of the spec: below 80% nothing, 80–100% 2%, 100–120% 3%, from 120% 5%
STEPPED_BANDS = ((80, 100, 2), (100, 120, 3), (120, 0, 5))


class RebateCommon(CollabCommon):
    """Partners, products, journals and helpers for the rebate tests (no demo data used)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        if not cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        ):
            cls.env["account.chart.template"].try_loading(
                "generic_coa", company=cls.company, install_demo=False
            )
        cls.currency = cls.company.currency_id
        cls.sale_journal = cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.purchase_journal = cls.env["account.journal"].search(
            [("type", "=", "purchase"), ("company_id", "=", cls.company.id)], limit=1
        )
        Partner = cls.env["res.partner"]
        cls.partner_a, cls.partner_b, cls.partner_c, cls.partner_d = Partner.create(
            [
                {"name": "Test 华东分销 A", "is_company": True, "email": "a@rebate.example.com"},
                {"name": "Test 华南分销 B", "is_company": True, "email": "b@rebate.example.com"},
                {"name": "Test 华北代理 C", "is_company": True, "email": "c@rebate.example.com"},
                {"name": "Test 西南代理 D", "is_company": True, "email": "d@rebate.example.com"},
            ]
        )
        Category = cls.env["product.category"]
        cls.categ_hw = Category.create({"name": "Test rebate hardware"})
        cls.categ_hw_child = Category.create(
            {"name": "Test rebate terminals", "parent_id": cls.categ_hw.id}
        )
        cls.categ_new = Category.create({"name": "Test rebate new products"})
        Product = cls.env["product.product"]
        cls.product_hw = Product.create(
            {"name": "Test terminal", "type": "consu", "categ_id": cls.categ_hw_child.id}
        )
        cls.product_new = Product.create(
            {"name": "Test live module", "type": "service", "categ_id": cls.categ_new.id}
        )
        cls.product_other = Product.create(
            {"name": "Test spare part", "type": "consu", "categ_id": cls.categ_hw.id}
        )
        cls.product_rebate = Product.create(
            {"name": "Test channel rebate", "type": "service", "taxes_id": [Command.clear()]}
        )

    # --- helpers ---------------------------------------------------------------------
    @classmethod
    def _program(cls, bands=STEPPED_BANDS, **vals):
        values = {
            "name": "Test stepped rebate",
            "period": "quarter",
            "date_start": date(2025, 1, 1),
            "date_end": date(2025, 12, 31),
            "partner_ids": [
                Command.set((cls.partner_a | cls.partner_b | cls.partner_c | cls.partner_d).ids)
            ],
            "band_ids": [
                Command.create({"attainment_from": low, "attainment_to": high, "rate": rate})
                for low, high, rate in bands
            ],
            "journal_id": cls.sale_journal.id,
            "product_id": cls.product_rebate.id,
        }
        values.update(vals)
        program = cls.env["rebate.program"].create(values)
        program.action_activate()
        return program

    @classmethod
    def _target(cls, program, partner, amount, date_from=date(2025, 1, 1)):
        return cls.env["rebate.target"].create(
            {
                "program_id": program.id,
                "partner_id": partner.id,
                "date_from": date_from,
                "amount": amount,
            }
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        amount,
        invoice_date=date(2025, 2, 15),
        product=None,
        move_type="out_invoice",
        post=True,
        currency=None,
        reversed_entry=None,
        lines=None,
    ):
        """A customer invoice (or credit note) of untaxed ``amount`` (or ``lines``:
        [(product, amount)])."""
        lines = lines or [(product or cls.product_hw, amount)]
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "date": invoice_date,
                "journal_id": cls.sale_journal.id,
                "currency_id": (currency or cls.currency).id,
                "reversed_entry_id": reversed_entry.id if reversed_entry else False,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": line_product.id,
                            "quantity": 1,
                            "price_unit": line_amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for line_product, line_amount in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _refund(cls, invoice, amount, refund_date=date(2025, 4, 10), product=None):
        """A credit note reversing part of ``invoice``."""
        return cls._invoice(
            invoice.partner_id,
            amount,
            invoice_date=refund_date,
            product=product or invoice.invoice_line_ids[:1].product_id,
            move_type="out_refund",
            reversed_entry=invoice,
        )

    @classmethod
    def _pay(cls, invoice, amount, pay_date=date(2025, 3, 20)):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": pay_date})
            ._create_payments()
        )

    @classmethod
    def _settlement(cls, program, date_from=date(2025, 1, 1)):
        return cls.env["rebate.settlement"].create(
            {"program_id": program.id, "date_from": date_from}
        )

    @classmethod
    def _settle(cls, program, date_from=date(2025, 1, 1), moves=True):
        """Compute, approve and (optionally) pay out a settlement, as the accountant."""
        settlement = cls._settlement(program, date_from)
        settlement.action_compute()
        settlement.action_approve()
        if moves:
            settlement.action_create_moves()
        return settlement

    @staticmethod
    def _line(settlement, partner, line_type="regular"):
        return settlement.line_ids.filtered(
            lambda ln: ln.partner_id == partner and ln.line_type == line_type
        )
