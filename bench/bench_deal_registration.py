"""Deal registrations at scale: the conflict check of a submission over 100,000 customers
(with 20,000 open opportunities of direct sales), 20,000 registrations and 50 exclusive
territories, under 50 ms and with a fixed number of queries (one submission, then a batch
of 100: the same count).

Customers, opportunities and registrations are written with set-based SQL (seconds);
territories through the ORM. Everything is rolled back at the end.
"""

from common import Bench, bench_env, main_guard

from odoo import Command, fields
from odoo.tools import SQL

N_CUSTOMERS = 100_000
N_LEADS = 20_000
N_REGISTRATIONS = 20_000
N_TERRITORIES = 50
N_PARTNERS = 200


def create_customers(env):
    """N_CUSTOMERS customer companies with a tax id, a Chinese name and a city."""
    env.execute_query(
        SQL(
            """
            INSERT INTO res_partner (name, complete_name, vat, city, is_company, active, type,
                                     company_id, create_date, write_date, autopost_bills)
            SELECT '客户' || g || ' 商贸有限公司', '客户' || g || ' 商贸有限公司',
                   '9131' || lpad(g::text, 14, '0'),
                   (ARRAY['上海', '苏州', '杭州', '南京', '广州', '深圳'])[1 + g %% 6],
                   TRUE, TRUE, 'contact', NULL, now(), now(), 'ask'
              FROM generate_series(1, %s) g
            """,
            N_CUSTOMERS,
        )
    )
    env.execute_query(
        SQL("UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL")
    )
    return [
        row[0]
        for row in env.execute_query(
            SQL("SELECT id FROM res_partner WHERE vat LIKE '9131%%' ORDER BY id")
        )
    ]


def create_direct_leads(env, customer_ids):
    stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
    env.execute_query(
        SQL(
            """
            INSERT INTO crm_lead (name, type, partner_id, active, won_status, stage_id,
                                  company_id, probability, create_date, write_date)
            SELECT 'Direct deal ' || c, 'opportunity', c, TRUE, 'pending', %s, %s, 10,
                   now(), now()
              FROM unnest(%s::int[]) c
            """,
            stage.id,
            env.company.id,
            customer_ids[:N_LEADS],
        )
    )


def create_registrations(env, partner_ids, customer_ids):
    """N_REGISTRATIONS registrations of the channel partners, half approved (protected),
    a quarter submitted, the rest won, lost or expired."""
    env.execute_query(
        SQL(
            """
            INSERT INTO crm_deal_registration (
                name, state, company_id, partner_id, customer_name, customer_vat,
                customer_key, customer_vat_key, city_key, city, country_id,
                expected_close_date, submit_date, approve_date, protection_until,
                create_date, write_date)
            SELECT 'REG/B/' || g,
                   (ARRAY['approved', 'approved', 'submitted', 'won', 'lost', 'expired',
                          'approved', 'submitted'])[1 + g %% 8],
                   %(company)s,
                   (%(partners)s::int[])[1 + g %% %(n_partners)s],
                   p.name, p.vat,
                   translate(p.name, ' ', ''), p.vat, p.city, p.city, %(cn)s,
                   CURRENT_DATE + 60, now() - interval '10 days', now() - interval '9 days',
                   CURRENT_DATE + 80, now(), now()
              FROM generate_series(1, %(n)s) g
              JOIN res_partner p ON p.id = (%(customers)s::int[])[1 + (g * 5) %% %(n_customers)s]
            """,
            company=env.company.id,
            partners=partner_ids,
            n_partners=len(partner_ids),
            cn=env.ref("base.cn").id,
            n=N_REGISTRATIONS,
            customers=customer_ids,
            n_customers=len(customer_ids),
        )
    )


def main():
    bench = Bench("deal_registration")
    with bench_env(commit=False) as env:
        cr = env.cr
        cn = env.ref("base.cn")
        states = env["res.country.state"].search([("country_id", "=", cn.id)], limit=N_TERRITORIES)
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Bench registering partner {i:03d}",
                    "is_company": True,
                    "channel_type": "agent",
                }
                for i in range(N_PARTNERS)
            ]
        )
        env["sale.territory"].create(
            [
                {
                    "name": f"Bench exclusive {i:02d}",
                    "exclusive": True,
                    "country_ids": [Command.set(cn.ids)],
                    "state_ids": [Command.set(states[i % len(states)].ids)],
                    "zip_from": f"{100000 + i * 1000}",
                    "zip_to": f"{100000 + i * 1000 + 999}",
                    "partner_ids": [Command.set(partners[i % N_PARTNERS].ids)],
                }
                for i in range(N_TERRITORIES)
            ]
        )
        env.flush_all()
        customer_ids = create_customers(env)
        create_direct_leads(env, customer_ids)
        create_registrations(env, partners.ids, customer_ids)
        cr.execute("ANALYZE res_partner, crm_lead, crm_deal_registration")
        env.invalidate_all()
        Registration = env["crm.deal.registration"]
        rows = env.execute_query(SQL("SELECT count(*) FROM crm_deal_registration"))
        print(
            f"  data: {len(customer_ids)} customers, {rows[0][0]} registrations, "
            f"{N_LEADS} open direct opportunities, {N_TERRITORIES} exclusive territories"
        )

        def item(key, n, partner):
            name = f"客户{n} 商贸有限公司"
            return {
                "key": key,
                "company_id": env.company.id,
                "partner_id": partner,
                "vat": f"9131{n:014d}",
                "name": name.replace(" ", ""),
                "city": ["上海", "苏州", "杭州", "南京", "广州", "深圳"][n % 6],
                "country_id": cn.id,
                "state_id": states[n % len(states)].id,
                "zip": f"{100000 + (n % N_TERRITORIES) * 1000 + 5}",
            }

        one = [item(1, 6, partners[7].id)]
        Registration._find_registration_conflicts(one)  # warm the plans
        for run in range(3):
            with bench.measure(
                f"conflict check, one submission (run {run + 1})",
                cr,
                {"seconds": 0.05, "queries": 3},
                memory=False,
            ) as row:
                found = Registration._find_registration_conflicts(one)
                hits = found[1]
                row["found"] = {k: len(v) for k, v in hits.items()}
        assert hits["protected"] or hits["pending"], "the customer is registered by others"
        assert hits["leads"], "the customer has an open direct opportunity"
        assert hits["territories"], "the address lies in another partner's territory"
        batch = [item(i, i * 37 % N_CUSTOMERS + 1, partners[i % N_PARTNERS].id) for i in range(100)]
        with bench.measure(
            "conflict check, 100 submissions at once", cr, {"queries": 3}, memory=False
        ) as row:
            found = Registration._find_registration_conflicts(batch)
            row["with_conflicts"] = sum(1 for v in found.values() if any(v.values()))
        # the same through the workflow: submit one registration (check, refusal rules,
        # sequence, conflict rows, to-do)
        registration = Registration.create(
            {
                "partner_id": partners[3].id,
                "customer_name": "全新客户 科技有限公司",
                "country_id": cn.id,
                "city": "上海",
                "expected_close_date": fields.Date.today(),
            }
        )
        env.flush_all()
        with bench.measure("submit one registration (whole workflow)", cr, memory=False):
            registration.action_submit()
            env.flush_all()
    return bench.save()


if __name__ == "__main__":
    main_guard(main)
