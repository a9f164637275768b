from odoo import api, fields, models


class ResPartnerTraining(models.Model):
    _name = "res.partner.training"
    _description = "Channel Partner Training"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Channel Partner",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('is_company', '=', True)]",
        check_company=True,
    )
    course_id = fields.Many2one(
        "res.partner.training.course",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    attendee_id = fields.Many2one(
        "res.partner",
        domain="[('parent_id', '=', partner_id)]",
        help="The contact of the partner who took the course.",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    result = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed")],
        required=True,
        default="passed",
    )
    note = fields.Char()
    company_id = fields.Many2one(related="partner_id.company_id", store=True)

    @api.depends("course_id", "partner_id")
    def _compute_display_name(self):
        for training in self:
            training.display_name = (
                f"{training.partner_id.name or ''} - {training.course_id.name or ''}"
            )
