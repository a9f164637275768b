import numbers

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# the criteria of a grade -> whether the ladder compares it between adjacent grades (its
# direction and consistency check); the training rate is not compared because each grade
# measures it against its own mandatory courses, so the percentages are not comparable.
LADDER_CRITERIA = {
    "min_revenue": True,
    "min_collection_rate": True,
    "min_new_customers": True,
    "min_satisfaction": True,
    "min_training_rate": False,
}
# the sane range of each number of a grade: (lowest, highest or None)
GRADE_RANGES = {
    "min_revenue": (0, None),
    "min_collection_rate": (0, 100),
    "min_new_customers": (0, None),
    "min_satisfaction": (0, 5),
    "min_training_rate": (0, 100),
    "evaluation_months": (1, 120),
    "demotion_grace": (1, 24),
}
GRADE_NAME_SIZE = 128


class ResPartnerGrade(models.Model):
    """The tier ladder of channel partners, on core's partner grade (``partnership``).

    The ladder runs along ``sequence``; which end is the top is read from the thresholds:
    the grade that asks more is the higher one, whichever way the sequence was numbered
    (see `_get_ladder`). A grade without any criterion asks less than every grade with
    criteria, so it sits at the bottom; the lowest of them is the entry level, the others
    (e.g. core's Gold / Silver / Bronze left next to a ladder of your own) are flagged.
    Without any threshold to tell, core's convention holds: the grade listed first is the
    highest (core ships Gold = 1, Silver = 2, Bronze = 3). A criterion left at zero is not
    required. A ladder whose thresholds go both ways is accepted but flagged
    (`ladder_warning`): creating or editing a grade never fails because of the other
    grades.
    """

    _name = "res.partner.grade"
    _inherit = ["res.partner.grade", "collab.guard.mixin"]
    _check_company_auto = True
    # a level without company is on the ladder of every company
    _shared_config = True
    _shared_config_used_by = ("res.partner.grade.evaluation",)
    _system_fields = ("partners_count",)

    sequence = fields.Integer(
        help="Ladder order, numbered either way: the end of the ladder with the higher "
        "thresholds is the top. Levels without any criterion sit at the bottom; with no "
        "thresholds set at all, the level listed first is the highest.",
    )
    min_revenue = fields.Monetary(
        string="Minimum Revenue",
        currency_field="currency_id",
        help="Posted customer invoices minus refunds (untaxed, company currency) over the "
        "evaluation window. Zero: not required.",
    )
    min_collection_rate = fields.Float(
        string="Minimum Collection Rate (%)",
        help="Share of the amount of invoices due in the window that is paid (credit notes "
        "taken off what is due). Zero: not required.",
    )
    min_new_customers = fields.Integer(
        string="Minimum New Customers",
        help="Customer companies first won in the window with this partner (no opportunity "
        "of theirs won before). Zero: not required.",
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
        check_company=True,
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
    benefit_note = fields.Html(string="Benefits", translate=True)
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
    )
    ladder_level = fields.Integer(
        compute="_compute_ladder_level",
        help="Position on the ladder, 1 being the lowest: the levels without any criterion "
        "share the bottom.",
    )
    ladder_warning = fields.Char(
        compute="_compute_ladder_level",
        help="Set when this level asks less than a level below it on the ladder, or has no "
        "criterion while another level is the entry level.",
    )
    has_criteria = fields.Boolean(
        compute="_compute_has_criteria",
        help="Technical: whether any criterion of the level is set.",
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

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for grade in self:
            grade.currency_id = (grade.company_id or self.env.company).currency_id

    @api.depends(
        "sequence",
        "active",
        "company_id",
        "min_revenue",
        "min_collection_rate",
        "min_new_customers",
        "min_satisfaction",
        "min_training_rate",
    )
    @api.depends_context("company")
    def _compute_ladder_level(self):
        ladders = {}
        for grade in self:
            company = grade.company_id or self.env.company
            if company not in ladders:
                ladder = self._get_ladder(company)
                graded = ladder.filtered("has_criteria")
                # the grades without criteria share the bottom rung
                levels = {g.id: len(graded) + 1 - i for i, g in enumerate(graded)}
                levels.update({g.id: 1 for g in ladder - graded})
                ladders[company] = (levels, ladder._ladder_warnings())
            levels, warnings = ladders[company]
            grade.ladder_level = levels.get(grade.id, 0)
            grade.ladder_warning = warnings.get(grade.id, False)

    @api.depends(*LADDER_CRITERIA)
    def _compute_has_criteria(self):
        for grade in self:
            grade.has_criteria = any(grade[fname] for fname in LADDER_CRITERIA)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_grade_values(vals, vals.get("name"), creating=True)
        return super().create(vals_list)

    def write(self, vals):
        if "name" in vals or self._grade_ranges().keys() & vals.keys():
            names = ", ".join(name for name in self.mapped("name") if name)
            self._check_grade_values(vals, vals.get("name") or names)
        return super().write(vals)

    def _check_mandatory_courses_access(self):
        """The mandatory courses of these grades change (e.g. from a course): the user
        must be allowed to change the grades themselves."""
        if not self or self.env.su:
            return
        self.check_access("write")
        if self._collab_shared_records():
            self._collab_check_shared_config_access()

    @api.model
    def _grade_ranges(self):
        """{field: (lowest, highest or None)}: the sane range of each number of a level
        (`GRADE_RANGES`; extensions add their own numbers)."""
        return dict(GRADE_RANGES)

    @api.model
    def _check_grade_values(self, vals, name, creating=False):
        """Refuse criteria and settings out of their sane range (`_grade_ranges`) and an
        empty or oversized name, before they reach the database (whose constraints only
        back these checks up), with a message naming the level and the field. A value
        that is no number at all is left to the input checks of collab.guard.mixin."""
        if creating or "name" in vals:
            text = vals.get("name")
            if not isinstance(text, str) or not text.strip():
                raise ValidationError(self.env._("A partner level needs a name."))
            if len(text) > GRADE_NAME_SIZE:
                raise ValidationError(
                    self.env._(
                        "The name of a partner level is limited to %(size)s characters; "
                        "shorten it.",
                        size=GRADE_NAME_SIZE,
                    )
                )
        for fname, (low, high) in self._grade_ranges().items():
            if fname not in vals or vals[fname] is None or vals[fname] is False:
                continue
            value = _as_number(vals[fname])
            if value is None:
                continue
            if value < low or (high is not None and value > high):
                field = self._fields[fname]._description_string(self.env)
                raise ValidationError(
                    self.env._(
                        "Level %(level)s: “%(field)s” must be between %(low)s and %(high)s; "
                        "got %(value)s.",
                        level=name or "",
                        field=field,
                        low=low,
                        high=high,
                        value=vals[fname],
                    )
                    if high is not None
                    else self.env._(
                        "Level %(level)s: “%(field)s” must be at least %(low)s; got %(value)s.",
                        level=name or "",
                        field=field,
                        low=low,
                        value=vals[fname],
                    )
                )

    def _ladder_warnings(self):
        """{grade id: warning} for the grades of this ladder (`_get_ladder`, highest first):

        - a grade with criteria that asks less than the grade with criteria just below it
          on revenue, collection rate, new customers or satisfaction (an empty criterion
          counts as 0; the training rate is not compared: each grade measures its own
          courses). Such a ladder still works, the recommendation is the highest grade
          whose every set criterion is met, but it can skip grades;
        - a grade without any criterion that is not the entry level: it asks nothing, so it
          sits at the bottom of the ladder next to the entry level and is never
          recommended to a partner that does not hold it already (e.g. core's Gold, Silver
          and Bronze next to a ladder of your own).
        """
        labels = self._criterion_labels()
        warnings = {}
        graded = self.filtered("has_criteria")
        for higher, lower in zip(graded, graded[1:], strict=False):
            for fname, checked in LADDER_CRITERIA.items():
                if checked and (higher[fname] or 0) < (lower[fname] or 0):
                    warnings[higher.id] = self.env._(
                        "%(higher)s is above %(lower)s on the ladder but asks less on "
                        "%(criterion)s (%(high_value)s < %(low_value)s): raise its threshold, "
                        "lower the one of %(lower)s, or reorder the levels.",
                        higher=higher.display_name,
                        lower=lower.display_name,
                        criterion=labels[fname],
                        high_value=higher[fname],
                        low_value=lower[fname],
                    )
                    break
        entry = self._ladder_entry()
        for grade in self - graded - entry:
            warnings[grade.id] = self.env._(
                "%(grade)s has no criterion: it asks nothing, so it sits at the bottom of the "
                "ladder with the entry level %(entry)s, which partners without a level are "
                "recommended; partners holding %(grade)s keep it until they qualify for a "
                "level with criteria. Set its criteria, or archive it if you do not use it.",
                grade=grade.display_name,
                entry=entry.display_name,
            )
        return warnings

    def _ladder_entry(self):
        """The entry level of this ladder (`_get_ladder`, highest first): its lowest grade
        when that grade has no criterion, else none."""
        bottom = self[-1:]
        return bottom if bottom and not bottom.has_criteria else self.browse()

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
        """Active grades of the company (and shared ones), HIGHEST FIRST.

        The grade that asks more is the higher one: the grades with criteria are ordered
        along the sequence in the direction their thresholds climb (`_ladder_ascending`);
        the grades without any criterion ask less than all of them and come last, ordered
        along the sequence in the same direction, the most recently created one lowest on
        a tie (core's Gold, Silver and Bronze are the oldest). The last grade, when it has
        no criterion, is the entry level (`_ladder_entry`).
        """
        company = company or self.env.company
        grades = self.search(
            [("company_id", "in", [company.id, False])],
            order="sequence, id",
        )
        graded = grades.filtered("has_criteria")
        plain = grades - graded
        ascending = graded._ladder_ascending(plain)
        if ascending:
            graded = graded[::-1]
            plain = plain.sorted(lambda g: (-g.sequence, g.id))
        return graded + plain

    def _ladder_ascending(self, plain=None):
        """Whether these grades with criteria (in sequence order) climb with the sequence.

        Read from the thresholds of adjacent grades: more steps up than down along the
        sequence means the last grade is the top. When the thresholds cannot tell (e.g. a
        single grade with criteria), the grades without criteria `plain` can: they ask
        less, so the sequence climbs if the grades with criteria are numbered after them
        more often than before. Else core's convention: the first listed is the top (core
        ships Gold = 1, Silver = 2, Bronze = 3).
        """
        ups = downs = 0
        for first, second in zip(self, self[1:], strict=False):
            for fname, checked in LADDER_CRITERIA.items():
                if not checked:
                    continue
                before, after = first[fname] or 0, second[fname] or 0
                ups += after > before
                downs += after < before
        if ups == downs:
            for grade in self:
                for other in plain or ():
                    ups += grade.sequence > other.sequence
                    downs += grade.sequence < other.sequence
        return ups > downs


def _as_number(value):
    """`value` as a float when it is a number or a numeric text, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None
