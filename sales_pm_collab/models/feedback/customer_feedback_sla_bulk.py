"""The SLA cron's chatter in bulk: activities, followers, logged notes and their tracking
values of a batch of due feedback, each kind in one INSERT (`bulk_insert`).

The ORM's `create` of mail.activity, mail.followers and mail.message costs about a
millisecond a row whatever the batching (among others it keeps the one2many caches of
every model with a chatter in step, one document at a time): 10,000 due feedback of the
benchmark make 12,000 activities, 6,000 notes and their followers, 98 s of the cron's
time through the ORM, 23-36 s in bulk (bench_feedback.py, scale mode, load 4-7).

The rows written here are those the ORM writes (the same defaults, computed names,
sanitized html, subtypes of the followers, the assignee's activity counter refreshed on
the bus), which the tests check against the ORM's own rows
(tests/feedback/test_feedback_sla_bulk.py). What the ORM would do on top of that and the
cron does not want is left out on purpose: the "assigned to you" e-mail of each activity
(the cron's activities are a to-do list, not mail) and notifications of the notes
(logged notes notify nobody). Interactive escalations (`_sla_process()` without `batch`)
keep the ORM's path.
"""

from collections import defaultdict
from datetime import timedelta

from markupsafe import escape

from odoo import fields, models
from odoo.tools import SQL, clean_context
from odoo.tools.mail import generate_tracking_message_id

from ..bulk_insert import bulk_insert


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

    @staticmethod
    def _sla_stored_defaults(model, given):
        """The defaults `model.create` would add to values with the keys `given` (one
        default_get for all the rows), stored columns only."""
        defaults = model._add_missing_default_values(dict.fromkeys(given, False))
        result = {}
        for name, value in defaults.items():
            field = model._fields[name]
            if name in given or not field.store or not field.column_type:
                continue
            result[name] = field.convert_to_write(field.convert_to_cache(value, model), model)
        return result

    def _sla_bulk_activities(self, type_xmlid, plans):
        """`_schedule_activities(type_xmlid, plans, notify=False)` in one INSERT, plus
        the assignees subscribed as followers and their activity counters refreshed.
        Returns the new activities."""
        activity_type = self.env.ref(f"sales_pm_collab.{type_xmlid}")
        plans = [plan for plan in plans if plan[1]]
        if not plans:
            return self.env["mail.activity"]
        activities = self.env["mail.activity"].sudo()
        today = fields.Date.context_today(self)
        note_field = activities._fields["note"]
        notes = {}
        given = {
            "activity_type_id": activity_type.id,
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_model": self._name,
            "automated": True,
        }
        defaults = self._sla_stored_defaults(
            activities,
            set(given)
            | {"res_id", "res_name", "user_id", "user_tz", "summary", "note", "date_deadline"},
        )
        # the computed stored fields the ORM would fill (date_done: none, active)
        defaults["date_done"] = False
        rows = []
        names = {}
        for feedback, user, summary, note, days in plans:
            note = note or activity_type.default_note
            if note not in notes:
                notes[note] = note_field.convert_to_column(note, activities)
            if feedback.id not in names:
                names[feedback.id] = activities.env[self._name].browse(feedback.id).display_name
            rows.append(
                {
                    **defaults,
                    **given,
                    "res_id": feedback.id,
                    "res_name": names[feedback.id],
                    "user_id": user.id,
                    "user_tz": user.tz,
                    "summary": summary,
                    "note": notes[note],
                    "date_deadline": today + timedelta(days=days),
                }
            )
        created = bulk_insert(activities, rows)
        per_user = defaultdict(set)
        due_today = defaultdict(int)
        for (feedback, user, _summary, _note, _days), row in zip(plans, rows, strict=True):
            per_user[user].add(feedback.id)
            if row["date_deadline"] <= fields.Date.today():
                due_today[user] += 1
        for user, res_ids in per_user.items():
            self._sla_bulk_subscribe(res_ids, user.sudo().partner_id)
        for user, count in due_today.items():
            user._bus_send("mail.activity/updated", {"activity_created": True, "count_diff": count})
        return created

    def _sla_bulk_subscribe(self, res_ids, partner):
        """message_subscribe(partner) of the feedback `res_ids` (default subtypes, the
        partner's existing subscriptions kept) in two INSERTs."""
        # as message_subscribe: the current user's partner follows with the default
        # subtypes; another one only when active, with the customers' subtypes if a customer
        current = partner == self.env.user.partner_id
        if not current and not partner.active:
            return
        followers = self.env["mail.followers"].sudo()
        new, _update = followers._add_default_followers(
            self._name,
            sorted(res_ids),
            partner.ids,
            customer_ids=[] if current else None,
            check_existing=True,
            existing_policy="skip",
        )
        values = [
            vals | {"res_id": res_id} for res_id, vals_list in new.items() for vals in vals_list
        ]
        if not values:
            return
        created = bulk_insert(
            followers,
            [{key: vals[key] for key in ("res_model", "res_id", "partner_id")} for vals in values],
        )
        pairs = [
            (follower_id, subtype_id)
            for follower_id, vals in zip(created.ids, values, strict=True)
            for command in vals["subtype_ids"]
            for subtype_id in command[2]
        ]
        if pairs:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO mail_followers_mail_message_subtype_rel
                           (mail_followers_id, mail_message_subtype_id)
                    SELECT * FROM unnest(%s::int4[], %s::int4[])
                    """,
                    [pair[0] for pair in pairs],
                    [pair[1] for pair in pairs],
                )
            )

    def _sla_bulk_log(self, escalations, bodies):
        """`_message_log_batch(bodies)` of the escalated feedback with the tracking value
        of escalation_level (old -> new) on each note, in two INSERTs."""
        records = self.browse([feedback.id for feedback, _old, _new in escalations])
        author_id, email_from = records._message_compute_author(None, None)
        messages = self.env["mail.message"].sudo().with_context(clean_context(self.env.context))
        given = {
            "author_id": author_id,
            "email_from": email_from,
            "model": self._name,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "message_type": "notification",
            "is_internal": True,
            "subject": False,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            "email_add_signature": False,
            "message_id": generate_tracking_message_id("message-notify"),
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(
                default=email_from, author_id=author_id
            )[False],
        }
        defaults = self._sla_stored_defaults(messages, set(given) | {"res_id", "body"})
        body_field = messages._fields["body"]
        sanitized = {}  # the bodies repeat (same level, same names): sanitized once each
        rows = []
        for record in records:
            body = str(escape(bodies.get(record.id, "")))
            if body not in sanitized:
                sanitized[body] = body_field.convert_to_column(body, messages)
            rows.append({**defaults, **given, "res_id": record.id, "body": sanitized[body]})
        created = bulk_insert(messages, rows)
        field_info = self.fields_get(["escalation_level"], attributes=("string", "type"))[
            "escalation_level"
        ]
        tracking = self.env["mail.tracking.value"].sudo()
        bulk_insert(
            tracking,
            [
                dict(
                    tracking._create_tracking_values(
                        old_level, new_level, "escalation_level", field_info, feedback
                    ),
                    mail_message_id=message_id,
                )
                for (feedback, old_level, new_level), message_id in zip(
                    escalations, created.ids, strict=True
                )
            ],
        )
        return created
