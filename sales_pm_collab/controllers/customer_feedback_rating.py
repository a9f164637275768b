from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.rating.controllers.main import Rating

FEEDBACK_FACES = (1, 3, 5)


class CustomerFeedbackRating(Rating):
    """The public rating page: a rating of customer feedback is one of the e-mail's
    faces (5, 3, 1); anything else is refused with a clear answer (Odoo's page raises a
    server error for it). Ratings of other models: Odoo's page unchanged."""

    @http.route()
    def action_submit_rating(self, token, rate=0, **kwargs):
        if request.httprequest.method == "POST":
            rating = (
                request.env["rating.rating"].sudo().search([("access_token", "=", token)], limit=1)
            )
            if rating.res_model == "customer.feedback":
                Feedback = request.env["customer.feedback"].sudo()
                try:
                    value = Feedback._check_rate(rate)
                except ValidationError as error:
                    raise BadRequest(error.args[0]) from None
                if value not in FEEDBACK_FACES:
                    raise BadRequest(
                        Feedback.env._(
                            "Pick one of the faces of the e-mail: 5 (happy), 3 (neutral) or 1 "
                            "(unhappy); got %(rate)s.",
                            rate=rate,
                        )
                    )
                rate = value
        return super().action_submit_rating(token, rate=rate, **kwargs)
