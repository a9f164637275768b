from odoo import fields, models


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "collab.guard.mixin"]
    # set by the order's Apply Rebate only: the line then uses the program's balance
    _system_fields = ("rebate_program_id",)

    rebate_program_id = fields.Many2one(
        "rebate.program",
        string="Rebate Deducted",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The rebate program whose balance this discount line deducts.",
    )

    def _prepare_invoice_line(self, **optional_values):
        vals = super()._prepare_invoice_line(**optional_values)
        if self.rebate_program_id:
            vals["rebate_program_id"] = self.rebate_program_id.id
        return vals
