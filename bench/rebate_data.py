"""Set-based generators of the rebate benchmark (bench_rebates.py) for its large mode
(``BENCH_PARTNERS=20000``): the partners and the targets written in one INSERT each, so
that 20,000 partners and their targets take seconds rather than the minutes of the ORM's
per-record work (the invoices come from channel_data.create_partners_with_invoices, SQL
already).
"""

from odoo.tools import SQL

CHANNEL_TYPES = (
    "distributor_l1",
    "distributor_l2",
    "agent",
    "retailer",
    "ecommerce",
    "cross_border",
)


def create_partners_sql(env, n_partners, name_prefix="Bench rebate partner"):
    """`n_partners` company partners (their own commercial entity), channel types in turn,
    in one INSERT. Returns their ids in creation order."""
    env.flush_all()
    ids = [
        row[0]
        for row in env.execute_query(
            SQL(
                """
                INSERT INTO res_partner (
                    name, complete_name, active, is_company, type, company_id, lang, tz,
                    channel_type, autopost_bills, partner_share, color,
                    create_uid, write_uid, create_date, write_date)
                SELECT %(prefix)s || ' ' || lpad(g::text, 5, '0'),
                       %(prefix)s || ' ' || lpad(g::text, 5, '0'), TRUE, TRUE, 'contact',
                       NULL, %(lang)s, 'Asia/Shanghai',
                       (%(types)s::varchar[])[1 + g %% %(n_types)s], 'ask', TRUE, 0,
                       1, 1, now(), now()
                  FROM generate_series(0, %(last)s) g
                 ORDER BY g
                RETURNING id
                """,
                prefix=name_prefix,
                lang=env.lang or "en_US",
                types=list(CHANNEL_TYPES),
                n_types=len(CHANNEL_TYPES),
                last=n_partners - 1,
            )
        )
    ]
    env.cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", ids))
    env.invalidate_all()
    return sorted(ids)


def create_targets_sql(env, program, date_from, amounts):
    """Targets of `program` for the period starting on `date_from`: {partner id: amount},
    in one INSERT (the period's end from the program, as the ORM computes it)."""
    date_to = program._period_bounds(date_from)[1]
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            INSERT INTO rebate_target (program_id, company_id, partner_id, date_from, date_to,
                                       amount, create_uid, write_uid, create_date, write_date)
            SELECT %(program)s, %(company)s, target.partner_id, %(date_from)s, %(date_to)s,
                   target.amount, %(uid)s, %(uid)s, now(), now()
              FROM unnest(%(partners)s::int[], %(amounts)s::numeric[])
                   AS target(partner_id, amount)
            """,
            program=program.id,
            company=program.company_id.id,
            date_from=date_from,
            date_to=date_to,
            uid=env.uid,
            partners=list(amounts),
            amounts=[float(a) for a in amounts.values()],
        )
    )
    env["rebate.target"].invalidate_model()
