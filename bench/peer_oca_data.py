"""The one data set of the peer benchmark against OCA agreement_rebate (bench_peer_oca.py):
2,000 partners, each with 10 posted customer invoices of 10 lines in 2025 Q1 and, every 4th
partner, a credit note returning 3 lines of its first invoice; one OCA rebate agreement
per partner and our rebate program, both set up to pay the issue's amount bands:

    quarter's net sales (invoices minus credit notes, untaxed)   rebate on the whole amount
    below 50,000                                                  0 %
    50,000 up to 100,000 (excluded)                               2 %
    100,000 and more                                              3 %

How each side expresses the bands, exactly:

- OCA (``rebate_type = section_total``: the section holding the total, its % on the whole
  total): sections [0, 49,999.99] 0 %, [50,000, 99,999.99] 2 %, [100,000, 10^12] 3 %. OCA
  matches ``amount_from <= total <= amount_to`` (both ends included: on a shared limit
  two sections match and OCA fails with "Expected singleton"), so the upper limits stop a
  cent below the next section; amounts are whole cents, nothing falls in between.
- Ours (``band_mode = whole``, bands on target attainment, from included, up to
  excluded): each partner has a quarterly target of 100, so attainment % = base x 100 /
  100 = the base amount itself, and bands 0-50,000 % (0 %), 50,000-100,000 % (2 %), from
  100,000 % (3 %) are the amount bands above. (OCA's ``section_prorated`` is no match
  for our marginal slices: it pays a full section's rate on the section's upper limit,
  not on its width.)

Partners 0, 1, 2 and 5 sit on or a cent below a band limit (50,000.00, 100,000.00,
49,999.00 and 99,999.00). The invoices are written with set-based SQL (like
channel_data.py): posted, in company currency, one receivable line each, consistent with
what both engines read (journal items' balance, account.invoice.report). Rebate
credit notes of both sides use one service product without taxes.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo.fields import Command
from odoo.tools import SQL

N_PARTNERS = 2000
INVOICES_PER_PARTNER = 10
LINES_PER_INVOICE = 10
REFUND_EVERY = 4  # the 4th, 8th, ... partner has one credit note
REFUND_LINES = 3  # returning the first 3 lines of its first invoice
N_PRODUCTS = 20
QUARTER = (date(2025, 1, 1), date(2025, 3, 31))
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
# the amount bands: (from, up to (excluded) or None, rate %)
BANDS = ((0, 50_000, 0), (50_000, 100_000, 2), (100_000, None, 3))
TARGET = 100  # our quarterly target of every partner: attainment % = base amount
OCA_TOP = 1e12  # OCA sections need an upper limit: the top one ends far away
CENT = Decimal("0.01")
# partners placed on or a cent below a band limit (price of each of their 100 lines)
BOUNDARY_PRICES = {
    0: Decimal("500.00"),
    1: Decimal("1000.00"),
    2: Decimal("499.99"),
    5: Decimal("999.99"),
}
NAME_PREFIX = "Peer bench partner"


def line_price(i):
    """Unit price of every invoice line of partner number i (0-based): 100 to 1,499.99,
    so that the quarter's sales spread over 10,000 to 150,000."""
    if i in BOUNDARY_PRICES:
        return BOUNDARY_PRICES[i]
    return Decimal(100 + (i * 7919) % 1400) + Decimal(i * 37 % 100) / 100


def has_refund(i):
    return i % REFUND_EVERY == REFUND_EVERY - 1


def net_sales(i):
    lines = INVOICES_PER_PARTNER * LINES_PER_INVOICE - (REFUND_LINES if has_refund(i) else 0)
    return line_price(i) * lines


def expected_rebate(amount):
    """The issue's rule, computed independently of both engines."""
    for low, high, rate in BANDS:
        if amount >= low and (high is None or amount < high):
            return (amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(0)


def generate(env):
    """Create the whole data set in env's database. Returns a summary dict."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
    company = env.company
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    products = env["product.product"].create(
        [
            {"name": f"Peer bench product {i:02d}", "type": "consu", "list_price": 100}
            for i in range(N_PRODUCTS)
        ]
    )
    rebate_product = env["product.product"].create(
        {"name": "Peer bench rebate", "type": "service", "taxes_id": [Command.clear()]}
    )
    partners = env["res.partner"].create(
        [{"name": f"{NAME_PREFIX} {i:05d}", "is_company": True} for i in range(N_PARTNERS)]
    )
    env.flush_all()
    _create_invoices(env, journal, partners.ids, products.ids)
    _create_oca_agreements(env, partners)
    program = _create_our_program(env, partners, journal, rebate_product)
    env.flush_all()
    env.cr.execute("ANALYZE")
    return {
        "partner_ids": partners.ids,
        "journal_id": journal.id,
        "rebate_product_id": rebate_product.id,
        "program_id": program.id,
    }


def _invoice_date(i, k):
    """Dates spread over the quarter (90 days)."""
    return QUARTER[0] + timedelta(days=((i * INVOICES_PER_PARTNER + k) * 7919) % 90)


def _create_invoices(env, journal, partner_ids, product_ids):
    company = env.company
    income = journal.default_account_id
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)], limit=1
    )
    names, partners, types, dates, untaxed, n_lines, origins = [], [], [], [], [], [], []
    for i, partner_id in enumerate(partner_ids):
        price = line_price(i)
        for k in range(INVOICES_PER_PARTNER):
            names.append(f"PEER/INV/{i:05d}/{k:02d}")
            partners.append(partner_id)
            types.append("out_invoice")
            dates.append(_invoice_date(i, k))
            untaxed.append(price * LINES_PER_INVOICE)
            n_lines.append(LINES_PER_INVOICE)
            origins.append(None)
        if has_refund(i):
            first = _invoice_date(i, 0)
            names.append(f"PEER/RINV/{i:05d}")
            partners.append(partner_id)
            types.append("out_refund")
            dates.append(min(first + timedelta(days=5), QUARTER[1]))
            untaxed.append(price * REFUND_LINES)
            n_lines.append(REFUND_LINES)
            origins.append(f"PEER/INV/{i:05d}/00")
    env.execute_query(
        SQL(
            """
            INSERT INTO account_move (
                name, state, move_type, auto_post, company_id, journal_id, currency_id,
                partner_id, commercial_partner_id, date, invoice_date, invoice_date_due,
                invoice_currency_rate, amount_untaxed, amount_tax, amount_total,
                amount_residual, amount_untaxed_signed, amount_untaxed_in_currency_signed,
                amount_total_signed, amount_residual_signed, amount_total_in_currency_signed,
                payment_state, create_uid, write_uid, create_date, write_date)
            SELECT src.name, 'posted', src.move_type, 'no', %(company)s, %(journal)s,
                   %(currency)s, src.partner_id, src.partner_id, src.inv_date, src.inv_date,
                   src.inv_date + 30, 1, src.untaxed, 0, src.untaxed, src.untaxed,
                   src.sign * src.untaxed, src.sign * src.untaxed, src.sign * src.untaxed,
                   src.sign * src.untaxed, src.sign * src.untaxed, 'not_paid',
                   1, 1, now(), now()
              FROM (SELECT name, partner_id, move_type, inv_date, untaxed,
                           CASE WHEN move_type = 'out_refund' THEN -1 ELSE 1 END AS sign
                      FROM unnest(%(names)s::varchar[], %(partners)s::int[],
                                  %(types)s::varchar[], %(dates)s::date[],
                                  %(untaxed)s::numeric[])
                           AS t(name, partner_id, move_type, inv_date, untaxed)) src
            """,
            company=company.id,
            journal=journal.id,
            currency=company.currency_id.id,
            names=names,
            partners=partners,
            types=types,
            dates=dates,
            untaxed=untaxed,
        )
    )
    # credit notes reverse their invoice (what Odoo's reversal wizard records)
    env.execute_query(
        SQL(
            """
            UPDATE account_move refund SET reversed_entry_id = inv.id
              FROM unnest(%s::varchar[], %s::varchar[]) AS link(refund_name, inv_name)
              JOIN account_move inv ON inv.name = link.inv_name
             WHERE refund.name = link.refund_name
            """,
            [n for n, o in zip(names, origins, strict=True) if o],
            [o for o in origins if o],
        )
    )
    # product lines (credit on invoices, debit on credit notes), one receivable line each
    env.execute_query(
        SQL(
            """
            WITH moves AS (
                SELECT m.*, t.n_lines,
                       CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign
                  FROM unnest(%(names)s::varchar[], %(n_lines)s::int[]) AS t(name, n_lines)
                  JOIN account_move m ON m.name = t.name
            )
            INSERT INTO account_move_line (
                move_id, move_name, company_id, journal_id, account_id, partner_id,
                currency_id, company_currency_id, date, invoice_date, parent_state,
                display_type, product_id, product_uom_id, name, quantity, price_unit,
                price_subtotal, price_total, balance, debit, credit, amount_currency,
                amount_residual, amount_residual_currency, reconciled, sequence,
                create_uid, write_uid, create_date, write_date)
            SELECT m.id, m.name, m.company_id, m.journal_id, %(income)s, m.partner_id,
                   m.currency_id, m.currency_id, m.date, m.invoice_date, 'posted',
                   'product', p.id, pt.uom_id, 'Peer bench item ' || l, 1,
                   m.amount_untaxed / m.n_lines, m.amount_untaxed / m.n_lines,
                   m.amount_untaxed / m.n_lines, -m.sign * m.amount_untaxed / m.n_lines,
                   CASE WHEN m.sign < 0 THEN m.amount_untaxed / m.n_lines ELSE 0 END,
                   CASE WHEN m.sign > 0 THEN m.amount_untaxed / m.n_lines ELSE 0 END,
                   -m.sign * m.amount_untaxed / m.n_lines, 0, 0, false, 10 + l,
                   1, 1, now(), now()
              FROM moves m
             CROSS JOIN LATERAL generate_series(1, m.n_lines) l
              JOIN product_product p
                ON p.id = (%(products)s::int[])[1 + (m.id * 7 + l) %% %(n_products)s]
              JOIN product_template pt ON pt.id = p.product_tmpl_id
            UNION ALL
            SELECT m.id, m.name, m.company_id, m.journal_id, %(receivable)s, m.partner_id,
                   m.currency_id, m.currency_id, m.date, m.invoice_date, 'posted',
                   'payment_term', NULL, NULL, m.name, 1, 0, 0, 0, m.amount_total_signed,
                   GREATEST(m.amount_total_signed, 0), GREATEST(-m.amount_total_signed, 0),
                   m.amount_total_signed, m.amount_residual_signed, m.amount_residual_signed,
                   false, 100, 1, 1, now(), now()
              FROM moves m
            """,
            names=names,
            n_lines=n_lines,
            income=income.id,
            receivable=receivable.id,
            products=list(product_ids),
            n_products=len(product_ids),
        )
    )
    # credit note lines point to the invoice lines they return (account_invoice_refund_link)
    env.execute_query(
        SQL(
            """
            UPDATE account_move_line rl SET origin_line_id = il.id
              FROM account_move refund
              JOIN account_move_line il ON il.move_id = refund.reversed_entry_id
                                       AND il.display_type = 'product'
             WHERE rl.move_id = refund.id AND rl.display_type = 'product'
               AND refund.name LIKE 'PEER/RINV/%%' AND il.sequence = rl.sequence
            """
        )
    )
    env.cr.execute("ANALYZE account_move; ANALYZE account_move_line")
    env.invalidate_all()


def _create_oca_agreements(env, partners):
    """One rebate agreement per partner (OCA's model: an agreement has one partner),
    sections on the quarter's total."""
    agreement_type = env.ref("agreement_rebate.agreement_type_rebate_sale")
    sections = [
        (0, 49_999.99, 0.0),
        (50_000, 99_999.99, 2.0),
        (100_000, OCA_TOP, 3.0),
    ]
    env["agreement"].create(
        [
            {
                "code": f"PEER-{i:05d}",
                "name": f"Rebate {partner.name}",
                "partner_id": partner.id,
                "agreement_type_id": agreement_type.id,
                "start_date": YEAR[0],
                "end_date": YEAR[1],
                "rebate_type": "section_total",
                "rebate_section_ids": [
                    Command.create({"amount_from": low, "amount_to": high, "rebate_discount": rate})
                    for low, high, rate in sections
                ],
            }
            for i, partner in enumerate(partners)
        ]
    )


def _create_our_program(env, partners, journal, rebate_product):
    program = env["rebate.program"].create(
        {
            "name": "Peer bench program",
            "period": "quarter",
            "date_start": YEAR[0],
            "date_end": YEAR[1],
            "basis": "invoiced",
            "band_mode": "whole",
            "partner_ids": [Command.set(partners.ids)],
            "band_ids": [
                Command.create({"attainment_from": low, "attainment_to": high or 0, "rate": rate})
                for low, high, rate in BANDS
            ],
            "payout": "credit_note",
            "journal_id": journal.id,
            "product_id": rebate_product.id,
            # posted in a step of its own, like OCA's (whose wizard leaves drafts)
            "post_moves": False,
        }
    )
    env["rebate.target"].create(
        [
            {
                "program_id": program.id,
                "partner_id": partner_id,
                "date_from": QUARTER[0],
                "amount": TARGET,
            }
            for partner_id in partners.ids
        ]
    )
    program.action_activate()
    # timed in the request, like OCA's wizards: above the threshold our Compute and Create
    # Credit Notes would only queue the background job (which runs the same code)
    env.company.rebate_job_threshold = len(partners)
    return program
