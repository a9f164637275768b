from odoo import fields, models


class CustomerFeedbackOption(models.Model):
    """One value of the feedback kind or priority, as a record.

    Odoo has no multi-valued selection field: SLA policies match "any of these kinds /
    priorities" through many2many tags on these records. They are data
    (`data/customer_feedback_sla_data.xml`), one per selection value, and the tests
    check they stay in sync with the selections of `customer.feedback`.
    """

    _name = "customer.feedback.option"
    _description = "Feedback Kind or Priority"
    _order = "field, sequence, id"

    name = fields.Char(required=True, translate=True)
    field = fields.Selection(
        [("kind", "Kind"), ("priority", "Priority")],
        required=True,
        help="Which field of the feedback this value belongs to.",
    )
    value = fields.Char(required=True, help="Technical value of the selection.")
    sequence = fields.Integer(default=10)

    _field_value_unique = models.Constraint(
        "UNIQUE(field, value)",
        "Each kind and priority value exists once.",
    )
