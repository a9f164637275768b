from odoo import api, fields, models


class CustomerFeedback(models.Model):
    """The measures of the customer service dashboard (Dashboards app) beside the SLA's
    (% breached) and the satisfaction's: how often feedback had to be reopened. Stored,
    so that pivots and charts average it in SQL; computed from the follow-up count the
    reopen step increments, so nobody types it."""

    _inherit = "customer.feedback"

    reopen_rate = fields.Float(
        string="% Reopened",
        compute="_compute_reopen_rate",
        store=True,
        aggregator="avg",
        help="100 when the feedback was reopened at least once for a second follow-up, "
        "else 0: its average is the reopen rate.",
    )

    @api.depends("followup_count")
    def _compute_reopen_rate(self):
        for feedback in self:
            feedback.reopen_rate = 100.0 if feedback.followup_count > 0 else 0.0
