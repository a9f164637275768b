from odoo import api, fields, models
from odoo.fields import Domain

from .customer_feedback_source_mixin import FEEDBACK_GROUPS


class ProductRequirement(models.Model):
    """Customer feedback behind a requirement: its customers join the requirement's
    demand, its count and average satisfaction show on the requirement, and it follows
    the requirement a merge keeps. The link itself is the feedback's `requirement_id`."""

    _inherit = "product.requirement"
    # linked from the feedback ("Create Requirement", "Link to Requirement")
    _system_fields = ("feedback_ids",)

    # customer feedback asking for it (cancelled feedback does not count)
    feedback_ids = fields.One2many(
        "customer.feedback",
        "requirement_id",
        string="Customer Feedback",
        readonly=True,
        check_company=True,
        groups=FEEDBACK_GROUPS,
    )
    feedback_count = fields.Integer(
        compute="_compute_feedback_figures",
        store=True,
        aggregator="sum",
        help="Customer feedback linked to the requirement, cancelled feedback excluded.",
    )
    feedback_satisfaction = fields.Float(
        compute="_compute_feedback_figures",
        store=True,
        aggregator=False,
        digits=(3, 2),
        help="Average satisfaction (1 to 5) of its rated customer feedback; empty when none "
        "is rated.",
    )

    @api.depends("feedback_ids", "feedback_ids.commercial_partner_id", "feedback_ids.state")
    def _compute_customer_count(self):
        return super()._compute_customer_count()

    @api.depends("feedback_ids", "feedback_ids.commercial_partner_id", "feedback_ids.state")
    def _compute_demand_partner_ids(self):
        return super()._compute_demand_partner_ids()

    @api.depends("feedback_ids", "feedback_ids.state", "feedback_ids.satisfaction")
    def _compute_feedback_figures(self):
        figures = self._get_feedback_figures()
        for requirement in self:
            count, satisfaction = figures.get(requirement.id, (0, 0.0))
            requirement.feedback_count = count
            requirement.feedback_satisfaction = satisfaction

    def _get_feedback_figures(self):
        """{requirement id: (feedback count, average satisfaction of the rated ones)},
        cancelled feedback excluded; one grouped read for the batch."""
        result = {}
        real = self.filtered("id")
        for requirement in self - real:  # onchange of a form: only the cache is known
            feedback = requirement.sudo().feedback_ids.filtered(lambda fb: fb.state != "cancelled")
            rated = [fb.satisfaction for fb in feedback if fb.satisfaction]
            result[requirement.id] = (len(feedback), sum(rated) / len(rated) if rated else 0.0)
        if real:
            # satisfaction:avg counts rated feedback only (see customer.feedback)
            for requirement, count, satisfaction in (
                self.env["customer.feedback"]
                .sudo()
                ._read_group(
                    [("requirement_id", "in", real.ids), ("state", "!=", "cancelled")],
                    ["requirement_id"],
                    ["__count", "satisfaction:avg"],
                )
            ):
                result[requirement.id] = (count, satisfaction or 0.0)
        return result

    def _get_demand_partners(self):
        """The customers of the requirement's customer feedback join its demand
        (cancelled feedback excluded: it was a mistake or a duplicate, not a customer
        asking)."""
        result = super()._get_demand_partners()
        real = self.filtered("id")
        for requirement in self - real:  # onchange of a form: only the cache is known
            feedback = requirement.sudo().feedback_ids.filtered(lambda fb: fb.state != "cancelled")
            result[requirement.id].update(feedback.partner_id.commercial_partner_id.ids)
        if real:
            for requirement, partner in (
                self.env["customer.feedback"]
                .sudo()
                ._read_group(
                    [("requirement_id", "in", real.ids), ("state", "!=", "cancelled")],
                    ["requirement_id", "commercial_partner_id"],
                )
            ):
                result[requirement.id].add(partner.id)
        return result

    @api.model
    def _portal_domain(self, partner):
        """Also the requirements the company's feedback is linked to (not cancelled)."""
        commercial = partner.commercial_partner_id
        linked = Domain(
            "feedback_ids",
            "any",
            Domain("commercial_partner_id", "=", commercial.id)
            & Domain("state", "!=", "cancelled"),
        )
        return super()._portal_domain(partner) | (Domain("active", "=", True) & linked)

    def _with_history(self):
        """Requirements with customer feedback are archived, not deleted, too."""
        have_feedback = (
            self.env["customer.feedback"]
            .sudo()
            ._read_group([("requirement_id", "in", self.ids)], ["requirement_id"])
        )
        return super()._with_history() | self.browse(
            [requirement.id for (requirement,) in have_feedback]
        )

    def _merge_dependences(self, master):
        """The customer feedback of the duplicates follows to the master (tracked on each
        feedback, counted in the master's merge note)."""
        notes = super()._merge_dependences(master)
        moved_feedback = (
            self.env["customer.feedback"].sudo().search([("requirement_id", "in", self.ids)])
        )
        moved_feedback._move_to_requirement(master)
        if moved_feedback:
            notes.append(
                self.env._(
                    "Their customer feedback (%(count)s) is now linked here.",
                    count=len(moved_feedback),
                )
            )
        return notes

    def action_view_feedback(self):
        """The customer feedback behind the requirement (cancelled feedback excluded, as
        in the count), each user seeing the feedback they may read."""
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.customer_feedback_action",
            domain=[("requirement_id", "=", self.id), ("state", "!=", "cancelled")],
            context={
                "default_requirement_id": self.id,
                "default_product_id": self.product_id.id,
                "default_company_id": self.company_id.id,
            },
            name=self.env._("Feedback on %(name)s", name=self.name),
            view_mode="list,kanban,form,pivot,graph",
            views=[
                (False, "list"),
                (False, "kanban"),
                (False, "form"),
                (False, "pivot"),
                (False, "graph"),
            ],
        )
