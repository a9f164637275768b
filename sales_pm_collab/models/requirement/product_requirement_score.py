from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .product_requirement import PM_GROUP

# RICE bounds beyond which an estimate is a typing mistake
MAX_EFFORT = 10000  # person-weeks: 200 people for a year
MAX_REACH = 1000000000  # customers or users per quarter
# RICE impact: the only values `impact` takes, and the dropdown the form offers for it
IMPACT_VALUES = (0.25, 0.5, 1.0, 2.0, 3.0)
IMPACT_LEVELS = [
    ("0.25", "Minimal (0.25)"),
    ("0.5", "Low (0.5)"),
    ("1", "Medium (1)"),
    ("2", "High (2)"),
    ("3", "Massive (3)"),
]


def _impact_level(impact):
    """The `IMPACT_LEVELS` key of an impact value, or False when it is not one of them."""
    for value, (key, _label) in zip(IMPACT_VALUES, IMPACT_LEVELS, strict=True):
        if impact is not None and abs(impact - value) < 1e-6:
            return key
    return False


class ProductRequirement(models.Model):
    """RICE scoring, by product managers only: reach × impact × (confidence / 100) /
    effort, e.g. 200 customers × 2 × 50 % / 4 person-weeks = 50."""

    _inherit = "product.requirement"

    # RICE scoring (product managers only)
    reach = fields.Integer(
        groups=PM_GROUP,
        tracking=True,
        help="Customers (or users) affected per quarter.",
    )
    impact = fields.Float(
        default=1.0,
        digits=(3, 2),
        groups=PM_GROUP,
        tracking=True,
        aggregator="avg",
        help="How much it moves each customer reached: 0.25 minimal, 0.5 low, 1 medium, "
        "2 high, 3 massive (no other value).",
    )
    impact_level = fields.Selection(
        IMPACT_LEVELS,
        compute="_compute_impact_level",
        inverse="_inverse_impact_level",
        groups=PM_GROUP,
        help="How much it moves each customer reached, picked from the five RICE values: "
        "0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive.",
    )
    confidence = fields.Float(
        string="Confidence (%)",
        default=50.0,
        groups=PM_GROUP,
        tracking=True,
        help="How sure the reach, impact and effort estimates are, 0 to 100.",
    )
    effort = fields.Float(
        string="Effort (person-weeks)",
        default=1.0,
        groups=PM_GROUP,
        tracking=True,
        help="Total work, in person-weeks; must be more than zero.",
    )
    score = fields.Float(
        string="RICE Score",
        compute="_compute_score",
        store=True,
        groups=PM_GROUP,
        aggregator="avg",
        digits=(16, 2),
        help="RICE: Reach × Impact × (Confidence / 100) / Effort, confidence being a "
        "percentage; e.g. 200 customers × 2 × 50 % / 4 person-weeks = 50.",
    )
    _effort_positive = models.Constraint(
        "CHECK(effort IS NULL OR effort > 0)",
        "The effort must be more than zero person-weeks: enter an estimate, even a rough one.",
    )
    _confidence_range = models.Constraint(
        "CHECK(confidence IS NULL OR (confidence >= 0 AND confidence <= 100))",
        "The confidence is a percentage: enter a value between 0 and 100.",
    )
    _impact_values = models.Constraint(
        "CHECK(impact IS NULL OR impact IN (0.25, 0.5, 1, 2, 3))",
        "The impact must be 0.25, 0.5, 1, 2 or 3.",
    )
    _reach_positive = models.Constraint(
        "CHECK(reach IS NULL OR reach >= 0)", "The reach cannot be negative."
    )

    @api.depends("impact")
    def _compute_impact_level(self):
        for requirement in self:
            requirement.impact_level = _impact_level(requirement.impact)

    def _inverse_impact_level(self):
        for requirement in self:
            if requirement.impact_level:
                requirement.impact = float(requirement.impact_level)

    @api.depends("reach", "impact", "confidence", "effort")
    def _compute_score(self):
        for requirement in self:
            effort = requirement.effort
            requirement.score = (
                requirement.reach
                * (requirement.impact or 0.0)
                * (requirement.confidence or 0.0)
                / 100.0
                / effort
                if effort and effort > 0
                else 0.0
            )

    @api.onchange("impact_level")
    def _onchange_impact_level(self):
        # the form shows the dropdown: keep the number (and the score) in step at once
        if self.impact_level:
            self.impact = float(self.impact_level)

    @api.constrains("effort", "confidence", "reach", "impact")
    def _check_scoring(self):
        for requirement in self.sudo():
            if _impact_level(requirement.impact) is False:
                raise ValidationError(
                    self.env._(
                        "The impact of “%(name)s” must be 0.25 (minimal), 0.5 (low), "
                        "1 (medium), 2 (high) or 3 (massive), not %(value)s.",
                        name=requirement.name,
                        value=requirement.impact,
                    )
                )
            if requirement.effort <= 0:
                raise ValidationError(
                    self.env._(
                        "The effort of “%(name)s” must be more than zero person-weeks: "
                        "enter an estimate, even a rough one.",
                        name=requirement.name,
                    )
                )
            if requirement.effort > MAX_EFFORT:
                raise ValidationError(
                    self.env._(
                        "The effort of “%(name)s” is in person-weeks: enter at most "
                        "%(max)s, not %(value)s.",
                        name=requirement.name,
                        max=MAX_EFFORT,
                        value=requirement.effort,
                    )
                )
            if not 0 <= (requirement.confidence or 0) <= 100:
                raise ValidationError(
                    self.env._(
                        "The confidence of “%(name)s” is a percentage: enter a value "
                        "between 0 and 100.",
                        name=requirement.name,
                    )
                )
            if (requirement.reach or 0) < 0:
                raise ValidationError(
                    self.env._("The reach of “%(name)s” cannot be negative.", name=requirement.name)
                )
            if (requirement.reach or 0) > MAX_REACH:
                raise ValidationError(
                    self.env._(
                        "The reach of “%(name)s” counts customers (or users) per quarter: "
                        "enter at most %(max)s.",
                        name=requirement.name,
                        max=MAX_REACH,
                    )
                )

    @api.model
    def _normalize_impact(self, vals):
        """Accept the impact as a number or its text ("2", "0.25"): callers over RPC or
        imports send either; anything else is a clear error, not a Python one."""
        impact = vals.get("impact")
        if not isinstance(impact, str):
            return vals
        try:
            return {**vals, "impact": float(impact.strip().replace(",", "."))}
        except ValueError:
            raise ValidationError(
                self.env._(
                    "The impact must be a number, 0.25, 0.5, 1, 2 or 3, not “%(value)s”.",
                    value=impact,
                )
            ) from None
