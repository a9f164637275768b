from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models


class ResPartner(models.Model):
    """The level passport of a channel partner (portal /my/channel): its level, the
    next one and what it still needs, from the last applied evaluation and the KPIs
    measured live to date (the evaluation's own measures). Plain values only."""

    _name = "res.partner"
    _inherit = ["res.partner", "collab.guard.mixin"]

    def _get_channel_passport(self, today=None):
        """The passport of this partner's commercial entity, a dict of plain values, or
        None when it is not a channel partner.

        Runs as the server (``sudo``): the caller passes the portal user's own commercial
        entity; what leaves this method is whitelisted (no internal note, no manager
        comment, no other partner)."""
        self.ensure_one()
        partner = self.commercial_partner_id.sudo()
        if not partner.channel_type:
            return None
        today = today or fields.Date.context_today(self)
        Evaluation = self.env["res.partner.grade.evaluation"].sudo()
        last = Evaluation.search(
            [("partner_id", "=", partner.id), ("state", "=", "applied")],
            order="date_to desc, id desc",
            limit=1,
        )
        grade = partner.grade_id
        next_grade = last.grade_next_id
        months = (next_grade or grade).evaluation_months or 12
        date_from = today + timedelta(days=1) - relativedelta(months=months)
        if partner.company_id:
            Evaluation = Evaluation.with_company(partner.company_id)
        kpis = Evaluation._measure_kpis(partner, date_from, today)
        live = {key: values.get(partner.id) for key, values in kpis.items()}
        passed = live.get("passed_course_ids") or set()
        currency = (partner.company_id or self.env.company).currency_id
        criteria = next_grade and self._passport_criteria(next_grade, live, passed) or []
        courses_grade = next_grade or grade
        courses = [
            {"name": course.name, "done": course.id in passed}
            for course in courses_grade.mandatory_course_ids.sudo()
        ]
        grace = None
        # still at the level it fails (kept in grace), not once demoted
        if last.failing and last.change == "keep" and grade == last.grade_current_id:
            grace = {
                "streak": last.failing_streak,
                "grace": grade.demotion_grace or 1,
                "left": max((grade.demotion_grace or 1) - last.failing_streak, 0),
            }
        changes = dict(Evaluation._fields["change"]._description_selection(self.env))
        return {
            "partner_name": partner.name,
            "channel_type": dict(partner._fields["channel_type"]._description_selection(self.env))[
                partner.channel_type
            ],
            "level": grade.name or False,
            "level_since": partner.grade_date,
            "next_level": next_grade.name or False,
            "currency": currency,
            "window_from": date_from,
            "window_to": today,
            "criteria": criteria,
            "courses": courses,
            "courses_for": courses_grade.name or False,
            "grace": grace,
            "territories": partner.territory_ids.sudo().mapped("name"),
            "last_evaluation": last
            and {
                "date_from": last.date_from,
                "date_to": last.date_to,
                "applied_date": last.applied_date,
                "recommended": last.grade_recommended_id.name or False,
                "change": changes.get(last.change, ""),
                "gap_note": last.gap_note or "",
            },
        }

    def _passport_criteria(self, grade, live, passed):
        """Each set criterion of ``grade`` with the partner's live value, the threshold,
        the gap and the share reached (for the bar): a list of dicts."""
        rows = []
        labels = self.env["res.partner.grade"]._criterion_labels()

        def row(key, kind, value, threshold, measured=True):
            met = measured and value >= threshold
            rows.append(
                {
                    "key": key,
                    "label": labels[key],
                    "kind": kind,
                    "value": value if measured else None,
                    "threshold": threshold,
                    "gap": 0.0 if met or not measured else threshold - value,
                    "percent": min(value / threshold * 100.0, 100.0)
                    if measured and threshold
                    else 0.0,
                    "met": met,
                    "measured": measured,
                }
            )

        if grade.min_revenue:
            row("min_revenue", "money", live.get("revenue") or 0.0, grade.min_revenue)
        if grade.min_collection_rate:
            due, collected = live.get("collection") or (0.0, 0.0)
            row(
                "min_collection_rate",
                "percent",
                collected / due * 100.0 if due else 0.0,
                grade.min_collection_rate,
                measured=bool(due),
            )
        if grade.min_new_customers:
            row(
                "min_new_customers",
                "count",
                len(live.get("new_customer_ids") or []),
                grade.min_new_customers,
            )
        if grade.min_satisfaction:
            satisfaction = (live.get("satisfaction") or (None, 0))[0]
            row(
                "min_satisfaction",
                "score",
                satisfaction or 0.0,
                grade.min_satisfaction,
                measured=satisfaction is not None,
            )
        if grade.min_training_rate:
            Evaluation = self.env["res.partner.grade.evaluation"]
            rate = Evaluation._training_rate(set(grade.mandatory_course_ids.ids), passed)
            row("min_training_rate", "percent", rate, grade.min_training_rate)
        return rows
