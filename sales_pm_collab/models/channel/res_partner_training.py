from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# a training older than this is a typing mistake, not a record of the channel
TRAINING_MIN_DATE = date(2000, 1, 1)
TRAINING_NOTE_SIZE = 500


class ResPartnerTraining(models.Model):
    """A course a channel partner took and its result (the training KPI counts the
    passed mandatory courses). A training belongs to a company, the partner's when it has
    one, else the company that recorded it: a shared partner's trainings in one company
    are not another company's to read or change."""

    _name = "res.partner.training"
    _description = "Channel Partner Training"
    _inherit = ["collab.guard.mixin"]
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
        check_company=True,
        help="The contact of the partner who took the course.",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    result = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed")],
        required=True,
        default="passed",
    )
    note = fields.Char()
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        compute="_compute_company_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The partner's company; for a partner shared by the companies, the company "
        "that recorded the training.",
    )

    @api.depends("course_id", "partner_id")
    def _compute_display_name(self):
        for training in self:
            training.display_name = (
                f"{training.partner_id.name or ''} - {training.course_id.name or ''}"
            )

    @api.depends("partner_id")
    def _compute_company_id(self):
        for training in self:
            training.company_id = (
                training.partner_id.company_id or training.company_id or self.env.company
            )

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for training in self:
            if training.date and not TRAINING_MIN_DATE <= training.date <= today:
                raise ValidationError(
                    self.env._(
                        "The training of %(partner)s in %(course)s is dated %(date)s: record "
                        "a training taken between %(min)s and today.",
                        partner=training.partner_id.display_name,
                        course=training.course_id.display_name,
                        date=training.date,
                        min=TRAINING_MIN_DATE,
                    )
                )

    @api.constrains("attendee_id", "partner_id")
    def _check_attendee(self):
        for training in self:
            attendee = training.attendee_id
            if attendee and (
                attendee.commercial_partner_id != training.partner_id.commercial_partner_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(attendee)s is not a contact of %(partner)s: pick one of the "
                        "partner's contacts as attendee.",
                        attendee=attendee.display_name,
                        partner=training.partner_id.display_name,
                    )
                )

    @api.constrains("note")
    def _check_note(self):
        for training in self:
            if training.note and len(training.note) > TRAINING_NOTE_SIZE:
                raise ValidationError(
                    self.env._(
                        "The note of a training is limited to %(size)s characters; shorten it.",
                        size=TRAINING_NOTE_SIZE,
                    )
                )
