from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from .product_requirement_stage import STAGE_STATES, STATE_PROGRESS

REQUIREMENT_READERS = (
    "sales_pm_collab.group_collab_sales_rep,"
    "sales_pm_collab.group_collab_product_manager,"
    "sales_pm_collab.group_collab_channel_manager,"
    "sales_team.group_sale_manager"
)


class CrmLead(models.Model):
    """Opportunities join requirements from the requirement's side only (its form, the
    Raise Requirement wizard, customer feedback), where access and state are checked: on
    the opportunity the list is read-only."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "collab.guard.mixin"]
    _system_fields = ("requirement_ids", "lost_requirement_ids", "winback_ids")

    requirement_ids = fields.Many2many(
        "product.requirement",
        "product_requirement_crm_lead_rel",
        "lead_id",
        "requirement_id",
        string="Requirements",
        groups=REQUIREMENT_READERS,
        readonly=True,
        copy=False,
        help="Product requirements raised from, or linked to, this opportunity.",
    )
    requirement_count = fields.Integer(
        compute="_compute_requirement_status", groups=REQUIREMENT_READERS
    )
    requirement_state = fields.Selection(
        STAGE_STATES,
        string="Most Advanced Requirement",
        compute="_compute_requirement_status",
        groups=REQUIREMENT_READERS,
        help="How far the most advanced of its requirements has come.",
    )

    lost_requirement_ids = fields.Many2many(
        "product.requirement",
        "product_requirement_crm_lead_lost_rel",
        "lead_id",
        "requirement_id",
        string="Lost For",
        groups=REQUIREMENT_READERS,
        readonly=True,
        copy=False,
        help="Its requirements that were not shipped yet when the opportunity was lost: "
        "when one ships, the deal is offered back to its salesperson.",
    )
    winback_ids = fields.One2many(
        "crm.lead.winback",
        "lead_id",
        string="Win-backs",
        groups=REQUIREMENT_READERS,
        readonly=True,
    )
    winback_requirement_ids = fields.Many2many(
        "product.requirement",
        string="Shipped Since Lost",
        compute="_compute_winback_requirement_ids",
        groups=REQUIREMENT_READERS,
        help="Requirements this deal was lost for that have shipped since, not answered yet "
        "(Reopen or Dismiss).",
    )

    @api.depends("winback_ids.state")
    def _compute_winback_requirement_ids(self):
        for lead in self:
            lead.winback_requirement_ids = lead.winback_ids.filtered(
                lambda w: w.state == "pending"
            ).requirement_id

    @api.depends("requirement_ids.state")
    def _compute_requirement_status(self):
        for lead in self:
            requirements = lead.requirement_ids
            lead.requirement_count = len(requirements)
            lead.requirement_state = (
                max(requirements.mapped("state"), key=lambda s: STATE_PROGRESS.get(s, 0))
                if requirements
                else False
            )

    def action_raise_requirement(self):
        """Open the raise-requirement wizard prefilled from this opportunity."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Raise Requirement"),
            "res_model": "product.requirement.raise.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    def action_view_requirements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_pm_collab.action_product_requirement"
        )
        action.update(
            {
                "domain": [("lead_ids", "in", self.ids)],
                "context": {"create": False},
                "name": self.env._("Requirements of %(lead)s", lead=self.name),
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
            }
        )
        if len(self.requirement_ids) == 1:
            action.update(
                {"view_mode": "form", "views": [(False, "form")], "res_id": self.requirement_ids.id}
            )
        return action

    # === Win-back === #

    def _handle_won_lost(self, old_status_by_lead, new_status_by_lead):
        """A deal that is lost remembers the requirements it was lost for: those of its
        requirements that had not shipped (nor been declined) at that moment."""
        res = super()._handle_won_lost(old_status_by_lead, new_status_by_lead)
        lost = self.filtered(
            lambda lead: (
                new_status_by_lead.get(lead.id, {}).get("is_lost")
                and not old_status_by_lead.get(lead.id, {}).get("is_lost")
            )
        )
        for lead in lost.sudo():
            open_requirements = lead.requirement_ids.filtered(
                lambda r: r.state not in ("released", "declined")
            )
            if open_requirements != lead.lost_requirement_ids:
                lead.lost_requirement_ids = open_requirements
        return res

    def _winback_pending(self):
        """The unanswered win-backs of the opportunities of `self`, once the user may edit
        every one of them (the deal's salesperson, its team leader, a sales manager)."""
        self.check_access("write")
        pending = self.sudo().winback_ids.filtered(lambda w: w.state == "pending")
        missing = self - pending.lead_id
        if missing:
            raise UserError(
                self.env._(
                    "%(leads)s: nothing to win back (no shipped requirement this deal was lost "
                    "for waits for an answer).",
                    leads=", ".join(missing.mapped("name")),
                )
            )
        return pending

    def _winback_answer(self, pending, state, feedback, reason=False):
        """Record the answer on the win-backs and close their activities."""
        pending.write(
            {
                "state": state,
                "dismiss_reason": reason,
                "answered_uid": self.env.uid,
                "answered_date": fields.Datetime.now(),
            }
        )
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "in", self.ids),
                    (
                        "activity_type_id",
                        "=",
                        self.env.ref("sales_pm_collab.mail_activity_type_winback").id,
                    ),
                ]
            )
        )
        activities.action_feedback(feedback=feedback)

    def action_winback_reopen(self):
        """Reopen the lost deals of `self` whose requirement shipped: back in the pipeline
        at the stage they were lost in, with a note saying why."""
        pending = self._winback_pending()
        self.action_restore()
        for lead in self:
            winbacks = pending.filtered(lambda w, lead=lead: w.lead_id == lead)
            lead.message_post(
                body=Markup(
                    self.env._(
                        "Reopened: %(requirements)s, which this deal was lost for, shipped "
                        "in %(releases)s.",
                        requirements=", ".join(winbacks.requirement_id.mapped("name")),
                        releases=", ".join(winbacks.release_id.mapped("name")),
                    )
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        self._winback_answer(pending, "reopened", self.env._("Reopened"))
        return True

    def action_winback_dismiss(self, reason):
        """Answer the win-backs of `self` with No: the deal stays lost, for `reason`."""
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(
                self.env._("Say why the deal is not worth reopening: the reason is required.")
            )
        reason = reason.strip()
        if len(reason) > 1000:
            raise UserError(self.env._("The reason is limited to 1,000 characters; shorten it."))
        pending = self._winback_pending()
        for lead in self:
            lead.message_post(
                body=self.env._("Win-back dismissed: %(reason)s", reason=reason),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        self._winback_answer(pending, "dismissed", reason, reason=reason)
        return True

    def action_winback_open_dismiss(self):
        """Ask the reason, then dismiss (the Dismiss button)."""
        self._winback_pending()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dismiss the Win-back"),
            "res_model": "crm.lead.winback.dismiss",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids},
        }
