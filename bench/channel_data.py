"""Scale data for the channel (and rebate) benchmarks: channel partners with a history of
posted customer invoices, generated with set-based SQL in seconds.

`create_partners_with_invoices(env, ...)` is the reusable entry point: N channel partners
(ORM, one batched create; or one SQL INSERT with `sql_partners=True`, the scale mode of
bench_channel.py: 20,000 partners and 2,000,000 lines) and their posted customer invoices
and refunds written straight into account_move / account_move_line, consistent with what
the KPI and rebate queries read: state 'posted', move_type, company, invoice date and due
date, commercial partner, signed totals and residuals in company currency, payment state,
and per line the balance, display_type 'product' (plus one receivable line per move that
balances it).
"""

import contextlib
from datetime import date, timedelta

from odoo.tools import SQL


def create_partners_with_invoices(
    env,
    n_partners,
    n_lines,
    date_from,
    date_to,
    lines_per_invoice=10,
    refund_every=10,
    partner_vals=None,
    name_prefix="Bench channel partner",
    partner_ids=None,
    product_ids=None,
    sql_partners=False,
):
    """Create `n_partners` channel partners and `n_lines` posted invoice lines spread over
    them and over [date_from, date_to].

    Every `refund_every`-th move is a refund; invoices are due 30 days after their date;
    one third is paid, one third half paid, one third unpaid. `partner_vals` (dict) is
    merged into every partner's values (e.g. channel_type, grade_id). `partner_ids`: add
    invoices to these existing partners instead of creating new ones (e.g. another year
    of history). `product_ids`: the products of the invoice lines, in turn (none by
    default). `sql_partners`: insert the partners with SQL (`insert_partners`) instead of
    the ORM (seconds instead of minutes at 20,000; `partner_vals` is then ignored).
    Returns {"partner_ids": [...], "move_ids": [...], "line_count": int}.
    """
    company = env.company
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    income = journal.default_account_id
    receivable = env["account.account"].search(
        [
            ("account_type", "=", "asset_receivable"),
            ("company_ids", "in", company.id),
        ],
        limit=1,
    )
    types = ["distributor_l1", "distributor_l2", "agent", "retailer", "ecommerce", "cross_border"]
    if partner_ids is None and sql_partners:
        partner_ids = insert_partners(env, n_partners, name_prefix, channel_types=types)
    elif partner_ids is None:
        partner_ids = (
            env["res.partner"]
            .create(
                [
                    {
                        "name": f"{name_prefix} {i:05d}",
                        "is_company": True,
                        "channel_type": types[i % len(types)],
                        **(partner_vals or {}),
                    }
                    for i in range(n_partners)
                ]
            )
            .ids
        )
    partner_ids = list(partner_ids)
    env.flush_all()
    n_moves = max(n_lines // lines_per_invoice, 1)
    days = max((date_to - date_from).days, 0) + 1
    move_ids = [
        row[0]
        for row in env.execute_query(
            SQL(
                """
            WITH src AS (
                SELECT g AS n,
                       (%(partners)s::int[])[1 + (g %% %(n_partners)s)] AS partner_id,
                       %(date_from)s::date + ((g * 7919) %% %(days)s) AS inv_date,
                       CASE WHEN g %% %(refund_every)s = 0 THEN 'out_refund'
                            ELSE 'out_invoice' END AS move_type,
                       %(lines)s * (100 + (g %% 50) * 20)::numeric AS untaxed,
                       g %% 3 AS paid
                  FROM generate_series(1, %(n_moves)s) g
            )
            INSERT INTO account_move (
                name, state, move_type, auto_post, company_id, journal_id, currency_id,
                partner_id, commercial_partner_id, date, invoice_date, invoice_date_due,
                amount_untaxed, amount_tax, amount_total, amount_residual,
                amount_untaxed_signed, amount_total_signed, amount_residual_signed,
                amount_total_in_currency_signed, payment_state, create_uid, write_uid,
                create_date, write_date)
            SELECT 'BENCH/' || %(tag)s || '/' || %(date_from)s::date || '/' || n, 'posted',
                   move_type, 'no', %(company)s,
                   %(journal)s, %(currency)s, partner_id, partner_id, inv_date, inv_date,
                   inv_date + 30, untaxed, 0, untaxed,
                   CASE WHEN paid = 0 OR move_type = 'out_refund' THEN 0
                        WHEN paid = 1 THEN untaxed / 2 ELSE untaxed END,
                   CASE WHEN move_type = 'out_refund' THEN -untaxed ELSE untaxed END,
                   CASE WHEN move_type = 'out_refund' THEN -untaxed ELSE untaxed END,
                   CASE WHEN paid = 0 OR move_type = 'out_refund' THEN 0
                        WHEN paid = 1 THEN untaxed / 2 ELSE untaxed END,
                   CASE WHEN move_type = 'out_refund' THEN -untaxed ELSE untaxed END,
                   -- paid = 0: fully paid, 1: half paid, 2: unpaid
                   CASE WHEN paid = 0 OR move_type = 'out_refund' THEN 'paid'
                        WHEN paid = 1 THEN 'partial' ELSE 'not_paid' END,
                   1, 1, now(), now()
              FROM src
            RETURNING id
                """,
                partners=partner_ids,
                n_partners=len(partner_ids),
                date_from=date_from,
                days=days,
                refund_every=refund_every,
                lines=lines_per_invoice,
                n_moves=n_moves,
                tag=str(partner_ids[0]),
                company=company.id,
                journal=journal.id,
                currency=company.currency_id.id,
            )
        )
    ]
    # product lines (credit on invoices, debit on refunds) and one receivable line; the
    # foreign keys are not checked row by row (the ids come from the tables)
    with _no_fk_checks(env):
        _insert_move_lines(env, move_ids, income, receivable, lines_per_invoice, product_ids)
    env.cr.execute("ANALYZE account_move; ANALYZE account_move_line")
    env.invalidate_all()
    return {
        "partner_ids": partner_ids,
        "move_ids": move_ids,
        "line_count": len(move_ids) * lines_per_invoice,
    }


@contextlib.contextmanager
def _no_fk_checks(env):
    """Skip the foreign-key triggers for the block when the database role may
    (superuser: the project's own cluster); restored right after, so that what is
    measured runs with them (the ondelete cascades are triggers too)."""
    env.cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    superuser = env.cr.fetchone()[0]
    if superuser:
        env.cr.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if superuser:
            env.cr.execute("SET session_replication_role = DEFAULT")


def _insert_move_lines(env, move_ids, income, receivable, lines_per_invoice, product_ids):
    """The product lines and the receivable line of the moves (one INSERT)."""
    env.execute_query(
        SQL(
            """
        INSERT INTO account_move_line (
            move_id, move_name, company_id, journal_id, account_id, partner_id, currency_id,
            company_currency_id, date, invoice_date, parent_state, display_type, product_id,
            name, quantity, price_unit, price_subtotal, price_total, balance, debit, credit,
            amount_currency, amount_residual, amount_residual_currency, reconciled,
            create_uid, write_uid, create_date, write_date)
        SELECT m.id, m.name, m.company_id, m.journal_id, %(income)s, m.partner_id,
               m.currency_id, m.currency_id, m.date, m.invoice_date, 'posted',
               'product', %(product)s,
               'Bench item ' || l, 1, m.amount_untaxed / %(lines)s,
               m.amount_untaxed / %(lines)s, m.amount_untaxed / %(lines)s,
               -m.amount_untaxed_signed / %(lines)s,
               GREATEST(m.amount_untaxed_signed / %(lines)s * -1, 0),
               GREATEST(m.amount_untaxed_signed / %(lines)s, 0),
               -m.amount_untaxed_signed / %(lines)s, 0, 0, false, 1, 1, now(), now()
          FROM account_move m
         CROSS JOIN generate_series(1, %(lines)s) l
         WHERE m.id = ANY(%(moves)s)
        UNION ALL
        SELECT m.id, m.name, m.company_id, m.journal_id, %(receivable)s, m.partner_id,
               m.currency_id, m.currency_id, m.date, m.invoice_date, 'posted',
               'payment_term', NULL, m.name, 1, 0, 0, 0, m.amount_total_signed,
               GREATEST(m.amount_total_signed, 0), GREATEST(-m.amount_total_signed, 0),
               m.amount_total_signed, m.amount_residual_signed, m.amount_residual_signed,
               m.amount_residual = 0, 1, 1, now(), now()
          FROM account_move m
         WHERE m.id = ANY(%(moves)s)
            """,
            income=income.id,
            product=SQL("(%s::int[])[1 + (m.id + l) %% %s]", list(product_ids), len(product_ids))
            if product_ids
            else SQL("NULL::int"),
            receivable=receivable.id,
            lines=lines_per_invoice,
            moves=move_ids,
        )
    )


def insert_partners(env, n_partners, name_prefix, channel_types=None):
    """Insert `n_partners` companies "<name_prefix> 00000".. in one SQL statement (what
    the ORM's create stores for such a partner: its own commercial entity, complete
    name, share partner, no company), channel partners of `channel_types` in turn when
    given. Returns their ids, in order."""
    env.flush_all()
    ids = [
        row[0]
        for row in env.execute_query(
            SQL(
                """
            INSERT INTO res_partner (
                name, complete_name, commercial_company_name, is_company, active, type,
                partner_share, autopost_bills, supplier_rank, customer_rank, channel_type,
                create_uid, write_uid, create_date, write_date)
            SELECT nm, nm, nm, true, true, 'contact', true, 'ask', 0, 0,
                   (%(types)s::text[])[1 + g %% GREATEST(cardinality(%(types)s::text[]), 1)],
                   1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM generate_series(0, %(n)s - 1) g,
                   LATERAL (SELECT %(prefix)s || ' ' || lpad(g::text, 5, '0') AS nm) n
          ORDER BY g
         RETURNING id
                """,
                types=list(channel_types or []),
                n=n_partners,
                prefix=name_prefix,
            )
        )
    ]
    env.cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [ids])
    env.cr.execute("ANALYZE res_partner")
    env.invalidate_all()
    return sorted(ids)


def create_won_deals(
    env, channel_partner_ids, n_customers, n_deals, date_from, date_to, sql_partners=False
):
    """`n_deals` won opportunities through the channel partners, for `n_customers` customer
    companies, closed over [date_from, date_to] (SQL; the customers with SQL too with
    `sql_partners`). Returns the customer ids."""
    if sql_partners:
        customers = env["res.partner"].browse(insert_partners(env, n_customers, "Bench customer"))
    else:
        customers = env["res.partner"].create(
            [{"name": f"Bench customer {i:05d}", "is_company": True} for i in range(n_customers)]
        )
    env.flush_all()
    stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    days = max((date_to - date_from).days, 0) + 1
    env.execute_query(
        SQL(
            """
        INSERT INTO crm_lead (name, type, active, partner_id, channel_partner_id, stage_id,
                              probability, won_status, date_closed, company_id,
                              create_uid, write_uid, create_date, write_date)
        SELECT 'Bench deal ' || g, 'opportunity', true,
               (%(customers)s::int[])[1 + (g %% %(n_customers)s)],
               (%(channels)s::int[])[1 + ((g * 31) %% %(n_channels)s)],
               %(stage)s, 100, 'won',
               %(date_from)s::timestamp + ((g * 7919) %% %(days)s) * interval '1 day',
               %(company)s, 1, 1, now(), now()
          FROM generate_series(1, %(n_deals)s) g
            """,
            customers=customers.ids,
            n_customers=len(customers),
            channels=list(channel_partner_ids),
            n_channels=len(channel_partner_ids),
            stage=stage.id,
            date_from=date_from,
            days=days,
            n_deals=n_deals,
            company=env.company.id,
        )
    )
    env.invalidate_all()
    return customers.ids


def create_rated_feedback(env, customer_ids, n_feedback, date_from, date_to):
    """`n_feedback` customer feedback records of the customers, dated over
    [date_from, date_to], in one INSERT: 4 in 5 rated 1-5 (what the satisfaction KPI
    averages), 1 in 5 not rated yet; 1 in 10 cancelled, 1 in 7 reopened (in progress),
    the others closed. Returns the number inserted."""
    days = max((date_to - date_from).days, 0) + 1
    env.execute_query(
        SQL(
            """
        WITH src AS (
            SELECT g,
                   (%(customers)s::int[])[1 + (g %% %(n_customers)s)] AS customer_id,
                   %(date_from)s::timestamp + ((g * 7919) %% %(days)s) * interval '1 day'
                       + interval '10 hours' AS rated_at,
                   CASE WHEN g %% 5 = 0 THEN 0 ELSE 1 + (g * 7) %% 5 END AS score,
                   CASE WHEN g %% 10 = 0 THEN 'cancelled'
                        WHEN g %% 7 = 0 THEN 'in_progress' ELSE 'closed' END AS state
              FROM generate_series(1, %(n_feedback)s) g
        )
        INSERT INTO customer_feedback (
            reference, name, kind, source, priority, state, partner_id,
            commercial_partner_id, company_id, sla_start_date, first_response_date,
            resolved_date, satisfaction, satisfaction_measure, satisfaction_date,
            escalation_level, followup_count, breached_rate,
            create_uid, write_uid, create_date, write_date)
        SELECT 'BENCH-FB/' || g, 'Bench channel feedback ' || g, 'question', 'after_sales',
               'normal', state, customer_id, customer_id, %(company)s,
               rated_at - interval '3 days', rated_at - interval '3 days',
               rated_at - interval '1 day', score, score,
               CASE WHEN score > 0 THEN rated_at END,
               0, CASE WHEN state = 'in_progress' THEN 1 ELSE 0 END, 0,
               1, 1, now(), now()
          FROM src
            """,
            customers=list(customer_ids),
            n_customers=len(customer_ids),
            date_from=date_from,
            days=days,
            n_feedback=n_feedback,
            company=env.company.id,
        )
    )
    env.cr.execute("ANALYZE customer_feedback")
    env.invalidate_all()
    return n_feedback


def window(months=12, today=None):
    """The `months` full months up to the end of last month (as the evaluation wizard)."""
    today = today or date.today()
    end = date(today.year, today.month, 1)
    start_month = today.month - months
    start_year = today.year + (start_month - 1) // 12
    start_month = (start_month - 1) % 12 + 1
    return date(start_year, start_month, 1), end - timedelta(days=1)
