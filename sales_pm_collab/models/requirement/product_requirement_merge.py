from collections import defaultdict

from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import html2plaintext


class ProductRequirement(models.Model):
    """Merging duplicates into the requirement kept (Merge, or a review's merge
    decision), in named steps as `crm.lead._merge_opportunity`."""

    _inherit = "product.requirement"

    def action_merge(self):
        """Open the merge wizard on the selected requirements."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Merge Requirements"),
            "res_model": "product.requirement.merge.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_requirement_ids": self.ids},
        }

    def action_merge_into(self, master_id):
        """Merge the requirements of `self` (duplicates) into the requirement `master_id`.

        `master_id` is the id of the requirement to keep (an int, or its text over RPC)
        or that requirement itself. The master keeps the union of customers,
        opportunities, followers, messages, attachments and activities (moved, not
        copied); the duplicates are archived with a link to the master. Named steps, as
        `crm.lead._merge_opportunity`: check, values, dependences, log.
        """
        master = self._merge_check(master_id)
        duplicates = self.with_context(active_test=False)
        master.sudo().write(duplicates._merge_values(master))
        notes = duplicates._merge_dependences(master)
        duplicates.sudo().write(
            {
                "partner_ids": [Command.clear()],
                "lead_ids": [Command.clear()],
                "merged_into_id": master.id,
                "active": False,
            }
        )
        duplicates._merge_log(master, notes)
        return True

    def _merge_check(self, master_id):
        """The requirement `master_id` designates, once the user may merge `self` into it
        (a product manager, write access to all of them, one company, an active master
        that is not among the duplicates)."""
        self._check_pm()
        master = self._browse_requirement(master_id)
        if not master:
            raise UserError(
                self.env._(
                    "Choose the requirement to merge into: %(value)s is not an existing "
                    "requirement.",
                    value=master_id or "-",
                )
            )
        if not master.active:
            raise UserError(
                self.env._(
                    "“%(name)s” was merged into “%(master)s”: merge into that one instead.",
                    name=master.name,
                    master=master.merged_into_id.name,
                )
                if master.merged_into_id
                else self.env._(
                    "“%(name)s” is archived: restore it first, or keep another requirement.",
                    name=master.name,
                )
            )
        if master in self:
            raise UserError(
                self.env._(
                    "“%(name)s” cannot be merged into itself: choose another requirement "
                    "as the one to keep.",
                    name=master.name,
                )
            )
        other_company = self.filtered(lambda r: r.company_id != master.company_id)
        if other_company:
            raise UserError(
                self.env._(
                    "“%(name)s” belongs to %(company)s and “%(master)s” to %(master_company)s: "
                    "requirements of different companies cannot be merged.",
                    name=other_company[0].name,
                    company=other_company[0].company_id.name,
                    master=master.name,
                    master_company=master.company_id.name,
                )
            )
        (self.with_context(active_test=False) | master).check_access("write")
        return master

    def _merge_values(self, master):
        """What the master takes from the duplicates (self): their customers and
        opportunities, the earliest deadline, the highest priority, their descriptions."""
        leads = self.sudo().lead_ids
        values = {
            "partner_ids": [Command.link(p.id) for p in self.partner_ids],
            "lead_ids": [Command.link(lead.id) for lead in leads],
        }
        deadlines = [d for d in (self | master).mapped("deadline") if d]
        if deadlines:
            values["deadline"] = min(deadlines)
        if max(self.mapped("priority")) > master.priority:
            values["priority"] = max(self.mapped("priority"))
        descriptions = [
            Markup("<h4>%s</h4>%s") % (dup.name, dup.description)
            for dup in self
            if html2plaintext(dup.description or "").strip()
        ]
        if descriptions:
            values["description"] = (master.description or Markup("")) + Markup("").join(
                descriptions
            )
        return values

    def _merge_dependences(self, master):
        """Move what hangs on the duplicates (self) to the master: messages, attachments,
        activities and followers. Extensions move their own records (the feedback area,
        the customer feedback) and return a sentence each for the master's merge note."""
        self.sudo()._move_thread_to(master)
        return []

    def _merge_log(self, master, notes):
        """Note the merge on each duplicate (self) and on the master, with the `notes` of
        `_merge_dependences`."""
        for duplicate in self:
            duplicate.message_post(
                body=Markup(self.env._("Merged into %(link)s.", link=master._html_link())),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        body = Markup(
            self.env._(
                "Merged duplicates into this requirement: %(links)s.",
                links=Markup(", ").join(dup._html_link() for dup in self),
            )
        )
        for note in notes:
            body += Markup(" ") + note
        master.message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _browse_requirement(self, value):
        """The one existing requirement `value` designates (a record, an id, an id as
        text or a one-id list, as RPC callers send them), or an empty recordset."""
        if isinstance(value, models.BaseModel):
            if value._name != self._name or len(value) != 1:
                return self.browse()
            return self.browse(value.id).exists()
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return self.browse()
        return self.browse(value).exists()

    def _html_link(self):
        self.ensure_one()
        return Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            self.display_name,
        )

    def _move_thread_to(self, master):
        """Re-parent messages, attachments, activities and followers of self onto master."""
        ids = self.ids
        self.env["mail.message"].search([("model", "=", self._name), ("res_id", "in", ids)]).write(
            {"res_id": master.id}
        )
        self.env["ir.attachment"].search(
            [("res_model", "=", self._name), ("res_id", "in", ids)]
        ).write({"res_id": master.id})
        self.env["mail.activity"].search(
            [("res_model", "=", self._name), ("res_id", "in", ids)]
        ).write({"res_id": master.id})
        known = master.message_follower_ids.partner_id
        by_subtypes = defaultdict(set)
        for follower in self.message_follower_ids:
            if follower.partner_id not in known:
                by_subtypes[tuple(follower.subtype_ids.ids)].add(follower.partner_id.id)
        for subtype_ids, partner_ids in by_subtypes.items():
            master.message_subscribe(partner_ids=list(partner_ids), subtype_ids=list(subtype_ids))
