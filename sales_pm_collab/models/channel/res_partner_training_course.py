from odoo import api, fields, models

COURSE_NAME_SIZE = 128


class ResPartnerTrainingCourse(models.Model):
    _name = "res.partner.training.course"
    _description = "Channel Partner Training Course"
    _inherit = ["collab.guard.mixin"]
    _order = "sequence, name"
    _check_company_auto = True
    # a course without company is offered to the partners of every company
    _shared_config = True
    _shared_config_used_by = ("res.partner.training",)

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Html(translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        index=True,
        help="Leave empty to offer the course to the partners of every company (only a "
        "user with access to every company can then change it).",
    )
    grade_ids = fields.Many2many(
        "res.partner.grade",
        string="Mandatory For",
        check_company=True,
        help="Grades that require this course.",
    )
    training_ids = fields.One2many("res.partner.training", "course_id", string="Trainings")
    passed_count = fields.Integer(compute="_compute_passed_count", string="Passed")

    def _compute_passed_count(self):
        counts = dict(
            self.env["res.partner.training"]._read_group(
                [("course_id", "in", self.ids), ("result", "=", "passed")],
                ["course_id"],
                ["__count"],
            )
        )
        for course in self:
            course.passed_count = counts.get(course, 0)

    @api.constrains("name")
    def _check_name(self):
        self._check_name_size(
            COURSE_NAME_SIZE,
            self.env._("A training course needs a name."),
            self.env._(
                "The name of a training course is limited to %(size)s characters; shorten it.",
                size=COURSE_NAME_SIZE,
            ),
        )

    @api.model_create_multi
    def create(self, vals_list):
        courses = super().create(vals_list)
        if not self.env.su:
            courses.sudo().grade_ids.with_env(self.env)._check_mandatory_courses_access()
        return courses

    def write(self, vals):
        if "grade_ids" not in vals or self.env.su:
            return super().write(vals)
        # the courses a level requires are part of the level: changing them from the
        # course side needs the right to change the levels concerned (all of them, also
        # the ones the user cannot read)
        before = self.sudo().grade_ids
        res = super().write(vals)
        after = self.sudo().grade_ids
        ((before - after) | (after - before)).with_env(self.env)._check_mandatory_courses_access()
        return res
