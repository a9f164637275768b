"""Feedback SLA cron at scale.

50,000 open feedback records, of which 1,000 are due (their next SLA moment has
passed): 400 cross the at-risk threshold, 400 breach (level 1, team leader) and 200
are late by twice the allowed time (levels 1 and 2 at once). The cron must finish
under 10 s, with a number of SQL queries that does not grow with the records:

- the same 1,000 due among 10,000 open records take exactly as many queries (the open
  records that are not due are never read);
- 250 due records are measured too: the only growth with the due records is the
  statements of each batch of 1,000 (one INSERT each of activities, followers, notes and
  tracking values: customer_feedback_sla_bulk.py; the ORM's multi-row UPDATEs of the
  feedback), far below one query per record (target: at most 40 queries plus one per 10
  due records).

The records are inserted with SQL (the ORM would spend minutes planning 50,000
deadlines in working hours, which is not what is measured here).

Scale mode: `BENCH_FEEDBACK_OPEN=500000 BENCH_FEEDBACK_DUE=10000 make bench ARGS=feedback`
(issue 16: the cron over 500,000 open feedback with 10,000 due in under 60 s; the same
due among 100,000 open must take as many queries). `BENCH_PROFILE=1` adds, after each
run, its slowest statements and a cProfile of the cron (figures of such a run are slower).
"""

import contextlib
import cProfile
import io
import os
import pstats
from datetime import timedelta

from common import Bench, bench_env, main_guard
from sql_profile import ENABLED as PROFILE
from sql_profile import sql_profile

from odoo import Command, fields

OPEN = int(os.environ.get("BENCH_FEEDBACK_OPEN") or 50_000)
DUE = int(os.environ.get("BENCH_FEEDBACK_DUE") or 1_000)
SCALE = OPEN > 50_000 or DUE > 1_000
TARGET_SECONDS = 60 if SCALE else 10
FIXED_QUERIES = 40
DUE_PER_QUERY = 10


def _setup(env):
    users = env["res.users"].with_context(no_reset_password=True)
    leader = users.search([("login", "=", "bench_fb_leader")]) or users.create(
        {
            "name": "Bench Team Leader",
            "login": "bench_fb_leader",
            "group_ids": [Command.set(env.ref("sales_team.group_sale_manager").ids)],
        }
    )
    owner = users.search([("login", "=", "bench_fb_owner")]) or users.create(
        {
            "name": "Bench Customer Service",
            "login": "bench_fb_owner",
            "group_ids": [
                Command.set(env.ref("sales_pm_collab.group_collab_customer_service").ids)
            ],
        }
    )
    team = env["crm.team"].search([("name", "=", "Bench Feedback Team")]) or env["crm.team"].create(
        {"name": "Bench Feedback Team", "user_id": leader.id}
    )
    partners = env["res.partner"].search([("name", "=like", "Bench FB Customer %")])
    if len(partners) < 200:
        partners |= env["res.partner"].create(
            [{"name": f"Bench FB Customer {n}", "is_company": True} for n in range(200)]
        )
    env.company.feedback_escalation_user_id = leader
    return owner, team, partners


def _generate(env, owner, team, partners, due, total):
    """Replace the bench feedback with `total` open records, `due` of them due now."""
    cr = env.cr
    cr.execute("DELETE FROM customer_feedback WHERE name LIKE 'Bench feedback %'")
    cr.execute("DELETE FROM mail_activity WHERE res_model = 'customer.feedback'")
    sla = env.ref("sales_pm_collab.feedback_sla_complaint")
    now = fields.Datetime.now()
    h = timedelta(hours=1)
    # (start, fr_risk, fr_deadline, fr_escalation, res_risk, res_deadline, res_escalation,
    #  status, next_check) of each population
    quiet = (
        now,
        now + 6 * h,
        now + 8 * h,
        now + 16 * h,
        now + 64 * h,
        now + 80 * h,
        now + 160 * h,
        "on_time",
        now + 6 * h,
    )
    risk = (
        now - 7 * h,
        now - 5 * 60 * timedelta(seconds=1),
        now + h,
        now + 9 * h,
        now + 57 * h,
        now + 73 * h,
        now + 153 * h,
        "on_time",
        now - timedelta(minutes=5),
    )
    breach = (
        now - 9 * h,
        now - 3 * h,
        now - h,
        now + 7 * h,
        now + 55 * h,
        now + 71 * h,
        now + 151 * h,
        "at_risk",
        now - h,
    )
    double = (
        now - 30 * h,
        now - 24 * h,
        now - 22 * h,
        now - 14 * h,
        now + 34 * h,
        now + 50 * h,
        now + 130 * h,
        "at_risk",
        now - 22 * h,
    )
    populations = [
        (total - due, quiet),
        (due * 2 // 5, risk),
        (due * 2 // 5, breach),
        (due - 2 * (due * 2 // 5), double),
    ]
    offset = 0
    partner_ids = partners.ids
    for count, dates in populations:
        cr.execute(
            """
            INSERT INTO customer_feedback (
                reference, name, kind, source, priority, state, partner_id,
                commercial_partner_id, user_id, team_id, company_id, sla_id,
                sla_start_date, first_response_risk_date, first_response_deadline,
                first_response_escalation_date, resolve_risk_date, resolve_deadline,
                resolve_escalation_date, sla_status, sla_next_check, breached_rate,
                escalation_level, satisfaction, followup_count,
                create_uid, create_date, write_uid, write_date)
            SELECT 'FB/BENCH/' || n, 'Bench feedback ' || n, 'complaint', 'phone',
                   'normal', 'new', p, p, %(owner)s, %(team)s, %(company)s, %(sla)s,
                   %(start)s, %(frr)s, %(frd)s, %(fre)s, %(rsr)s, %(rsd)s, %(rse)s,
                   %(status)s, %(next)s, 0, 0, 0, 0, 1, %(now)s, 1, %(now)s
              FROM generate_series(%(first)s, %(last)s) AS n,
                   LATERAL (SELECT (%(partners)s::int[])[1 + n %% %(npartners)s] AS p) AS pp
            """,
            {
                "owner": owner.id,
                "team": team.id,
                "company": env.company.id,
                "sla": sla.id,
                "start": dates[0],
                "frr": dates[1],
                "frd": dates[2],
                "fre": dates[3],
                "rsr": dates[4],
                "rsd": dates[5],
                "rse": dates[6],
                "status": dates[7],
                "next": dates[8],
                "now": now,
                "first": offset + 1,
                "last": offset + count,
                "partners": partner_ids,
                "npartners": len(partner_ids),
            },
        )
        offset += count
    cr.execute("ANALYZE customer_feedback")
    env.invalidate_all()


@contextlib.contextmanager
def _profile(label, top=25):
    """With BENCH_PROFILE=1: the slowest statements and the Python functions of the
    block by cumulative time (the timing figures of such a run are not the reference)."""
    if not PROFILE:
        yield
        return
    profiler = cProfile.Profile()
    with sql_profile(label):
        profiler.enable()
        try:
            yield
        finally:
            profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue(), flush=True)


def _run(bench, env, due, total=OPEN, warmup=False):
    owner, team, partners = _setup(env)
    _generate(env, owner, team, partners, due, total)
    env.cr.commit()
    Feedback = env["customer.feedback"]
    target = {"seconds": TARGET_SECONDS}
    if not warmup:
        target["queries"] = FIXED_QUERIES + due // DUE_PER_QUERY
    label = f"SLA cron, {total:,} open feedback, {due:,} due" + (" (cold caches)" if warmup else "")
    with bench.measure(label, env.cr, target) as row, _profile(label):
        Feedback._cron_update_sla()
        env.cr.flush()
    levels = dict(
        Feedback._read_group(
            [("name", "=like", "Bench feedback %")], ["escalation_level"], ["__count"]
        )
    )
    statuses = dict(
        Feedback._read_group([("name", "=like", "Bench feedback %")], ["sla_status"], ["__count"])
    )
    row["escalated"] = {f"level {k}": v for k, v in sorted(levels.items()) if k}
    row["statuses"] = statuses
    print(f"    -> {row['escalated']}, {statuses}")
    expected_l1 = due - 2 * (due * 2 // 5) + due * 2 // 5
    assert levels.get(1, 0) == due * 2 // 5, levels
    assert levels.get(2, 0) == due - 2 * (due * 2 // 5), levels
    assert statuses.get("at_risk", 0) == due * 2 // 5, statuses
    assert statuses.get("breached", 0) == expected_l1, statuses
    return row


def main():
    bench = Bench("feedback")
    with bench_env() as env:
        _run(bench, env, 250, warmup=True)
        _run(bench, env, 250)
        big = _run(bench, env, DUE)
        fewer = max(OPEN // 5, DUE * 10)
        fewer_open = _run(bench, env, DUE, total=fewer)
        same = big["queries"] == fewer_open["queries"]
        print(
            f"  queries for {DUE:,} due: {big['queries']} among {OPEN:,} open, "
            f"{fewer_open['queries']} among {fewer:,} open"
            + ("" if same else "  MISSED: the queries grow with the open records")
        )
        big["ok"] = big["ok"] and same
        env.cr.execute("DELETE FROM customer_feedback WHERE name LIKE 'Bench feedback %'")
    return bench.save()


if __name__ == "__main__":
    main_guard(main)
