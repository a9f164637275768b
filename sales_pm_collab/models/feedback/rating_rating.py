from odoo import fields, models
from odoo.fields import Domain

FEEDBACK_MODEL = "customer.feedback"


class RatingRating(models.Model):
    """Ratings of customer feedback carry the customer's satisfaction and the token of
    the public rating page: the record rules of `feedback_security.xml` let users read
    them only on feedback they may read, and change them never (the rating page and
    the feedback's workflow do, as the system). Ratings of other models are untouched."""

    _inherit = "rating.rating"

    feedback_readable = fields.Boolean(
        "On Readable Feedback",
        compute="_compute_feedback_readable",
        search="_search_feedback_readable",
        help="A rating of customer feedback the current user may read (technical: used by "
        "the record rule on ratings).",
    )

    def _compute_feedback_readable(self):
        Feedback = self.env[FEEDBACK_MODEL].sudo(False)
        ids = [rating.res_id for rating in self.sudo() if rating.res_model == FEEDBACK_MODEL]
        readable = set(Feedback.browse(ids)._filtered_access("read").ids) if ids else set()
        for rating in self:
            rating.feedback_readable = (
                rating.sudo().res_model == FEEDBACK_MODEL and rating.sudo().res_id in readable
            )

    def _search_feedback_readable(self, operator, value):
        if operator != "in":
            return NotImplemented
        # The record rules search this field as superuser: the feedback visible to the
        # user is searched with the user's own rights (sudo(False) keeps the user).
        Feedback = self.env[FEEDBACK_MODEL].sudo(False)
        if Feedback.env.su or Feedback.has_access("read"):
            readable = Domain("res_id", "in", Feedback._search([]))
        else:
            readable = Domain.FALSE
        domain = Domain("res_model", "=", FEEDBACK_MODEL) & readable
        if True in value:
            return domain if False not in value else Domain.TRUE
        return ~domain if False in value else Domain.FALSE
