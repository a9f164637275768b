"""The workflow of deal registrations: submit (with the conflict check), approve (the
customer and the opportunity), reject, extend, expiry, and won/lost from the opportunity."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date, format_datetime

from .crm_deal_registration import CLAIM_STATES, PENDING_STATES, normalize_customer_name
from .res_partner import CHANNEL_MANAGER_GROUP

# the expiry reminder comes this many days before the protection ends
REMINDER_DAYS = 14
CRON_BATCH = 500


class CrmDealRegistration(models.Model):
    _inherit = "crm.deal.registration"

    # === Submit === #

    def action_submit(self):
        """Draft → submitted: the input is checked, the customer must not be claimed by
        another partner (protected) nor pending for this one, and the conflict check's
        findings are recorded for the channel manager."""
        self._check_workflow_user()
        not_draft = self.filtered(lambda r: r.state != "draft")
        if not_draft:
            raise UserError(
                self.env._(
                    "%(names)s: only a draft registration can be submitted.",
                    names=", ".join(not_draft.mapped("name")),
                )
            )
        self._check_submit_input()
        # the duplicate and conflict checks read the matching keys, internal fields a
        # portal user may not read: the server runs them once the user's right is checked
        checked = self.sudo()
        found = checked._find_registration_conflicts(checked._conflict_items())
        checked._check_not_claimed(found)
        checked._check_not_pending_twice()
        now = fields.Datetime.now()
        for registration in self:
            vals = {"state": "submitted", "submit_date": now}
            if registration.name in (False, "/"):
                vals["name"] = (
                    self.env["ir.sequence"]
                    .sudo()
                    .with_company(registration.company_id)
                    .next_by_code("crm.deal.registration")
                    or "/"
                )
            registration._write_system(vals)
        self.env["crm.deal.registration.conflict"].sudo().create(checked._conflict_vals(found))
        self._notify_submitted()
        return True

    def _check_workflow_user(self):
        """Channel managers act on any registration; a portal user submits its company's
        own; nobody else."""
        if self._is_channel_manager_user():
            return
        user = self.env.user
        if not user.share or any(
            registration.partner_id != user.commercial_partner_id for registration in self
        ):
            raise AccessError(
                self.env._(
                    "Only the registering partner or a channel manager submits a deal registration."
                )
            )
        self.check_access("write")

    def _check_submit_input(self):
        today = fields.Date.context_today(self)
        for registration in self:
            missing = []
            if not (registration.customer_name or "").strip():
                missing.append(self.env._("customer name"))
            if not registration.country_id:
                missing.append(self.env._("country"))
            if not (registration.city or "").strip():
                missing.append(self.env._("city"))
            if missing:
                raise UserError(
                    self.env._(
                        "%(name)s: fill in the %(missing)s of the customer before submitting.",
                        name=registration.name or registration.customer_name or "",
                        missing=", ".join(missing),
                    )
                )
            if not registration.expected_close_date:
                raise UserError(
                    self.env._("Give the expected close date of the deal before submitting.")
                )
            if registration.expected_close_date < today:
                raise UserError(
                    self.env._(
                        "The expected close date %(date)s is in the past: give the date the "
                        "deal is expected to close.",
                        date=format_date(self.env, registration.expected_close_date),
                    )
                )
            if not registration.partner_id.channel_type:
                raise UserError(
                    self.env._(
                        "%(partner)s is no longer a channel partner: it cannot register deals.",
                        partner=registration.partner_id.display_name,
                    )
                )

    def _check_not_claimed(self, found):
        """While a registration of another partner protects the customer, a new one is
        refused with that partner's claim and its date."""
        for registration in self:
            protected = found.get(registration.id, {}).get("protected")
            if protected:
                _reg_id, _partner_id, approved, until = protected[0]
                raise UserError(
                    self.env._(
                        "%(customer)s is already registered by another partner (approved on "
                        "%(approved)s) and protected until %(until)s: the first approved "
                        "registration wins. Contact your channel manager.",
                        customer=registration.customer_name,
                        approved=format_datetime(self.env, approved, dt_format="short"),
                        until=format_date(self.env, until),
                    )
                )

    def _check_not_pending_twice(self):
        """A partner registers a customer once: while one of its registrations of that
        customer is submitted or approved, another is refused with the one to look at."""
        keys = {(r.partner_id.id, r.customer_vat_key, r.customer_key, r.city_key) for r in self}
        others = self.sudo().search(
            [
                ("id", "not in", self.ids),
                ("partner_id", "in", [key[0] for key in keys]),
                ("state", "in", PENDING_STATES + CLAIM_STATES),
                "|",
                ("customer_vat_key", "in", [key[1] for key in keys if key[1]]),
                ("customer_key", "in", [key[2] for key in keys]),
            ]
        )
        for registration in self:
            for other in others:
                same_partner = other.partner_id == registration.partner_id
                same_customer = (
                    registration.customer_vat_key
                    and other.customer_vat_key == registration.customer_vat_key
                ) or (
                    other.customer_key == registration.customer_key
                    and (other.city_key or "") == (registration.city_key or "")
                )
                if same_partner and same_customer:
                    raise UserError(
                        self.env._(
                            "%(customer)s is already registered by your company: %(other)s "
                            "(%(state)s). Follow that registration instead of a new one: "
                            "%(url)s",
                            customer=registration.customer_name,
                            other=other.name,
                            state=dict(self._fields["state"]._description_selection(self.env))[
                                other.state
                            ],
                            url=other.access_url,
                        )
                    )

    def _notify_submitted(self):
        """A to-do for the partner's channel manager (else every channel manager of the
        company) to decide the registration."""
        group = self.env.ref(CHANNEL_MANAGER_GROUP)
        for registration in self:
            # the channel manager of a partner is internal (its portal user does not read it)
            users = registration.partner_id.sudo().channel_manager_id
            if not users:
                users = group.sudo().all_user_ids.filtered(
                    lambda u, r=registration: (
                        u.active and not u.share and r.company_id in u.company_ids
                    )
                )[:1]
            for user in users:
                registration.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Deal registration to decide"),
                    note=self.env._(
                        "%(partner)s registered %(customer)s.",
                        partner=registration.partner_id.name,
                        customer=registration.customer_name,
                    ),
                    user_id=user.id,
                )

    # === Approve === #

    def action_approve(self):
        """Submitted → approved (channel managers): the customer is matched or created,
        the opportunity created (or the chosen one linked) with the partner as channel
        partner, and the claim protected for the company's protection period."""
        self._check_manager(self.env._("Only channel managers approve deal registrations."))
        wrong = self.filtered(lambda r: r.state != "submitted")
        if wrong:
            raise UserError(
                self.env._(
                    "%(names)s: only a submitted registration can be approved (this one is "
                    "%(state)s).",
                    names=", ".join(wrong.mapped("name")),
                    state=", ".join(
                        dict(self._fields["state"]._description_selection(self.env))[s]
                        for s in set(wrong.mapped("state"))
                    ),
                )
            )
        # first approved wins: another partner's approval since the submission refuses it
        found = self._find_registration_conflicts(self._conflict_items())
        self._check_not_claimed(found)
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        for registration in self:
            customer = registration._match_or_create_customer()
            lead = registration._approve_opportunity(customer)
            days = registration.company_id.deal_registration_days
            registration._write_system(
                {
                    "state": "approved",
                    "approve_date": now,
                    "protection_until": today + timedelta(days=days),
                    "customer_partner_id": customer.id,
                    "lead_id": lead.id,
                    "reminder_sent": False,
                }
            )
            registration._notify_partner(
                self.env._(
                    "Your registration of %(customer)s is approved: it is protected until "
                    "%(until)s.",
                    customer=registration.customer_name,
                    until=format_date(self.env, registration.protection_until),
                )
            )
        self.sudo().activity_feedback(["mail.mail_activity_data_todo"])
        return True

    def _check_manager(self, message):
        self._check_role([CHANNEL_MANAGER_GROUP], message)

    def _match_or_create_customer(self):
        """The customer company: by tax id, else by name key and city, else a new one."""
        self.ensure_one()
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        domain_company = [("is_company", "=", True)]
        if self.customer_vat_key:
            customer = Partner.search(
                [*domain_company, ("vat", "in", [self.customer_vat, self.customer_vat_key])],
                limit=1,
            )
            if customer:
                return customer
        candidates = Partner.search(
            [*domain_company, ("name", "=ilike", self.customer_name.strip())], limit=20
        )
        for candidate in candidates:
            if normalize_customer_name(candidate.city) == (self.city_key or ""):
                return candidate
        return Partner.create(
            {
                "name": self.customer_name.strip(),
                "is_company": True,
                "vat": self.customer_vat or False,
                "country_id": self.country_id.id,
                "state_id": self.state_id.id,
                "city": self.city,
                "zip": self.zip,
                "company_id": False,
            }
        )

    def _approve_opportunity(self, customer):
        self.ensure_one()
        vals = {
            "channel_partner_id": self.partner_id.id,
            "partner_id": customer.id,
        }
        if self.link_lead_id:
            lead = self.link_lead_id
            if lead.won_status != "pending" or not lead.active:
                raise UserError(
                    self.env._(
                        "%(lead)s is closed: choose an open opportunity to link, or none.",
                        lead=lead.name,
                    )
                )
            lead.check_access("write")
            lead.write(vals)
            return lead
        return self.env["crm.lead"].create(
            {
                **vals,
                "name": self.env._(
                    "%(customer)s (registered by %(partner)s)",
                    customer=self.customer_name,
                    partner=self.partner_id.name,
                ),
                "type": "opportunity",
                "expected_revenue": self.expected_revenue,
                "date_deadline": self.expected_close_date,
                "company_id": self.company_id.id,
                "user_id": self.env.user.id,
                "description": self.description or False,
            }
        )

    # === Reject === #

    def action_reject(self, reason=None):
        """Submitted → rejected with a reason the partner sees (channel managers); without
        a reason, opens the dialog that asks it."""
        self._check_manager(self.env._("Only channel managers reject deal registrations."))
        wrong = self.filtered(lambda r: r.state != "submitted")
        if wrong:
            raise UserError(
                self.env._(
                    "%(names)s: only a submitted registration can be rejected.",
                    names=", ".join(wrong.mapped("name")),
                )
            )
        if not isinstance(reason, str) or not reason.strip():
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Reject Registration"),
                "res_model": "crm.deal.registration.reject.wizard",
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "new",
                "context": {"active_ids": self.ids, "active_model": self._name},
            }
        if len(reason) > 2000:
            raise UserError(self.env._("Keep the reason under 2,000 characters."))
        self._write_system({"state": "rejected", "reject_reason": reason.strip()})
        for registration in self:
            registration._notify_partner(
                self.env._(
                    "Your registration of %(customer)s is rejected: %(reason)s",
                    customer=registration.customer_name,
                    reason=reason.strip(),
                )
            )
        self.sudo().activity_feedback(["mail.mail_activity_data_todo"])
        return True

    # === Extend === #

    def action_extend(self):
        """Approved → protection extended once by the company's protection period
        (channel managers)."""
        self._check_manager(self.env._("Only channel managers extend a registration's protection."))
        today = fields.Date.context_today(self)
        for registration in self:
            if not registration._protected_on(today):
                raise UserError(
                    self.env._(
                        "%(name)s is not protected (approved and not expired): its protection "
                        "cannot be extended.",
                        name=registration.name,
                    )
                )
            if registration.extended:
                raise UserError(
                    self.env._(
                        "%(name)s: the protection was already extended once.",
                        name=registration.name,
                    )
                )
            until = registration.protection_until + timedelta(
                days=registration.company_id.deal_registration_days
            )
            registration._write_system(
                {"protection_until": until, "extended": True, "reminder_sent": False}
            )
            registration._notify_partner(
                self.env._(
                    "The protection of your registration of %(customer)s is extended until "
                    "%(until)s.",
                    customer=registration.customer_name,
                    until=format_date(self.env, until),
                )
            )
        return True

    # === Notifications === #

    def _notify_partner(self, body):
        """A message on the registration the partner's followers (its portal users) get."""
        self.ensure_one()
        partners = self.partner_id | self.sudo().message_follower_ids.partner_id.filtered(
            lambda p, r=self: p.commercial_partner_id == r.partner_id
        )
        self.sudo().message_post(
            body=Markup("<p>%s</p>") % body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=partners.ids,
        )

    # === Scheduled job: reminders and expiry === #

    @api.model
    def _cron_expire_registrations(self, today=None):
        """Daily: a reminder to the channel manager 14 days before a protection ends, and
        approved registrations past their protection become expired (the partner is told).
        Idempotent (a registration is reminded once per protection and expires once) and
        batched."""
        today = today or fields.Date.context_today(self)
        Registration = self.sudo()
        to_remind = Registration.search(
            [
                ("state", "in", CLAIM_STATES),
                ("reminder_sent", "=", False),
                ("protection_until", ">=", today),
                ("protection_until", "<=", today + timedelta(days=REMINDER_DAYS)),
            ]
        )
        for start in range(0, len(to_remind), CRON_BATCH):
            batch = to_remind[start : start + CRON_BATCH]
            batch._remind_expiry()
            batch.write({"reminder_sent": True})
        to_expire = Registration.search(
            [("state", "in", CLAIM_STATES), ("protection_until", "<", today)]
        )
        for start in range(0, len(to_expire), CRON_BATCH):
            batch = to_expire[start : start + CRON_BATCH]
            batch.write({"state": "expired"})
            for registration in batch:
                registration._notify_partner(
                    self.env._(
                        "The protection of your registration of %(customer)s ended on "
                        "%(until)s: the registration is expired.",
                        customer=registration.customer_name,
                        until=format_date(self.env, registration.protection_until),
                    )
                )
        return len(to_remind), len(to_expire)

    def _remind_expiry(self):
        for registration in self:
            user = registration.partner_id.channel_manager_id or registration.lead_id.user_id
            registration.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=registration.protection_until,
                summary=self.env._("Registration protection ends soon"),
                note=self.env._(
                    "The protection of %(name)s (%(customer)s) ends on %(until)s: extend it "
                    "or let it expire.",
                    name=registration.name,
                    customer=registration.customer_name,
                    until=format_date(self.env, registration.protection_until),
                ),
                user_id=(
                    user
                    or self.env.ref("base.user_admin", raise_if_not_found=False)
                    or self.env.user
                ).id,
            )

    # === Won / lost: the opportunity decides === #

    @api.model
    def _sync_from_leads(self, leads):
        """Approved (or expired) registrations follow their opportunity: won, lost, or
        back to approved/expired when it is reopened."""
        registrations = self.sudo().search(
            [("lead_id", "in", leads.ids), ("state", "in", ("approved", "expired", "won", "lost"))]
        )
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        for registration in registrations:
            status = registration.lead_id.won_status
            if status in ("won", "lost"):
                target = status
            elif registration.protection_until and registration.protection_until >= today:
                target = "approved"
            else:
                target = "expired"
            if target != registration.state:
                registration.write(
                    {"state": target, "close_date": now if target in ("won", "lost") else False}
                )
