from odoo import fields, models

# who may see feedback counters and "Log feedback" buttons on other documents
FEEDBACK_GROUPS = (
    "sales_pm_collab.group_collab_sales_rep,"
    "sales_pm_collab.group_collab_product_manager,"
    "sales_pm_collab.group_collab_finance,"
    "sales_team.group_sale_manager"
)


class CustomerFeedbackSourceMixin(models.AbstractModel):
    """A document feedback can be logged from (opportunity, customer, sales order,
    invoice, product release): a feedback counter, "Log feedback" (a new feedback form
    prefilled from the document) and the list of its feedback. For models of the addon's
    areas, which all inherit collab.guard.mixin too."""

    _name = "customer.feedback.source.mixin"
    _description = "Document Feedback Is Logged From"

    feedback_count = fields.Integer(
        "Feedback", compute="_compute_feedback_count", groups=FEEDBACK_GROUPS
    )

    def _feedback_link_field(self):
        """Name of the customer.feedback field pointing to this document."""
        raise NotImplementedError

    def _feedback_link_records(self):
        """The records the feedback links to for each of self (the partner's
        commercial entity for partners, else the record itself)."""
        return self

    def _feedback_defaults(self):
        """Values prefilling a feedback logged from this document."""
        raise NotImplementedError

    def _compute_feedback_count(self):
        field = self._feedback_link_field()
        counts = dict(
            self.env["customer.feedback"]._read_group(
                [(field, "in", self._feedback_link_records().ids)], [field], ["__count"]
            )
        )
        for record in self:
            record.feedback_count = counts.get(record._feedback_link_records(), 0)

    def action_log_feedback(self):
        self.ensure_one()
        return self.env["customer.feedback"]._action_log_from(self._feedback_defaults())

    def action_view_feedback(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.customer_feedback_action",
            domain=[(self._feedback_link_field(), "in", self._feedback_link_records().ids)],
            context={
                f"default_{key}": value for key, value in self._feedback_defaults().items() if value
            },
        )

    def _feedback_product(self, products):
        """The product template when the document is about exactly one product."""
        templates = products.product_tmpl_id
        return templates.id if len(templates) == 1 else False
