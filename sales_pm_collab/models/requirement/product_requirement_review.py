from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from .product_requirement import PM_GROUP


class ProductRequirementReview(models.Model):
    _name = "product.requirement.review"
    _description = "Requirement Review Meeting"
    _inherit = ["mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    # Apply Decisions closes the review; the calendar meeting is the application's
    _system_fields = ("state", "calendar_event_id")

    name = fields.Char(
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
    )
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, tracking=True, string="Meeting Date"
    )
    duration = fields.Float(default=1.0, help="Length of the meeting, in hours.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Chair",
        default=lambda self: self.env.user,
        check_company=True,
        tracking=True,
    )
    attendee_ids = fields.Many2many(
        "res.users",
        "product_requirement_review_user_rel",
        "review_id",
        "user_id",
        string="Attendees",
        default=lambda self: self.env.user,
    )
    state = fields.Selection(
        [("draft", "Planned"), ("done", "Done")],
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many(
        "product.requirement.review.line", "review_id", string="Agenda", copy=False
    )
    line_count = fields.Integer(compute="_compute_line_count")
    calendar_event_id = fields.Many2one(
        "calendar.event", string="Meeting", copy=False, readonly=True, ondelete="set null"
    )
    minutes = fields.Html(help="Minutes of the meeting.")

    @api.depends("date")
    def _compute_name(self):
        for review in self:
            if review.date:
                review.name = self.env._(
                    "Requirement review %(date)s",
                    date=fields.Date.to_string(
                        fields.Datetime.context_timestamp(review, review.date).date()
                    ),
                )
            elif not review.name:
                review.name = self.env._("Requirement review")

    @api.depends("line_ids")
    def _compute_line_count(self):
        for review in self:
            review.line_count = len(review.line_ids)

    # === CRUD === #
    @api.model_create_multi
    def create(self, vals_list):
        """A new review fills its agenda, unless it is created with one (`line_ids`)."""
        reviews = super().create(vals_list)
        for review, vals in zip(reviews, vals_list, strict=True):
            if not vals.get("line_ids"):
                review.action_fill_agenda()
        reviews._sync_calendar_event()
        return reviews

    def write(self, vals):
        result = super().write(vals)
        if {"date", "duration", "attendee_ids", "name", "user_id"} & set(vals):
            self._sync_calendar_event()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(review.state == "done" for review in self):
            raise UserError(
                self.env._("A review that is done holds decisions and cannot be deleted.")
            )

    def unlink(self):
        # a cancelled meeting leaves nobody's calendar (a done review cannot be deleted)
        events = self.calendar_event_id
        result = super().unlink()
        events.sudo().unlink()
        return result

    def _sync_calendar_event(self):
        """Create or update the linked calendar meeting with the attendees."""
        model_id = self.env["ir.model"]._get_id(self._name)
        for review in self.filtered(lambda r: r.state == "draft"):
            values = {
                "name": review.name,
                "start": review.date,
                "stop": review.date + timedelta(hours=review.duration or 1.0),
                "user_id": review.user_id.id or self.env.uid,
                "partner_ids": [Command.set(review.attendee_ids.partner_id.ids)],
                "res_model_id": model_id,
                "res_id": review.id,
            }
            if review.calendar_event_id:
                review.calendar_event_id.write(values)
            else:
                event = self.env["calendar.event"].create(values)
                review._write_system({"calendar_event_id": event.id})

    # === ACTIONS === #
    def action_fill_agenda(self):
        """Add the requirements waiting for a decision, breached triage first, then money."""
        for review in self:
            if review.state != "draft":
                raise UserError(self.env._("The agenda of a review that is done is closed."))
            waiting = self.env["product.requirement"].search(
                [("state", "in", ("new", "review")), ("company_id", "=", review.company_id.id)]
            )
            present = review.line_ids.requirement_id
            now = fields.Datetime.now()
            ordered = sorted(
                waiting | present,
                key=lambda r: (
                    not r._triage_breached(now),
                    -r.revenue_at_stake,
                    r.first_response_deadline or now,
                    r.id,
                ),
            )
            sequence_of = {requirement: index * 10 for index, requirement in enumerate(ordered)}
            for line in review.line_ids:
                line.sequence = sequence_of[line.requirement_id]
            review.write(
                {
                    "line_ids": [
                        Command.create(
                            {"requirement_id": requirement.id, "sequence": sequence_of[requirement]}
                        )
                        for requirement in ordered
                        if requirement not in present
                    ]
                }
            )
        return True

    def action_done(self):
        """Apply every decision of the agenda, post it on the requirement, tell the requester."""
        self._check_role(
            [PM_GROUP], self.env._("Only product managers can close a requirement review.")
        )
        for review in self:
            if review.state == "done":
                raise UserError(self.env._("“%(name)s” is already done.", name=review.name))
            lines = review.line_ids.filtered("decision")
            lines._check_decisions()
            for line in lines.sorted(lambda line: (line.decision == "merge", line.sequence)):
                line._apply_decision()
            review._write_system({"state": "done"})
            # the meeting took place: close its calendar activity on the review
            meeting_activities = review.activity_ids.filtered(
                lambda a, event=review.calendar_event_id: event and a.calendar_event_id == event
            )
            meeting_activities.action_done()
            undecided = review.line_ids - lines
            body = Markup("<p>%s</p>") % self.env._(
                "Review closed: %(count)s decision(s) applied, %(undecided)s requirement(s) "
                "without a decision stay on the board.",
                count=len(lines),
                undecided=len(undecided),
            )
            review.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        return True

    def action_open_event(self):
        self.ensure_one()
        if not self.calendar_event_id:
            self._sync_calendar_event()
        return {
            "type": "ir.actions.act_window",
            "res_model": "calendar.event",
            "res_id": self.calendar_event_id.id,
            "view_mode": "form",
            "target": "current",
        }
