from odoo import fields, models

from .customer_feedback_source_mixin import FEEDBACK_GROUPS


class ProductRelease(models.Model):
    """Feedback is logged against a release (its beta test, or after it shipped): the
    release is a document feedback is logged from."""

    _name = "product.release"
    _inherit = ["product.release", "customer.feedback.source.mixin"]
    # feedback is linked from the feedback
    _system_fields = ("feedback_ids",)

    feedback_ids = fields.One2many(
        "customer.feedback",
        "release_id",
        string="Customer Feedback",
        readonly=True,
        check_company=True,
        groups=FEEDBACK_GROUPS,
        help="Feedback logged against the release, e.g. during its beta test.",
    )

    def _feedback_link_field(self):
        return "release_id"

    def _feedback_defaults(self):
        """Feedback on a release: its product; from its beta test until it is released."""
        self.ensure_one()
        return {
            "release_id": self.id,
            "product_id": self.product_id.id,
            "company_id": self.company_id.id,
            "source": "beta_test" if self.state in ("planned", "testing") else False,
        }
