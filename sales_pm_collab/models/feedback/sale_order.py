from odoo import models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "customer.feedback.source.mixin", "collab.guard.mixin"]

    def _feedback_link_field(self):
        return "sale_order_id"

    def _feedback_defaults(self):
        self.ensure_one()
        return {
            **self.env["customer.feedback"]._partner_defaults(self.partner_id),
            "sale_order_id": self.id,
            "lead_id": "opportunity_id" in self._fields and self.opportunity_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "product_id": self._feedback_product(self.order_line.product_id),
            "source": "after_sales",
        }
