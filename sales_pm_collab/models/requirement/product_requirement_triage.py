from odoo import SUPERUSER_ID, api, fields, models
from odoo.fields import Domain
from odoo.tools import format_datetime

from .product_requirement import PM_GROUP


class ProductRequirement(models.Model):
    """The triage SLA: a new requirement is answered within the company's triage delay
    in working days (moving it out of New, or a product manager's message); a daily job
    gives the product manager an activity per overdue requirement."""

    _inherit = "product.requirement"

    first_response_deadline = fields.Datetime(
        string="Triage Deadline",
        copy=False,
        readonly=True,
        index=True,
        help="Creation plus the company's triage delay in working days, on its working calendar.",
    )
    first_response_date = fields.Datetime(
        string="First Response",
        copy=False,
        readonly=True,
        help="When a product manager first answered: the requirement left the New stage, or "
        "a product manager posted a message.",
    )
    is_triage_overdue = fields.Boolean(
        string="Triage Overdue",
        compute="_compute_is_triage_overdue",
        search="_search_is_triage_overdue",
    )

    @api.depends("first_response_date", "first_response_deadline")
    def _compute_is_triage_overdue(self):
        now = fields.Datetime.now()
        for requirement in self:
            requirement.is_triage_overdue = bool(
                not requirement.first_response_date
                and requirement.first_response_deadline
                and requirement.first_response_deadline < now
            )

    def _search_is_triage_overdue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        overdue = Domain("first_response_date", "=", False) & Domain(
            "first_response_deadline", "<", fields.Datetime.now()
        )
        return overdue if (operator == "in") == (True in value) else ~overdue

    def _set_first_response_deadline(self):
        """Creation + N working days (company setting) on the company's working calendar."""
        now = fields.Datetime.now()  # the creation moment (create_date is the transaction's)
        deadlines = {}  # one calendar computation per company for the whole batch
        for requirement in self.filtered(lambda r: not r.first_response_deadline):
            company = requirement.company_id
            if company not in deadlines:
                deadlines[company] = company._requirement_sla_deadline(now)
            # set by the application, also for requesters who may not change it
            requirement.sudo().first_response_deadline = deadlines[company]

    def _triage_breached(self, now=None):
        """The first answer came (or is still missing) after the triage deadline."""
        self.ensure_one()
        deadline = self.first_response_deadline
        return bool(
            deadline and (self.first_response_date or now or fields.Datetime.now()) > deadline
        )

    def _message_post_after_hook(self, message, msg_values):
        """A product manager's message is a first response to the requester."""
        result = super()._message_post_after_hook(message, msg_values)
        if (
            msg_values.get("message_type") == "comment"
            and self.env.uid != SUPERUSER_ID
            and msg_values.get("author_id") == self.env.user.partner_id.id
            and self.env.user.has_group(PM_GROUP)
        ):
            unanswered = self.filtered(lambda r: not r.first_response_date)
            if unanswered:
                unanswered.sudo().write({"first_response_date": fields.Datetime.now()})
        return result

    @api.model
    def _cron_triage_overdue(self):
        """One activity per overdue requirement for its product manager (idempotent)."""
        activity_type = self.env.ref(
            "sales_pm_collab.mail_activity_type_requirement_triage", raise_if_not_found=False
        )
        if not activity_type:
            return
        overdue = self.search([("is_triage_overdue", "=", True), ("state", "=", "new")])
        done = {
            res_id
            for (res_id,) in self.env["mail.activity"]._read_group(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", overdue.ids),
                    ("activity_type_id", "=", activity_type.id),
                ],
                ["res_id"],
            )
        }
        todo = overdue.filtered(lambda r: r.id not in done)
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for requirement in todo:
            user = requirement.user_id or requirement.company_id.requirement_pm_user_id
            if not user:
                continue
            env = requirement._in_lang_of(user).env  # in the assignee's language
            values.append(
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "res_id": requirement.id,
                    "user_id": user.id,
                    "summary": env._(
                        "Triage overdue: answer %(requester)s",
                        requester=requirement.requested_by_id.name,
                    ),
                    "note": env._(
                        "The first response was due on %(deadline)s.",
                        deadline=format_datetime(env, requirement.first_response_deadline),
                    ),
                    "date_deadline": fields.Date.context_today(self),
                    "automated": True,
                }
            )
        self.env["mail.activity"].create(values)
