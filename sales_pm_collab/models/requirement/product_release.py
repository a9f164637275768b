from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_date

from .product_requirement import PM_GROUP


class ProductRelease(models.Model):
    _name = "product.release"
    _description = "Product Release"
    _inherit = ["mail.thread", "mail.activity.mixin", "collab.guard.mixin"]
    _order = "date_planned desc, id desc"
    _check_company_auto = True
    # the status moves with the buttons (Start Beta Test, Mark Released, Cancel, Back to
    # Planned)
    _system_fields = ("state",)

    name = fields.Char(string="Version", required=True, tracking=True, help="e.g. CloudPOS 3.2")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one("product.template", check_company=True, index=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Release Manager",
        default=lambda self: self.env.user,
        tracking=True,
        check_company=True,
    )
    date_planned = fields.Date(string="Planned Date", tracking=True)
    date_released = fields.Date(string="Release Date", tracking=True, copy=False)
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("testing", "In Testing"),
            ("released", "Released"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        required=True,
        readonly=True,
        default="planned",
        tracking=True,
        copy=False,
        index=True,
    )
    requirement_ids = fields.One2many("product.requirement", "release_id", string="Requirements")
    requirement_count = fields.Integer(compute="_compute_requirement_figures")
    customer_count = fields.Integer(
        compute="_compute_requirement_figures", help="Distinct customers of its requirements."
    )
    revenue_at_stake = fields.Monetary(
        compute="_compute_requirement_figures",
        currency_field="currency_id",
        help="Revenue at stake of its requirements.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id", store=True)
    release_notes = fields.Html()
    beta_user_ids = fields.Many2many(
        "res.users",
        "product_release_beta_user_rel",
        "release_id",
        "user_id",
        string="Beta Testers",
        help="Sales reps enrolled in the beta test; the requesters are enrolled when the "
        "release moves to testing.",
    )
    beta_partner_ids = fields.Many2many(
        "res.partner",
        "product_release_beta_partner_rel",
        "release_id",
        "partner_id",
        string="Beta Customers",
        help="Customers invited to the beta test.",
    )
    notify_customers = fields.Boolean(
        string="Email Customers on Release",
        help="When marked released, email the customer contacts of the linked opportunities "
        "that their requirement shipped.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Customer Email",
        domain=[("model", "=", "product.requirement")],
        default=lambda self: self.env.ref(
            "sales_pm_collab.mail_template_requirement_shipped", raise_if_not_found=False
        ),
    )
    color = fields.Integer()

    @api.depends("requirement_ids.revenue_at_stake", "requirement_ids.customer_count")
    def _compute_requirement_figures(self):
        # the customers of every release's requirements in one batch (a list of releases
        # does not query per release)
        partners = self.requirement_ids._get_demand_partners()
        for release in self:
            requirements = release.requirement_ids
            release.requirement_count = len(requirements)
            release.revenue_at_stake = sum(requirements.mapped("revenue_at_stake"))
            release.customer_count = len(
                set().union(*(partners.get(requirement.id, ()) for requirement in requirements))
            )

    # === ACTION METHODS === #
    def action_start_testing(self):
        """Move to testing: requirements go to the testing stage and requesters join the beta."""
        self._check_pm()
        stage = self.env["product.requirement.stage"]._get_stage_for_state("testing")
        for release in self:
            if release.state != "planned":
                raise UserError(
                    self.env._(
                        "“%(name)s” is %(state)s; only a planned release can move to testing.",
                        name=release.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            release.state
                        ],
                    )
                )
            if not release.requirement_ids:
                raise UserError(
                    self.env._(
                        "“%(name)s” has no requirements: attach the requirements it delivers "
                        "before testing it.",
                        name=release.name,
                    )
                )
            open_requirements = release.requirement_ids.filtered(
                lambda r: r.state in ("new", "review", "planned", "development")
            )
            if stage and open_requirements:
                open_requirements.write({"stage_id": stage.id})
            release._write_system({"state": "testing"})
            release._enrol_beta_users()
        return True

    def _enrol_beta_users(self):
        """Enrol the requesting reps in the beta: record, activity and message."""
        self.ensure_one()
        requesters = self.requirement_ids.requested_by_id.filtered(
            lambda u: not u.share and u.active
        )
        new_users = requesters - self.beta_user_ids
        if not new_users:
            return
        self.write({"beta_user_ids": [Command.link(user.id) for user in new_users]})
        by_user = defaultdict(list)
        for requirement in self.requirement_ids:
            by_user[requirement.requested_by_id].append(requirement.name)
        for user in new_users:
            env = self._in_lang_of(user).env  # the activity in its assignee's language
            self.activity_schedule(
                "sales_pm_collab.mail_activity_type_beta_test",
                user_id=user.id,
                date_deadline=self.date_planned or fields.Date.context_today(self),
                summary=env._("Beta test %(release)s", release=self.name),
                note=env._(
                    "You are enrolled in the beta of %(release)s. Try what you asked for "
                    "(%(requirements)s) and post your findings here.",
                    release=self.name,
                    requirements=", ".join(by_user[user]),
                ),
            )
        self.message_subscribe(partner_ids=new_users.partner_id.ids)
        self.message_post(
            body=self.env._(
                "Beta test started. Enrolled: %(users)s. Please try the requirements you "
                "raised and give your feedback here.",
                users=", ".join(new_users.mapped("name")),
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=new_users.partner_id.ids,
        )

    def action_mark_released(self):
        """Ship: requirements move to Released, people are told, customers maybe emailed."""
        self._check_pm()
        stage = self.env["product.requirement.stage"]._require_stage_for_state("released")
        for release in self:
            if release.state in ("released", "cancelled"):
                raise UserError(
                    self.env._("“%(name)s” is already released or cancelled.", name=release.name)
                )
            if not release.requirement_ids:
                raise UserError(
                    self.env._(
                        "“%(name)s” has no requirements: attach the requirements it delivers "
                        "before marking it released.",
                        name=release.name,
                    )
                )
        if self.filtered(lambda release: not release.date_released):
            # ask for the date (today by default) instead of refusing
            return self._window_action(
                "sales_pm_collab.action_product_release_date_wizard",
                context={"default_release_ids": self.ids},
            )
        for release in self:
            requirements = release.requirement_ids.filtered(lambda r: r.state != "declined")
            requirements.write({"stage_id": stage.id})
            release._write_system({"state": "released"})
            release._notify_shipped(requirements)
            release._close_beta_activities()
        return True

    def _close_beta_activities(self):
        """The beta test is over once released: its open Beta Test activities are done."""
        self.ensure_one()
        self.activity_feedback(
            ["sales_pm_collab.mail_activity_type_beta_test"],
            feedback=self.env._(
                "%(release)s was released on %(date)s: the beta test is over.",
                release=self.name,
                date=format_date(self.env, self.date_released),
            ),
            only_automated=False,
        )

    def _notify_shipped(self, requirements):
        """Tell the requester and each linked deal's salesperson; email customers if asked."""
        self.ensure_one()
        act_type = "sales_pm_collab.mail_activity_type_tell_customer"
        today = fields.Date.context_today(self)
        for requirement in requirements:
            leads = requirement.sudo().with_context(active_test=False).lead_ids
            customers = requirement.partner_ids | leads.partner_id.commercial_partner_id
            # the activity and the note in the requester's language
            env = self._in_lang_of(requirement.requested_by_id).env
            customer_names = ", ".join(customers.mapped("name")) or env._("the customers")
            summary = env._(
                "Tell %(customer)s that %(requirement)s shipped in %(release)s",
                customer=customer_names,
                requirement=requirement.name,
                release=self.name,
            )
            requirement.activity_schedule(
                act_type,
                user_id=requirement.requested_by_id.id,
                date_deadline=today,
                summary=summary[:250],
            )
            requirement._notify_requester(
                env._(
                    "Shipped in %(release)s on %(date)s. %(notes)s",
                    release=self.name,
                    date=format_date(env, self.date_released),
                    notes=env._("Release notes are on the release.") if self.release_notes else "",
                )
            )
            # the salespeople own the deals, not the product manager: post as superuser
            for lead in leads.sudo().filtered("user_id"):
                customer = lead.partner_id.commercial_partner_id.name or lead.partner_name or ""
                env = self._in_lang_of(lead.user_id).env  # the salesperson's language
                lead.activity_schedule(
                    act_type,
                    user_id=lead.user_id.id,
                    date_deadline=today,
                    summary=env._(
                        "Tell %(customer)s that %(requirement)s shipped in %(release)s",
                        customer=customer or env._("the customer"),
                        requirement=requirement.name,
                        release=self.name,
                    )[:250],
                )
                lead.message_post(
                    body=env._(
                        "%(requirement)s, asked for in this opportunity, shipped in %(release)s.",
                        requirement=requirement.name,
                        release=self.name,
                    ),
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                    partner_ids=lead.user_id.partner_id.ids,
                )
            if self.notify_customers and self.mail_template_id:
                self._email_customers(requirement, leads)

    def _email_customers(self, requirement, leads):
        """Queue the template email to each customer contact of the requirement's deals."""
        contacts = leads.partner_id.filtered("email")
        for contact in contacts:
            self.mail_template_id.with_context(lang=contact.lang).send_mail(
                requirement.id,
                force_send=False,
                email_values={"recipient_ids": [Command.link(contact.id)]},
                email_layout_xmlid="mail.mail_notification_light",
            )
        for lead in leads.sudo().filtered(lambda lead: lead.partner_id in contacts):
            lead.message_post(
                body=self.env._(
                    "%(contact)s was emailed that %(requirement)s shipped in %(release)s.",
                    contact=lead.partner_id.name,
                    requirement=requirement.name,
                    release=self.name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def action_cancel(self):
        self._check_pm()
        for release in self:
            if release.state == "released":
                raise UserError(
                    self.env._("“%(name)s” is released and cannot be cancelled.", name=release.name)
                )
        self._write_system({"state": "cancelled"})
        return True

    def action_reset_planned(self):
        self._check_pm()
        self.filtered(lambda r: r.state == "cancelled")._write_system({"state": "planned"})
        return True

    def action_view_requirements(self):
        self.ensure_one()
        return self._window_action(
            "sales_pm_collab.action_product_requirement",
            domain=[("release_id", "=", self.id)],
            context={"default_release_id": self.id},
            name=self.env._("Requirements of %(release)s", release=self.name),
        )

    def _check_pm(self):
        self._check_role([PM_GROUP], self.env._("Only product managers can move releases forward."))
