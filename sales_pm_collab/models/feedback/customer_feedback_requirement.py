from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import is_html_empty

from ..requirement.product_requirement_stage import OPEN_STATES as REQUIREMENT_OPEN_STATES
from .customer_feedback import LINKABLE_STATES

# feedback kind -> product requirement kind, for "Create requirement" (anything else is
# an improvement of the product)
REQUIREMENT_KINDS = {"defect": "defect", "feature_request": "feature"}


class CustomerFeedback(models.Model):
    """Feedback flows back into product management: a feedback asks for (or supports) a
    requirement, created from it or linked to an open one, and is about a release; its
    customer then counts in the requirement's demand (`product_requirement.py` of this
    area)."""

    _inherit = "customer.feedback"

    requirement_id = fields.Many2one(
        "product.requirement",
        check_company=True,
        index="btree_not_null",
        tracking=True,
        copy=False,
        domain=[("state", "in", REQUIREMENT_OPEN_STATES)],
        help="The product requirement this feedback asks for or supports: its customer "
        "then counts in the requirement's demand.",
    )
    requirement_stage_id = fields.Many2one(
        related="requirement_id.stage_id", string="Requirement Stage", tracking=False
    )
    release_id = fields.Many2one(
        "product.release",
        check_company=True,
        index="btree_not_null",
        tracking=True,
        help="The release the feedback is about, e.g. feedback from its beta test.",
    )

    @api.model
    def _check_requirement_open(self, requirement_id):
        """Feedback is linked to open requirements only (not released, not declined):
        checked whenever the link changes, so feedback linked earlier to a requirement
        declined since stays linked."""
        if isinstance(requirement_id, models.BaseModel):
            requirement_id = requirement_id.id
        if isinstance(requirement_id, bool) or not isinstance(requirement_id, int):
            return  # not an id: the guard names the field
        requirement = self.env["product.requirement"].sudo().browse(requirement_id).exists()
        if requirement and requirement.state not in REQUIREMENT_OPEN_STATES:
            raise UserError(
                self.env._(
                    "“%(requirement)s” is %(stage)s: feedback can only be linked to an open "
                    "requirement. Choose another one, or create a new requirement from the "
                    "feedback.",
                    requirement=requirement.display_name,
                    stage=requirement.stage_id.name,
                )
            )

    def _write_feedback(self, vals, link_notes=True, open_requirement_only=True):
        """`write` for the server's own link changes. `link_notes=False`: the caller
        (requirement merge, "Create requirement") notes the link its own way;
        `open_requirement_only=False`: the merge moves feedback to the requirement it
        keeps, whatever its stage. Everything else is as in `write`."""
        previous = self._before_write(vals, open_requirement_only=open_requirement_only)
        result = super().write(vals)
        self._after_write(vals, previous, link_notes=link_notes)
        return result

    def _move_to_requirement(self, requirement):
        """The requirement merge moves the feedback of the duplicates to the kept one
        (which may be closed already): a system change, noted by the merge itself."""
        return self.sudo()._write_feedback(
            {"requirement_id": requirement.id}, link_notes=False, open_requirement_only=False
        )

    def _check_company(self, fnames=None):
        # a clearer message than the generic one for the links into product management
        links = ("requirement_id", "release_id")
        if fnames is not None and "company_id" not in fnames:
            links = [fname for fname in links if fname in fnames]
        if links:
            self._check_link_companies(links)
        return super()._check_company(fnames)

    def _check_link_companies(self, fnames):
        for feedback in self.sudo():
            for fname in fnames:
                target = feedback[fname]
                if target and target.company_id != feedback.company_id:
                    raise UserError(
                        self.env._(
                            "%(feedback)s belongs to %(company)s but the %(what)s “%(target)s” "
                            "belongs to %(other)s: link a %(what)s of %(company)s, or log the "
                            "feedback in %(other)s.",
                            feedback=feedback.display_name,
                            company=feedback.company_id.name,
                            what=self._fields[fname]._description_string(self.env).lower(),
                            target=target.display_name,
                            other=target.company_id.name,
                        )
                    )

    def action_create_requirement(self):
        """Raise a product requirement prefilled from this feedback, link the feedback
        to it (its customer joins the demand), tell both chatters and open it."""
        self.ensure_one()
        if self.requirement_id:
            raise UserError(
                self.env._(
                    "%(feedback)s is already linked to the requirement “%(requirement)s”: "
                    "follow that one, or remove the link first to raise another.",
                    feedback=self.display_name,
                    requirement=self.requirement_id.display_name,
                )
            )
        self._check_state(LINKABLE_STATES, self.env._("Creating a requirement"))
        self.check_access("write")
        values = self._prepare_requirement_values()
        lead_commands = values.pop("lead_ids")
        requirement = self.env["product.requirement"].create(values)
        if lead_commands:
            # the feedback's opportunity joins the demand, also when another rep owns it
            requirement.sudo().write({"lead_ids": lead_commands})
        # noted below in both chatters, with the link to each other
        self._write_feedback({"requirement_id": requirement.id}, link_notes=False)
        requirement.sudo()._message_log(
            body=Markup(
                self.env._(
                    "Raised from the customer feedback %(feedback)s (%(customer)s) by %(user)s."
                )
            )
            % {
                "feedback": self._get_html_link(),
                "customer": self.commercial_partner_id.name,
                "user": self.env.user.name,
            },
        )
        self.message_post(
            body=Markup(self.env._("Requirement raised for the product managers: %(requirement)s."))
            % {"requirement": requirement._get_html_link()},
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_window",
            "name": requirement.name,
            "res_model": "product.requirement",
            "res_id": requirement.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_link_requirement(self):
        """Open the wizard linking the feedback to an existing open requirement."""
        self._check_state(LINKABLE_STATES, self.env._("Linking to a requirement"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Link to Requirement"),
            "res_model": "customer.feedback.requirement.link",
            "view_mode": "form",
            "target": "new",
            "context": {"default_feedback_ids": self.ids},
        }

    def _link_requirement(self, requirement):
        """Link the feedback of self to the open product requirement `requirement`.

        Written on the feedback only: whoever may edit the feedback (its rep, customer
        service, product managers) links it, without write access to the requirement.
        """
        self._check_state(LINKABLE_STATES, self.env._("Linking to a requirement"))
        self.check_access("write")
        requirement = requirement.with_env(self.env)
        requirement.check_access("read")
        self._check_requirement_open(requirement.id)
        already = self.filtered(lambda fb: fb.requirement_id == requirement)
        if already:
            raise UserError(
                self.env._(
                    "%(feedback)s is already linked to “%(requirement)s”.",
                    feedback=", ".join(already.mapped("display_name")),
                    requirement=requirement.display_name,
                )
            )
        self.write({"requirement_id": requirement.id})
        return True

    def _log_requirement_links(self, previous):
        """Note on each requirement the feedback linked to it (or moved away from it).

        `previous`: {feedback id: requirement before the change}. One log per
        requirement, written as the system: the user needs no access to the
        requirement beyond reading it."""
        linked = Markup(
            self.env._("Customer feedback %(feedback)s (%(customer)s) linked by %(user)s.")
        )
        unlinked = Markup(
            self.env._("Customer feedback %(feedback)s (%(customer)s) unlinked by %(user)s.")
        )
        lines = defaultdict(list)
        for feedback in self:
            old = previous.get(feedback.id) or self.env["product.requirement"]
            new = feedback.requirement_id
            if old == new:
                continue
            values = {
                "feedback": feedback._get_html_link(),
                "customer": feedback.commercial_partner_id.name,
                "user": self.env.user.name,
            }
            if new:
                lines[new.id].append(linked % values)
            if old:
                lines[old.id].append(unlinked % values)
        if lines:
            self.env["product.requirement"].sudo().browse(list(lines))._message_log_batch(
                {rid: Markup("<br/>").join(body) for rid, body in lines.items()}
            )

    def _prepare_requirement_values(self):
        """Values prefilling a product requirement raised from this feedback (used by
        "Create requirement")."""
        self.ensure_one()
        description = self.description if not is_html_empty(self.description) else ""
        return {
            "name": self.name,
            "kind": REQUIREMENT_KINDS.get(self.kind, "improvement"),
            "description": description,
            "product_id": self.product_id.id,
            "partner_ids": [Command.link(self.commercial_partner_id.id)],
            "lead_ids": [Command.link(self.lead_id.id)] if self.lead_id else [],
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
        }
