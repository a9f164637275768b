from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "customer.feedback.source.mixin", "collab.guard.mixin"]

    def _feedback_link_field(self):
        return "invoice_id"

    def _feedback_defaults(self):
        self.ensure_one()
        orders = self.invoice_line_ids.sale_line_ids.order_id
        return {
            **self.env["customer.feedback"]._partner_defaults(self.partner_id),
            "invoice_id": self.id,
            "sale_order_id": orders.id if len(orders) == 1 else False,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "product_id": self._feedback_product(self.invoice_line_ids.product_id),
            "source": "after_sales",
        }
