from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL


class ResPartnerGradeEvaluation(models.Model):
    """The KPIs of an evaluation, measured from the ERP with one grouped query per KPI
    for all the partners of a batch (`_kpi_*` methods, each returning {partner_id:
    value}; a partner missing from the result of a ratio KPI, collection rate or
    satisfaction, is "not measured"), and the actions opening the records behind each
    figure.

    A channel partner's customers are the customer companies of the opportunities won
    with it as `channel_partner_id` (`_channel_customers_query`): the new-customers KPI
    counts those first won in the window, the satisfaction KPI averages their feedback.
    """

    _inherit = "res.partner.grade.evaluation"

    # KPI links: each figure opens the records behind it
    def _invoice_action(self, domain, name):
        return self._window_action(
            "account.action_move_out_invoice_type",
            name=name,
            display_name=name,
            domain=domain,
            context={"create": False, "default_move_type": "out_invoice"},
        )

    def _previous_window(self):
        self.ensure_one()
        return self._previous_window_dates(self.date_from, self.date_to)

    @api.model
    def _previous_window_dates(self, date_from, date_to):
        """The window just before [date_from, date_to] that the growth compares with: as
        many months before a window of whole months (2024-03-01 - 2025-02-28 against
        2023-03-01 - 2024-02-29), else as many days."""
        previous_to = date_from - timedelta(days=1)
        end = date_to + timedelta(days=1)
        if date_from.day == 1 and end.day == 1:
            months = relativedelta(end, date_from)
            return date_from - months, previous_to
        return previous_to - (date_to - date_from), previous_to

    def action_view_revenue_invoices(self, previous=False):
        """The posted invoices and refunds behind the revenue (or the previous revenue)."""
        self.ensure_one()
        date_from, date_to = self._previous_window() if previous else (self.date_from, self.date_to)
        return self._invoice_action(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                *((fname, "=", False) for fname in self._kpi_revenue_excluded_move_fields()),
                ("invoice_date", ">=", date_from),
                ("invoice_date", "<=", date_to),
            ],
            self.env._(
                "Revenue of %(partner)s, %(from)s - %(to)s",
                **{"partner": self.partner_id.name, "from": date_from, "to": date_to},
            ),
        )

    def action_view_previous_invoices(self):
        return self.action_view_revenue_invoices(previous=True)

    def action_view_due_invoices(self):
        self.ensure_one()
        return self._invoice_action(
            [
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "!=", "reversed"),
                ("invoice_date_due", ">=", self.date_from),
                ("invoice_date_due", "<=", self.date_to),
            ],
            self.env._("Invoices due of %(partner)s", partner=self.partner_id.name),
        )

    def action_view_new_customer_opportunities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        name = self.env._("New customers of %(partner)s", partner=self.partner_id.name)
        action.update(
            {
                "name": name,
                "display_name": name,
                "domain": [
                    ("channel_partner_id", "=", self.partner_id.id),
                    ("won_status", "=", "won"),
                    ("partner_id.commercial_partner_id", "in", self.new_customer_ids.ids),
                    ("date_closed", ">=", fields.Datetime.to_datetime(self.date_from)),
                    (
                        "date_closed",
                        "<",
                        fields.Datetime.to_datetime(self.date_to + timedelta(days=1)),
                    ),
                ],
                "context": {"create": False, "active_test": False},
                "view_mode": "list,form",
                "views": [(False, "list"), (False, "form")],
            }
        )
        return action

    def action_view_satisfaction_feedback(self):
        """The rated feedback behind the satisfaction figure."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_pm_collab.customer_feedback_action"
        )
        name = self.env._("Customer satisfaction of %(partner)s", partner=self.partner_id.name)
        action.update(
            {
                "name": name,
                "display_name": name,
                "domain": self._satisfaction_feedback_domain(),
                "context": {"create": False},
                "view_mode": "list,form",
                "views": [
                    (
                        self.env.ref(
                            "sales_pm_collab.view_customer_feedback_list_channel_satisfaction"
                        ).id,
                        "list",
                    ),
                    (False, "form"),
                ],
            }
        )
        return action

    def _satisfaction_feedback_domain(self):
        """Domain of the feedback `_kpi_satisfaction` averages for this evaluation."""
        self.ensure_one()
        customers = self._channel_customers(self.partner_id, self.date_to, self.company_id)
        start, end = self._window_datetimes(self.date_from, self.date_to)
        return [
            ("commercial_partner_id", "in", customers.get(self.partner_id.id, [])),
            ("company_id", "=", self.company_id.id),
            ("state", "!=", "cancelled"),
            ("satisfaction", ">", 0),
            ("satisfaction_date", ">=", start),
            ("satisfaction_date", "<", end),
        ]

    @api.model
    def _measure_kpis(self, partners, date_from, date_to):
        """{kpi: {partner_id: value}} for all partners, one grouped query per KPI."""
        previous_from, previous_to = self._previous_window_dates(date_from, date_to)
        return {
            "revenue": self._kpi_revenue(partners, date_from, date_to),
            "revenue_previous": self._kpi_revenue(partners, previous_from, previous_to),
            "collection": self._kpi_collection(partners, date_from, date_to),
            "new_customer_ids": self._kpi_new_customers(partners, date_from, date_to),
            "satisfaction": self._kpi_satisfaction(partners, date_from, date_to),
            "passed_course_ids": self._kpi_trainings(partners, date_from, date_to),
        }

    @api.model
    def _clean_kpi_values(self, vals):
        """Turn the raw KPI values of one partner into field values."""
        vals.pop("passed_course_ids", None)
        revenue = vals.get("revenue") or 0.0
        previous = vals.get("revenue_previous") or 0.0
        due, collected = vals.pop("collection", None) or (0.0, 0.0)
        satisfaction, satisfaction_count = vals.pop("satisfaction", None) or (None, 0)
        new_customers = vals.pop("new_customer_ids", None) or []
        vals.update(
            revenue=revenue,
            revenue_previous=previous,
            growth=(revenue - previous) / abs(previous) * 100.0 if previous else 0.0,
            amount_due=due,
            amount_collected=collected,
            collection_measured=bool(due),
            collection_rate=collected / due * 100.0 if due else 0.0,
            new_customers=len(new_customers),
            new_customer_ids=[Command.set(list(new_customers))],
            satisfaction_measured=satisfaction is not None,
            satisfaction=satisfaction or 0.0,
            satisfaction_count=satisfaction_count,
        )
        return vals

    @api.model
    def _kpi_revenue(self, partners, date_from, date_to):
        """{partner_id: untaxed revenue}: posted customer invoices minus refunds, dated in
        the window, company currency (journal items' balance), but for the moves that are
        no sales (`_kpi_revenue_excluded_move_fields`)."""
        excluded = self._kpi_revenue_excluded_move_fields()
        self.env["account.move.line"].flush_model(["balance", "display_type", "move_id"])
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "company_id",
                "invoice_date",
                "commercial_partner_id",
                *excluded,
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.commercial_partner_id, -SUM(l.balance)
                  FROM account_move m
                  JOIN account_move_line l ON l.move_id = m.id
                 WHERE m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.company_id = %(company)s
                   AND m.invoice_date BETWEEN %(date_from)s AND %(date_to)s
                   AND m.commercial_partner_id = ANY(%(partners)s)
                   %(excluded)s
                   AND l.display_type = 'product'
              GROUP BY m.commercial_partner_id
                """,
                excluded=SQL(" ").join(
                    SQL("AND %s IS NULL", SQL.identifier("m", fname)) for fname in excluded
                ),
                company=self.env.company.id,
                date_from=date_from,
                date_to=date_to,
                partners=partners.ids,
            )
        )
        return dict(rows)

    @api.model
    def _kpi_revenue_excluded_move_fields(self):
        """Fields of account.move marking the invoices and credit notes that are no sales:
        a move with one of them set is left out of the revenue KPI (and of the invoices
        it opens). Extensions add theirs: the rebate area, its payouts."""
        return []

    @api.model
    def _kpi_collection(self, partners, date_from, date_to):
        """{partner_id: (amount due, amount collected)} over the customer invoices due in
        the window, company currency. What a credit note reconciled with an invoice takes
        off is not due (a credited amount is not collected: reversed invoices weigh
        nothing); of the rest, the residual counts as unpaid. A partner with no amount
        due is not measured."""
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "company_id",
                "invoice_date_due",
                "commercial_partner_id",
                "amount_total_signed",
                "amount_residual_signed",
                "payment_state",
            ]
        )
        self.env["account.move.line"].flush_model(["move_id", "display_type"])
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "amount"]
        )
        # the invoices first, then what refunds reconciled with them took off, joined (not
        # a subquery per invoice: 180,000 invoices for 20,000 partners)
        rows = self.env.execute_query(
            SQL(
                """
                WITH inv AS MATERIALIZED (
                    SELECT m.id, m.commercial_partner_id, m.amount_total_signed,
                           m.amount_residual_signed
                      FROM account_move m
                     WHERE m.state = 'posted'
                       AND m.move_type = 'out_invoice'
                       AND m.payment_state != 'reversed'
                       AND m.company_id = %(company)s
                       AND m.invoice_date_due BETWEEN %(date_from)s AND %(date_to)s
                       AND m.commercial_partner_id = ANY(%(partners)s)
                ),
                credited AS (
                    SELECT il.move_id, SUM(apr.amount) AS credited
                      FROM inv
                      JOIN account_move_line il ON il.move_id = inv.id
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = il.id
                      JOIN account_move_line rl ON rl.id = apr.credit_move_id
                      JOIN account_move rm ON rm.id = rl.move_id
                     WHERE il.display_type = 'payment_term'
                       AND rm.move_type = 'out_refund'
                  GROUP BY il.move_id
                )
                SELECT inv.commercial_partner_id,
                       SUM(inv.amount_total_signed - COALESCE(cr.credited, 0)),
                       SUM(inv.amount_total_signed - COALESCE(cr.credited, 0)
                           - inv.amount_residual_signed)
                  FROM inv
             LEFT JOIN credited cr ON cr.move_id = inv.id
              GROUP BY inv.commercial_partner_id
                """,
                company=self.env.company.id,
                date_from=date_from,
                date_to=date_to,
                partners=partners.ids,
            )
        )
        return {pid: (due, collected) for pid, due, collected in rows if due}

    @api.model
    def _kpi_new_customers(self, partners, date_from, date_to):
        """{partner_id: [customer company ids]}: customers of opportunities won in the window
        with this channel partner that had won no opportunity (with any partner or none)
        before the first one won with it in the window: a customer is new for one partner
        only, the one that won it first."""
        self.env["crm.lead"].flush_model(
            ["won_status", "date_closed", "channel_partner_id", "partner_id", "company_id"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        start, end = self._window_datetimes(date_from, date_to)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT w.channel_partner_id, ARRAY_AGG(w.customer_id ORDER BY w.customer_id)
                  FROM (SELECT l.channel_partner_id, c.commercial_partner_id AS customer_id,
                               MIN(l.date_closed) AS first_won
                          FROM crm_lead l
                          JOIN res_partner c ON c.id = l.partner_id
                         WHERE l.won_status = 'won'
                           AND l.channel_partner_id = ANY(%(partners)s)
                           AND l.date_closed >= %(start)s AND l.date_closed < %(end)s
                           AND (l.company_id IS NULL OR l.company_id = %(company)s)
                      GROUP BY l.channel_partner_id, c.commercial_partner_id) w
                 WHERE NOT EXISTS (
                        SELECT 1
                          FROM crm_lead e
                          JOIN res_partner ec ON ec.id = e.partner_id
                         WHERE e.won_status = 'won'
                           AND ec.commercial_partner_id = w.customer_id
                           AND e.date_closed < w.first_won)
              GROUP BY w.channel_partner_id
                """,
                partners=partners.ids,
                start=start,
                end=end,
                company=self.env.company.id,
            )
        )
        result = {pid: list(customers) for pid, customers in rows}
        for pid, customers in self._kpi_registered_new_customers(partners, start, end).items():
            result[pid] = sorted(set(result.get(pid, [])) | set(customers))
        return result

    @api.model
    def _kpi_registered_new_customers(self, partners, start, end):
        """{partner_id: [customer ids]} of the partners' deal registrations won in the
        window (their opportunity won) whose customer had won no opportunity before the
        registration was approved: a won registered deal is a new customer of the
        partner that registered it, whoever closed the opportunity."""
        self.env["crm.deal.registration"].flush_model(
            ["state", "close_date", "partner_id", "customer_partner_id", "approve_date"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT r.partner_id, ARRAY_AGG(DISTINCT r.customer_partner_id)
                  FROM crm_deal_registration r
                 WHERE r.state = 'won'
                   AND r.partner_id = ANY(%(partners)s)
                   AND r.customer_partner_id IS NOT NULL
                   AND r.close_date >= %(start)s AND r.close_date < %(end)s
                   AND r.company_id = %(company)s
                   AND NOT EXISTS (
                        SELECT 1
                          FROM crm_lead e
                          JOIN res_partner ec ON ec.id = e.partner_id
                         WHERE e.won_status = 'won'
                           AND ec.commercial_partner_id = r.customer_partner_id
                           AND e.date_closed < r.approve_date)
              GROUP BY r.partner_id
                """,
                partners=partners.ids,
                start=start,
                end=end,
                company=self.env.company.id,
            )
        )
        return dict(rows)

    @api.model
    def _kpi_satisfaction(self, partners, date_from, date_to):
        """{partner_id: (average satisfaction, rated feedback count)} over the feedback of
        the partners' customers (`_channel_customers_query`, won by the end of the window)
        rated in the window: satisfaction 1-5 (rating e-mail or revisit) dated in the
        window, any state but cancelled (a feedback reopened after an unhappy rating keeps
        counting). The average is rounded to 2 decimals, the figure the ladder compares.
        A partner without rated feedback is missing: "not measured"."""
        self.env["customer.feedback"].flush_model(
            ["commercial_partner_id", "company_id", "state", "satisfaction", "satisfaction_date"]
        )
        start, end = self._window_datetimes(date_from, date_to)
        company = self.env.company
        rows = self.env.execute_query(
            SQL(
                """
                SELECT cu.channel_partner_id, ROUND(AVG(f.satisfaction), 2), COUNT(*)
                  FROM (%(customers)s) cu
                  JOIN customer_feedback f ON f.commercial_partner_id = cu.customer_id
                 WHERE f.company_id = %(company)s
                   AND f.state != 'cancelled'
                   AND f.satisfaction > 0
                   AND f.satisfaction_date >= %(start)s AND f.satisfaction_date < %(end)s
              GROUP BY cu.channel_partner_id
                """,
                customers=self._channel_customers_query(partners.ids, end, company),
                company=company.id,
                start=start,
                end=end,
            )
        )
        return {pid: (float(average), count) for pid, average, count in rows}

    @api.model
    def _kpi_trainings(self, partners, date_from, date_to):
        """{partner_id: set of course ids passed by the end of the window}, recorded in
        the company (trainings follow their company, like the other KPIs' sources)."""
        groups = self.env["res.partner.training"]._read_group(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", self.env.company.id),
                ("result", "=", "passed"),
                ("date", "<=", date_to),
            ],
            ["partner_id"],
            ["course_id:array_agg"],
        )
        return {partner.id: set(course_ids) for partner, course_ids in groups}

    @api.model
    def _window_datetimes(self, date_from, date_to):
        """The window as [start, end) datetimes: date_from 00:00 to the day after date_to."""
        return (
            fields.Datetime.to_datetime(date_from),
            fields.Datetime.to_datetime(date_to + timedelta(days=1)),
        )

    @api.model
    def _channel_customers_query(self, channels=None, end=None, company=None, customers=None):
        """SQL of the distinct (channel_partner_id, customer_id) pairs: THE definition of a
        channel partner's customers, the customer companies (commercial entities) of the
        opportunities won with it as channel partner.

        Optional filters: `channels` (channel partner ids, or an SQL subquery of them),
        `end` (won before this datetime), `company` (opportunities of this company or
        without company), `customers` (customer company ids).
        """
        self.env["crm.lead"].flush_model(
            ["won_status", "date_closed", "channel_partner_id", "partner_id", "company_id"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        conditions = [SQL("l.won_status = 'won'"), SQL("l.channel_partner_id IS NOT NULL")]
        if isinstance(channels, SQL):
            conditions.append(SQL("l.channel_partner_id IN %s", channels))
        elif channels is not None:
            conditions.append(SQL("l.channel_partner_id = ANY(%s)", list(channels)))
        if end is not None:
            conditions.append(SQL("l.date_closed < %s", end))
        if company is not None:
            conditions.append(SQL("(l.company_id IS NULL OR l.company_id = %s)", company.id))
        if customers is not None:
            conditions.append(SQL("c.commercial_partner_id = ANY(%s)", list(customers)))
        return SQL(
            """
            SELECT DISTINCT l.channel_partner_id, c.commercial_partner_id AS customer_id
              FROM crm_lead l
              JOIN res_partner c ON c.id = l.partner_id
             WHERE %s
            """,
            SQL(" AND ").join(conditions),
        )

    @api.model
    def _channel_customers(self, partners, date_to, company):
        """{channel partner id: [customer company ids]} of `partners` by the end of
        `date_to` (one query)."""
        end = fields.Datetime.to_datetime(date_to + timedelta(days=1))
        rows = self.env.execute_query(
            SQL(
                "SELECT channel_partner_id, ARRAY_AGG(customer_id ORDER BY customer_id) "
                "FROM (%s) pairs GROUP BY channel_partner_id",
                self._channel_customers_query(partners.ids, end, company),
            )
        )
        return dict(rows)
