from odoo import fields, models


class ResPartnerTrainingCourse(models.Model):
    _name = "res.partner.training.course"
    _description = "Channel Partner Training Course"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Html(translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to offer the course to the partners of every company.",
    )
    grade_ids = fields.Many2many(
        "res.partner.grade",
        string="Mandatory For",
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
