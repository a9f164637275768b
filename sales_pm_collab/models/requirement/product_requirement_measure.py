from odoo import api, fields, models

HOUR = 3600.0


class ProductRequirement(models.Model):
    """The measures of the product dashboard (Dashboards app): how fast product managers
    answer a new requirement and how long it takes to ship one. Stored, so that pivots
    and charts average them in SQL; computed from the triage dates and the release, so
    nobody types them (read-only computed fields are system-owned)."""

    _inherit = "product.requirement"

    first_response_hours = fields.Float(
        string="First Response Time (Hours)",
        compute="_compute_first_response_measures",
        store=True,
        aggregator="avg",
        digits=(16, 2),
        help="Hours from raising the requirement to the first answer of a product manager "
        "(calendar hours); 0 until answered, so averages count answered requirements only.",
    )
    first_response_on_time = fields.Boolean(
        string="Answered within Triage SLA",
        compute="_compute_first_response_measures",
        store=True,
        help="The first answer came by the triage deadline.",
    )
    first_response_on_time_rate = fields.Float(
        string="% Answered within Triage SLA",
        compute="_compute_first_response_measures",
        store=True,
        aggregator="avg",
        help="100 when answered by the triage deadline, else 0: its average over the "
        "answered requirements is the share answered in time.",
    )
    cycle_days = fields.Float(
        string="Cycle Time (Days)",
        compute="_compute_cycle_days",
        store=True,
        aggregator="avg",
        digits=(16, 2),
        help="Days from raising the requirement to the release date of the release that "
        "shipped it; 0 until shipped, so averages count shipped requirements only.",
    )

    @api.depends("create_date", "first_response_date", "first_response_deadline")
    def _compute_first_response_measures(self):
        for requirement in self:
            answered = requirement.first_response_date
            start = requirement.create_date
            on_time = bool(
                answered
                and requirement.first_response_deadline
                and answered <= requirement.first_response_deadline
            )
            requirement.first_response_hours = (
                max((answered - start).total_seconds(), 0.0) / HOUR if answered and start else 0.0
            )
            requirement.first_response_on_time = on_time
            requirement.first_response_on_time_rate = 100.0 if on_time else 0.0

    @api.depends("create_date", "release_id.state", "release_id.date_released")
    def _compute_cycle_days(self):
        for requirement in self:
            release = requirement.release_id
            shipped = release.state == "released" and release.date_released
            start = requirement.create_date
            requirement.cycle_days = (
                max((release.date_released - start.date()).days, 0) if shipped and start else 0.0
            )
