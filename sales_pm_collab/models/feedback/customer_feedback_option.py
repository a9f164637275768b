from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerFeedbackOption(models.Model):
    """One value of the feedback kind or priority, as a record.

    Odoo has no multi-valued selection field: SLA policies match "any of these kinds /
    priorities" through many2many tags on these records. They are data
    (`data/customer_feedback_sla_data.xml`), one per selection value, and the tests
    check they stay in sync with the selections of `customer.feedback`.
    """

    _name = "customer.feedback.option"
    _inherit = ["collab.guard.mixin"]
    _description = "Feedback Kind or Priority"
    # the same values in every company: renamed only by users with access to all
    _shared_config = True
    _shared_config_used_by = ("customer.feedback",)
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

    @api.constrains("field", "value")
    def _check_value(self):
        """Each option stands for a value of the feedback's kind or priority: a value
        the feedback cannot have would make SLA policies match nothing."""
        Feedback = self.env["customer.feedback"]
        for option in self:
            selection = Feedback._fields[option.field]._description_selection(self.env)
            keys = [key for key, _label in selection]
            if option.value not in keys:
                raise ValidationError(
                    self.env._(
                        "“%(value)s” is not a %(field)s of customer feedback: use one of %(keys)s.",
                        value=option.value,
                        field=dict(self._fields["field"]._description_selection(self.env))[
                            option.field
                        ].lower(),
                        keys=", ".join(keys),
                    )
                )
