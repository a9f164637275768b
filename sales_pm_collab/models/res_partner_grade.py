from odoo import api, fields, models
from odoo.exceptions import ValidationError

# criterion field -> (KPI label, ladder-checked): the ladder consistency check compares
# the thresholds of adjacent grades; the training rate is left out because each grade
# measures it against its own mandatory courses, so the percentages are not comparable.
LADDER_CRITERIA = {
    "min_revenue": True,
    "min_collection_rate": True,
    "min_new_customers": True,
    "min_satisfaction": True,
    "min_training_rate": False,
}


class ResPartnerGrade(models.Model):
    """The tier ladder of channel partners, on core's partner grade (``partnership``).

    Ladder order is core's: ``_order = 'sequence'`` and the grade listed FIRST is the
    HIGHEST (core ships Gold = 1, Silver = 2, Bronze = 3). A criterion left at zero is not
    required.
    """

    _inherit = "res.partner.grade"

    sequence = fields.Integer(
        help="Ladder order: the grade listed first (lowest sequence) is the highest tier.",
    )
    # --- channel ---
    min_revenue = fields.Monetary(
        string="Minimum Revenue",
        currency_field="currency_id",
        help="Posted customer invoices minus refunds (untaxed, company currency) over the "
        "evaluation window. Zero: not required.",
    )
    min_collection_rate = fields.Float(
        string="Minimum Collection Rate (%)",
        help="Share of the amount of invoices due in the window that is paid. Zero: not required.",
    )
    min_new_customers = fields.Integer(
        string="Minimum New Customers",
        help="Customers of opportunities won in the window through this partner that had "
        "never won an opportunity before. Zero: not required.",
    )
    min_satisfaction = fields.Float(
        string="Minimum Satisfaction (1-5)",
        help="Average rating of the partner's customers' feedback in the window. Zero: not "
        "required. While satisfaction is not measured, a set criterion is not met.",
    )
    min_training_rate = fields.Float(
        string="Minimum Training Rate (%)",
        help="Share of this grade's mandatory courses the partner passed. Zero: not required.",
    )
    mandatory_course_ids = fields.Many2many(
        "res.partner.training.course",
        string="Mandatory Courses",
        help="Courses a partner must pass for the training criterion of this grade.",
    )
    evaluation_months = fields.Integer(
        default=12,
        help="Length of the evaluation window in months, ending with the last full month.",
    )
    demotion_grace = fields.Integer(
        default=1,
        help="Consecutive failing evaluations before a demotion from this grade is proposed "
        "(1: at the first failing evaluation).",
    )
    rebate_multiplier = fields.Float(
        string="Rebate Multiplier (%)",
        default=100.0,
        help="Rebate programs multiply the rebate of partners of this grade by this "
        "percentage (100: unchanged).",
    )
    benefit_note = fields.Html(string="Benefits", translate=True)
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
    )
    ladder_level = fields.Integer(
        compute="_compute_ladder_level",
        help="Position on the ladder, 1 being the lowest active grade.",
    )

    _min_revenue_positive = models.Constraint(
        "CHECK(min_revenue IS NULL OR min_revenue >= 0)",
        "The minimum revenue of a grade cannot be negative.",
    )
    _min_collection_rate_range = models.Constraint(
        "CHECK(min_collection_rate IS NULL OR "
        "(min_collection_rate >= 0 AND min_collection_rate <= 100))",
        "The minimum collection rate of a grade must be between 0 and 100%.",
    )
    _min_new_customers_positive = models.Constraint(
        "CHECK(min_new_customers IS NULL OR min_new_customers >= 0)",
        "The minimum number of new customers of a grade cannot be negative.",
    )
    _min_satisfaction_range = models.Constraint(
        "CHECK(min_satisfaction IS NULL OR (min_satisfaction >= 0 AND min_satisfaction <= 5))",
        "The minimum satisfaction of a grade must be between 0 (not required) and 5.",
    )
    _min_training_rate_range = models.Constraint(
        "CHECK(min_training_rate IS NULL OR (min_training_rate >= 0 AND min_training_rate <= 100))",
        "The minimum training rate of a grade must be between 0 and 100%.",
    )
    _evaluation_months_positive = models.Constraint(
        "CHECK(evaluation_months IS NULL OR evaluation_months > 0)",
        "The evaluation window of a grade must last at least one month.",
    )
    _demotion_grace_positive = models.Constraint(
        "CHECK(demotion_grace IS NULL OR demotion_grace >= 1)",
        "The demotion grace of a grade must be at least 1 evaluation.",
    )
    _rebate_multiplier_positive = models.Constraint(
        "CHECK(rebate_multiplier IS NULL OR rebate_multiplier >= 0)",
        "The rebate multiplier of a grade cannot be negative.",
    )

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for grade in self:
            grade.currency_id = (grade.company_id or self.env.company).currency_id

    @api.depends("sequence", "active")
    @api.depends_context("company")
    def _compute_ladder_level(self):
        ladders = {}
        for grade in self:
            company = grade.company_id or self.env.company
            if company not in ladders:
                ladder = self._get_ladder(company)
                ladders[company] = {g.id: len(ladder) - i for i, g in enumerate(ladder)}
            grade.ladder_level = ladders[company].get(grade.id, 0)

    @api.constrains(
        "sequence",
        "active",
        "company_id",
        "min_revenue",
        "min_collection_rate",
        "min_new_customers",
        "min_satisfaction",
    )
    def _check_ladder_consistency(self):
        """Refuse a ladder where a higher grade asks less than the grade below it.

        Compared criterion by criterion between adjacent active grades (an empty criterion
        counts as 0): a partner meeting the higher grade must also meet the lower one,
        otherwise the recommendation would skip grades unpredictably.
        """
        labels = self._criterion_labels()
        for company in self.mapped(lambda g: g.company_id or self.env.company):
            ladder = self._get_ladder(company)
            # ladder is highest first: compare each grade with the one just below it
            for higher, lower in zip(ladder, ladder[1:], strict=False):
                for fname, checked in LADDER_CRITERIA.items():
                    if checked and (higher[fname] or 0) < (lower[fname] or 0):
                        raise ValidationError(
                            self.env._(
                                "The grade %(higher)s is above %(lower)s on the ladder but "
                                "asks less on %(criterion)s (%(high_value)s < %(low_value)s). "
                                "Raise the threshold of %(higher)s, lower the one of "
                                "%(lower)s, or reorder the grades.",
                                higher=higher.display_name,
                                lower=lower.display_name,
                                criterion=labels[fname],
                                high_value=higher[fname],
                                low_value=lower[fname],
                            )
                        )

    @api.model
    def _criterion_labels(self):
        return {
            "min_revenue": self.env._("revenue"),
            "min_collection_rate": self.env._("collection rate"),
            "min_new_customers": self.env._("new customers"),
            "min_satisfaction": self.env._("satisfaction"),
            "min_training_rate": self.env._("training rate"),
        }

    @api.model
    def _get_ladder(self, company=None):
        """Active grades of the company (and shared ones), HIGHEST FIRST."""
        company = company or self.env.company
        return self.search(
            [("company_id", "in", [company.id, False])],
            order="sequence, id",
        )
