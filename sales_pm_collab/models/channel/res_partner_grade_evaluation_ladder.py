import contextlib
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..bulk_insert import bulk_insert
from .res_partner_grade_evaluation import MAX_WINDOW_MONTHS, WINDOW_MIN_DATE


class ResPartnerGradeEvaluation(models.Model):
    """Evaluating channel partners: the run (`create_for_partners`, by hand or the
    quarterly cron), and the ladder, that turns the KPIs into a recommended level, a
    change and the gap to the next level."""

    _inherit = "res.partner.grade.evaluation"

    @api.model
    def _default_window(self, months=12, today=None):
        """The `months` full months up to the end of last month."""
        today = today or fields.Date.context_today(self)
        date_to = today.replace(day=1) - timedelta(days=1)
        date_from = date_to + timedelta(days=1) - relativedelta(months=months)
        return date_from, date_to

    @api.model
    def create_for_partners(self, partners, date_from, date_to):
        """Measure `partners` over the window and create one draft evaluation each.

        Every KPI is one grouped query for all the partners; the partners' earlier draft
        evaluations (figures only, nothing decided yet) are replaced. Named steps: the
        window (`_check_window`), the channel partners' rows (`_evaluation_rows`), their
        values (`_evaluation_values`: KPIs and ladder), then the drafts replaced.
        Returns the created evaluations.
        """
        return self._create_for_partners(partners, date_from, date_to)

    @api.model
    def _create_for_partners(self, partners, date_from, date_to, run=None):
        """`create_for_partners`, the evaluations linked to `run` (an evaluation run, a
        batch of its background job) when given: then partners that are no longer channel
        partners of the company are skipped instead of refused."""
        self.check_access("create")
        partners = self._evaluation_partners(partners)
        # the partners named must be readable by the user (e.g. not another company's)
        partners.check_access("read")
        date_from, date_to = self._check_window(date_from, date_to)
        with self._without_jit():
            rows = self._evaluation_rows(partners, required=run is None)
            if not rows:
                return self.browse()
            vals_list = self._evaluation_values(rows, date_from, date_to)
            if run is not None:
                for vals in vals_list:
                    vals["run_id"] = run.id
            partners = self.env["res.partner"].browse([row[0] for row in rows])
            self._unlink_drafts(partners)
            evaluations = self.browse(self._insert_evaluations(vals_list).ids)
            self.env["res.partner"]._update_last_evaluation(partners)
        return evaluations

    @contextlib.contextmanager
    def _without_jit(self):
        """PostgreSQL's JIT compilation off for the evaluation's queries, then as it was.
        Their estimated cost (thousands of partners in an array) switches JIT on under the
        default settings, which then spends longer compiling (3 s of a 4 s query for 2,000
        partners, 10 s of 29 s for 20,000) than the queries take to run on the rows their
        indexes pick."""
        previous = self.env.execute_query(
            SQL("SELECT current_setting('jit', true), set_config('jit', 'off', true)")
        )[0][0]
        try:
            yield
        finally:
            if previous and previous != "off":
                self.env.execute_query(SQL("SELECT set_config('jit', %s, true)", previous))

    @api.model
    def _insert_evaluations(self, vals_list):
        """Write the draft evaluations of `vals_list` (from `_evaluation_values`) as the
        system, in two statements whatever their number: the rows (`bulk_insert`) and
        their new customers. The ORM's create cost about 4 ms per evaluation (company
        checks, currency rounding of each amount, one INSERT per 100 rows), 80 s for
        20,000 partners; a draft evaluation needs none of what it adds: no chatter
        message, follower or tracking (the values are the engine's own, every field
        given, the partners checked by `_evaluation_rows`)."""
        rows, customers = [], []
        monetary = [name for name, field in self._fields.items() if field.type == "monetary"]
        # amounts rounded to their currency (each row's company's), as the ORM stores them
        digits = {}
        for vals in vals_list:
            vals = dict(vals, state="draft")
            currency_id = vals["currency_id"]
            if currency_id not in digits:
                digits[currency_id] = self.env["res.currency"].browse(currency_id).decimal_places
            for name in monetary:
                if vals.get(name):
                    vals[name] = round(vals[name], digits[currency_id])
            commands = vals.pop("new_customer_ids", None) or []
            customers.append([pid for command in commands for pid in command[2]])
            rows.append(vals)
        created = bulk_insert(self.sudo(), rows)
        pairs = [
            (evaluation_id, customer_id)
            for evaluation_id, ids in zip(created.ids, customers, strict=True)
            for customer_id in ids
        ]
        if pairs:
            evaluation_ids, customer_ids = zip(*pairs, strict=True)
            self.env.execute_query(
                SQL(
                    """
                    INSERT INTO res_partner_grade_evaluation_new_customer_rel
                                (evaluation_id, partner_id)
                    SELECT * FROM unnest(%s::int4[], %s::int4[])
                    """,
                    list(evaluation_ids),
                    list(customer_ids),
                )
            )
        # the partners' lists of evaluations (their count on the form) include the new ones
        self.env["res.partner"].invalidate_model(["grade_evaluation_ids"])
        return created

    @api.model
    def _evaluation_rows(self, partners, required=True):
        """[(partner id, channel type, channel manager id, level id)] of the channel
        partners behind `partners` (their commercial entities) that this company may
        evaluate (its own or shared), in one query; refused when there is none (unless
        not `required`)."""
        company = self.env.company
        self.env["res.partner"].flush_model(
            [
                "commercial_partner_id",
                "channel_type",
                "channel_manager_id",
                "grade_id",
                "company_id",
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT c.id, c.channel_type, c.channel_manager_id, c.grade_id
                  FROM res_partner p
                  JOIN res_partner c ON c.id = p.commercial_partner_id
                 WHERE p.id = ANY(%(ids)s) AND c.channel_type IS NOT NULL
                   AND (c.company_id IS NULL OR c.company_id = %(company)s)
              ORDER BY c.id
                """,
                ids=partners.ids,
                company=company.id,
            )
        )
        if not rows and required:
            raise UserError(
                self.env._(
                    "None of the selected partners is a channel partner of %(company)s: set a "
                    "channel type on them first, or switch to their company.",
                    company=company.name,
                )
            )
        return rows

    @api.model
    def _evaluation_values(self, rows, date_from, date_to):
        """The values of one draft evaluation per row of `_evaluation_rows`: the KPIs
        measured over the window, the place on the company's ladder."""
        company = self.env.company
        partners = self.env["res.partner"].browse([row[0] for row in rows])
        kpis = self._measure_kpis(partners, date_from, date_to)
        criteria = self._ladder_criteria(self.env["res.partner.grade"]._get_ladder(company))
        previous = self._previous_evaluations(partners, date_to)
        vals_list = []
        for partner_id, channel_type, manager_id, grade_id in rows:
            vals = {
                "partner_id": partner_id,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "channel_type": channel_type,
                "channel_manager_id": manager_id,
                "date_from": date_from,
                "date_to": date_to,
                "notify_partner": company.channel_evaluation_email,
                **{key: values.get(partner_id) for key, values in kpis.items()},
            }
            vals.update(self._ladder_values(vals, grade_id, criteria, previous))
            vals_list.append(self._clean_kpi_values(vals))
        return vals_list

    @api.model
    def _unlink_drafts(self, partners):
        """Delete the company's draft evaluations of `partners`, which the new ones
        replace (a shared partner evaluated by another company keeps that company's
        drafts)."""
        drafts = self.search(
            [
                ("partner_id", "in", partners.ids),
                ("state", "=", "draft"),
                ("company_id", "=", self.env.company.id),
            ]
        )
        drafts.unlink()

    @api.model
    def _evaluation_partners(self, partners):
        """The partners to evaluate as a recordset, from a recordset or ids (RPC, XML data):
        one id or a list of ids; anything else is refused with a message."""
        if isinstance(partners, models.BaseModel):
            if partners._name != "res.partner":
                partners = None
        elif isinstance(partners, int) and not isinstance(partners, bool):
            partners = self.env["res.partner"].browse(partners)
        elif isinstance(partners, (list, tuple)) and all(
            isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 for pid in partners
        ):
            partners = self.env["res.partner"].browse(partners)
        else:
            partners = None
        if partners is None:
            raise ValidationError(
                self.env._("Evaluate Partners expects partners: a list of partner ids.")
            )
        return partners.exists()

    @api.model
    def _check_window(self, date_from, date_to):
        """The evaluation window as dates, refused with a message when it is not a window
        that has happened: dates, ending after it starts, ending today at the latest,
        starting in WINDOW_MIN_DATE or later and lasting MAX_WINDOW_MONTHS at most."""
        try:
            date_from = fields.Date.to_date(date_from) if date_from else None
            date_to = fields.Date.to_date(date_to) if date_to else None
        except (TypeError, ValueError):
            raise ValidationError(
                self.env._(
                    "The evaluation window needs two dates (YYYY-MM-DD); got %(from)s and %(to)s.",
                    **{"from": repr(date_from)[:40], "to": repr(date_to)[:40]},
                )
            ) from None
        if not date_from or not date_to:
            raise ValidationError(self.env._("Set the start and the end of the evaluation window."))
        if date_to < date_from:
            raise ValidationError(
                self.env._(
                    "The evaluation window ends (%(to)s) before it starts (%(from)s): pick an "
                    "end date after the start date.",
                    **{"from": date_from, "to": date_to},
                )
            )
        today = fields.Date.context_today(self)
        if date_to > today:
            raise ValidationError(
                self.env._(
                    "The evaluation window ends on %(to)s, in the future: KPIs are measured "
                    "over time that has passed. End it today at the latest.",
                    to=date_to,
                )
            )
        if date_from < WINDOW_MIN_DATE or date_from < date_to - relativedelta(
            months=MAX_WINDOW_MONTHS
        ):
            raise ValidationError(
                self.env._(
                    "The evaluation window %(from)s - %(to)s is too long: it may last "
                    "%(months)s months at most and start in %(year)s or later.",
                    **{
                        "from": date_from,
                        "to": date_to,
                        "months": MAX_WINDOW_MONTHS,
                        "year": WINDOW_MIN_DATE.year,
                    },
                )
            )
        return date_from, date_to

    @api.model
    def _previous_evaluations(self, partners, date_to):
        """{partner_id: (grade_current_id, failing, failing_streak)} of each partner's
        latest earlier evaluation in the company that was not rejected (one query)."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (partner_id) partner_id, grade_current_id, failing,
                       failing_streak
                  FROM res_partner_grade_evaluation
                 WHERE partner_id = ANY(%(partners)s)
                   AND company_id = %(company)s
                   AND state IN ('to_approve', 'approved', 'applied')
                   AND date_to < %(date_to)s
              ORDER BY partner_id, date_to DESC, id DESC
                """,
                partners=partners.ids,
                company=self.env.company.id,
                date_to=date_to,
            )
        )
        return {pid: (grade, failing, streak or 0) for pid, grade, failing, streak in rows}

    @api.model
    def _ladder_criteria(self, ladder):
        """The criteria of the ladder's grades as plain dicts (highest grade first, from
        `_get_ladder`), read once per batch. `plain`: the grade has no criterion (such
        grades come last); `entry`: the entry level, the lowest of them."""
        entry = ladder._ladder_entry()
        return [
            {
                "grade": grade,
                "min_revenue": grade.min_revenue,
                "min_collection_rate": grade.min_collection_rate,
                "min_new_customers": grade.min_new_customers,
                "min_satisfaction": grade.min_satisfaction,
                "min_training_rate": grade.min_training_rate,
                "mandatory": set(grade.mandatory_course_ids.ids),
                "grace": grade.demotion_grace or 1,
                "plain": not grade.has_criteria,
                "entry": grade == entry,
            }
            for grade in ladder
        ]

    @api.model
    def _grade_gaps(self, crit, vals, passed):
        """What `vals` misses for the grade of `crit` (from _ladder_criteria): a list of
        (criterion, missing amount) pairs, empty when every set criterion is met. A set
        criterion whose KPI is not measured is not met (missing amount None)."""
        gaps = []
        revenue = vals.get("revenue") or 0.0
        if crit["min_revenue"] and revenue < crit["min_revenue"]:
            gaps.append(("revenue", crit["min_revenue"] - revenue))
        if crit["min_collection_rate"]:
            due, collected = vals.get("collection") or (0.0, 0.0)
            if not due:
                gaps.append(("collection_rate", None))
            elif collected / due * 100.0 < crit["min_collection_rate"]:
                gaps.append(
                    ("collection_rate", crit["min_collection_rate"] - collected / due * 100.0)
                )
        if crit["min_new_customers"]:
            count = len(vals.get("new_customer_ids") or [])
            if count < crit["min_new_customers"]:
                gaps.append(("new_customers", crit["min_new_customers"] - count))
        if crit["min_satisfaction"]:
            satisfaction = (vals.get("satisfaction") or (None, 0))[0]
            if satisfaction is None:
                gaps.append(("satisfaction", None))
            elif satisfaction < crit["min_satisfaction"]:
                gaps.append(("satisfaction", crit["min_satisfaction"] - satisfaction))
        if crit["min_training_rate"]:
            mandatory = crit["mandatory"]
            if self._training_rate(mandatory, passed) < crit["min_training_rate"]:
                # the fewest courses still to pass to reach the rate
                needed = -(-crit["min_training_rate"] * len(mandatory) // 100) - len(
                    mandatory & passed
                )
                gaps.append(("trainings", int(max(needed, 1))))
        return gaps

    @api.model
    def _format_gaps(self, gaps, lang, currency=None):
        """The readable gap note of _grade_gaps: "revenue +¥ 120,000; 2 mandatory
        trainings", in the language of the environment (`lang`: its res.lang, for the
        numbers); the revenue in whole units of `currency`, with its symbol."""
        texts = []
        for kind, value in gaps:
            if kind == "revenue":
                amount = lang.format("%.0f", value, grouping=True)
                if currency:
                    amount = (
                        f"{currency.symbol}\N{NO-BREAK SPACE}{amount}"
                        if currency.position == "before"
                        else f"{amount}\N{NO-BREAK SPACE}{currency.symbol}"
                    )
                texts.append(self.env._("revenue +%(amount)s", amount=amount))
            elif kind == "collection_rate" and value is None:
                texts.append(self.env._("collection rate not measured (no invoice due)"))
            elif kind == "collection_rate":
                texts.append(self.env._("collection rate +%(points)s pts", points=f"{value:.1f}"))
            elif kind == "new_customers":
                texts.append(
                    self.env._("%(count)s new customers", count=value)
                    if value > 1
                    else self.env._("1 new customer")
                )
            elif kind == "satisfaction" and value is None:
                texts.append(self.env._("satisfaction not measured"))
            elif kind == "satisfaction":
                points = f"{value:.2f}".rstrip("0").rstrip(".")
                texts.append(self.env._("satisfaction +%(points)s", points=points))
            elif kind == "trainings":
                texts.append(
                    self.env._("%(count)s mandatory trainings", count=value)
                    if value > 1
                    else self.env._("1 mandatory training")
                )
        # Chinese joins with a full-width semicolon; a one-character term cannot go
        # through the .po files (Odoo's export leaves terms that short out)
        separator = "；" if (self.env.lang or "").startswith("zh") else "; "
        return separator.join(texts)

    @api.model
    def _render_gap(self, gap, currency=None):
        """The gap note of `gap` (the `gap_data` of _ladder_values) in the language of
        the environment: the reader's, or the recipient's for an e-mail; money in
        `currency` (the evaluation's)."""
        if not gap:
            return False
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US") or self.env[
            "res.lang"
        ]._lang_get("en_US")
        if gap.get("top"):
            note = self.env._("top of the ladder")
        else:
            note = self._format_gaps(gap.get("gaps") or [], lang, currency)
        failing = gap.get("failing")
        if failing:
            note = self.env._(
                "%(gap)s (failing %(streak)s of %(grace)s before demotion)",
                gap=note or "",
                streak=failing[0],
                grace=failing[1],
            )
        return note or False

    @api.model
    def _training_rate(self, mandatory, passed):
        if not mandatory:
            return 100.0
        return len(mandatory & passed) / len(mandatory) * 100.0

    @api.model
    def _ladder_values(self, vals, current_id, criteria, previous):
        """Recommended level, change, failing streak, training rate and gap note of one
        partner. `criteria` from _ladder_criteria (highest first), `previous` from
        _previous_evaluations."""
        passed = vals.get("passed_course_ids") or set()
        rank = None
        for index, crit in enumerate(criteria):  # the highest grade without gap
            if crit["plain"] and not crit["entry"] and crit["grade"].id != current_id:
                # a grade without criteria is met by anyone: it is recommended as the
                # entry level, or kept by the partners holding it, never handed out
                continue
            if not self._grade_gaps(crit, vals, passed):
                rank = index
                break
        ranks = {crit["grade"].id: index for index, crit in enumerate(criteria)}
        recommended = criteria[rank] if rank is not None else None
        # the next grade: the one just above, the lowest with criteria from the bottom
        graded = [index for index, crit in enumerate(criteria) if not crit["plain"]]
        above = [index for index in graded if rank is None or index < rank]
        target = criteria[above[-1]] if above else None
        current_rank = ranks.get(current_id)
        failing = current_rank is not None and (rank is None or rank > current_rank)
        streak = 0
        if failing:
            prev_grade, prev_failing, prev_streak = previous.get(
                vals["partner_id"], (None, False, 0)
            )
            streak = prev_streak + 1 if prev_failing and prev_grade == current_id else 1
        if current_rank is None:
            change = "promote" if recommended else "keep"
        elif failing:
            change = "demote" if streak >= criteria[current_rank]["grace"] else "keep"
        elif rank < current_rank:
            change = "promote"
        else:
            change = "keep"
        # the gap is stored as data and rendered in the reader's language (gap_note)
        if target:
            gap = {"gaps": [list(g) for g in self._grade_gaps(target, vals, passed)]}
        elif recommended and not recommended["plain"]:
            gap = {"top": True}
        else:
            gap = {}
        if failing and change == "keep":
            gap["failing"] = [streak, criteria[current_rank]["grace"]]
        if not (gap.get("gaps") or gap.get("top") or gap.get("failing")):
            gap = False
        training = target or recommended
        return {
            "grade_current_id": current_id if current_rank is not None else False,
            "grade_recommended_id": recommended["grade"].id if recommended else False,
            "grade_next_id": target["grade"].id if target else False,
            "change": change,
            "failing": failing,
            "failing_streak": streak,
            "gap_data": gap,
            "training_grade_id": training["grade"].id if training else False,
            "training_rate": self._training_rate(training["mandatory"], passed)
            if training
            else 0.0,
        }

    @api.model
    def _cron_evaluate_channel_partners(self):
        """Quarterly: a draft evaluation of every channel partner, per company, over its
        level's window (the level's evaluation months up to the end of last month)."""
        partners = self.env["res.partner"].search(
            [("channel_type", "!=", False), ("is_company", "=", True)]
        )
        batches = {}
        for partner in partners:
            company = partner.company_id or self.env.company
            months = partner.grade_id.evaluation_months or 12
            batches.setdefault((company, months), self.env["res.partner"])
            batches[(company, months)] |= partner
        for (company, months), batch in batches.items():
            date_from, date_to = self._default_window(months)
            self.with_company(company).create_for_partners(batch, date_from, date_to)

    @api.model
    def _search_domain_channel_partners(self, grade_ids=None, channel_type=None, manager=None):
        domain = Domain("channel_type", "!=", False) & Domain("is_company", "=", True)
        if grade_ids:
            domain &= Domain("grade_id", "in", grade_ids)
        if channel_type:
            domain &= Domain("channel_type", "=", channel_type)
        if manager:
            domain &= Domain("channel_manager_id", "=", manager)
        return domain
