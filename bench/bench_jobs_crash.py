"""Crash-safe payout job (issue 16 item 2): an approved settlement of BENCH_PARTNERS
partners (default 20,000) is paid out by its background job in a worker process, which is
killed with SIGKILL after a few committed batches, then started again: the job resumes and
every partner ends with exactly one credit note, none twice, none missing, no line
half-linked.

Run: make bench ARGS=crash (BENCH_PARTNERS=2000 make bench ARGS=crash for a quick run).
The worker is this script started with `--worker`: Odoo's registry on the bench database
running the rebate jobs' cron method as the cron does (its batches commit).
"""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

from common import Bench, bench_env, main_guard

from odoo import Command
from odoo.tools import SQL

N = int(os.environ.get("BENCH_PARTNERS", "20000"))
KILL_AFTER = int(os.environ.get("BENCH_KILL_AFTER", "3"))  # batches committed, then SIGKILL
QUARTER = (date(2025, 1, 1), date(2025, 3, 31))
NAME = "Bench crash payout"


def setup(env):
    """An approved settlement of N partners, its lines written directly (no invoices:
    the payout is what is measured), and its payout job queued."""
    old = env["rebate.program"].search([("name", "=", NAME)])
    if old:
        settlements = env["rebate.settlement"].search([("program_id", "in", old.ids)])
        env.cr.execute(
            SQL(
                "DELETE FROM account_move WHERE rebate_settlement_id = ANY(%s)",
                settlements.ids,
            )
        )
        env.cr.execute(
            SQL(
                "DELETE FROM collab_job WHERE res_model = 'rebate.settlement' AND res_id = ANY(%s)",
                settlements.ids,
            )
        )
        env.cr.execute(SQL("DELETE FROM rebate_settlement WHERE id = ANY(%s)", settlements.ids))
        env.cr.execute(SQL("DELETE FROM rebate_program WHERE id = ANY(%s)", old.ids))
        env.invalidate_all()
    partners = env["res.partner"].create(
        [{"name": f"Bench crash partner {i}", "is_company": True} for i in range(N)]
    )
    product = env["product.product"].create(
        {"name": "Bench crash rebate", "type": "service", "taxes_id": [Command.clear()]}
    )
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
    )
    program = env["rebate.program"].create(
        {
            "name": NAME,
            "period": "quarter",
            "date_start": date(2025, 1, 1),
            "date_end": date(2025, 12, 31),
            "partner_ids": [Command.set(partners.ids)],
            "band_ids": [Command.create({"attainment_from": 0, "rate": 1})],
            "journal_id": journal.id,
            "product_id": product.id,
            "post_moves": True,
        }
    )
    program.action_activate()
    settlement = env["rebate.settlement"].create(
        {"program_id": program.id, "date_from": QUARTER[0]}
    )
    zero = program._get_rebate(Decimal(0), None, multiplier=100)
    vals_list = []
    for i, partner_id in enumerate(partners.ids):
        values = dict(zero, total=Decimal(100 + i % 900))
        vals_list.append(settlement._regular_line_vals(partner_id, values))
    env["rebate.settlement.line"].sudo()._bulk_create(settlement, vals_list)
    settlement._write_workflow({"state": "approved", "approved_uid": env.uid})
    env.company.rebate_job_threshold = 500
    # queued by the administrator (a Rebate Accountant): the job runs with their rights
    job = settlement.with_user(env.ref("base.user_admin"))._queue_job("rebate_payout")
    assert job, "above the threshold: queued"
    return settlement.id, job.id


def worker():
    with bench_env() as env:
        env["rebate.settlement"]._cron_run_jobs()


def job_row(job_id):
    with bench_env(commit=False) as env:
        return env.execute_query(
            SQL("SELECT state, done_count, total_count FROM collab_job WHERE id = %s", job_id)
        )[0]


def start_worker():
    return subprocess.Popen([sys.executable, __file__, "--worker"])  # noqa: S603


def main():
    bench = Bench("jobs_crash")
    print(f"crash-safe payout job: {N} partners, SIGKILL after {KILL_AFTER} batches")
    with bench_env() as env, bench.measure("setup (partners, lines, job queued)", env.cr):
        settlement_id, job_id = setup(env)
    from odoo.addons.sales_pm_collab.models.rebate.rebate_settlement_job import PAYOUT_BATCH

    t0 = time.perf_counter()
    proc = start_worker()
    while True:
        state, done, total = job_row(job_id)
        if (done or 0) >= KILL_AFTER * PAYOUT_BATCH or proc.poll() is not None:
            break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = time.perf_counter() - t0
    state, done_at_kill, total = job_row(job_id)
    print(f"  SIGKILL after {killed_at:.1f} s: job {state}, {done_at_kill}/{total} partners")
    t1 = time.perf_counter()
    proc = start_worker()
    proc.wait()
    resumed = time.perf_counter() - t1
    state, done, total = job_row(job_id)
    with bench_env(commit=False) as env:
        per_partner = env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FILTER (WHERE n > 1), COUNT(*), COALESCE(SUM(n), 0)
                  FROM (SELECT partner_id, COUNT(*) n FROM account_move
                         WHERE rebate_settlement_id = %s GROUP BY partner_id) m
                """,
                settlement_id,
            )
        )[0]
        unlinked = env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM rebate_settlement_line WHERE settlement_id = %s "
                "AND move_id IS NULL",
                settlement_id,
            )
        )[0][0]
        name = env["rebate.settlement"].browse(settlement_id).name
        orphans = env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM account_move WHERE invoice_origin = %s "
                "AND rebate_settlement_id IS NULL",
                name,
            )
        )[0][0]
        posted = env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM account_move WHERE rebate_settlement_id = %s "
                "AND state = 'posted'",
                settlement_id,
            )
        )[0][0]
        settlement_state = env["rebate.settlement"].browse(settlement_id).state
    duplicates, partners_paid, moves = (int(value) for value in per_partner)
    ok = (
        state == "done"
        and settlement_state == "done"
        and duplicates == 0
        and partners_paid == N
        and moves == N
        and posted == N
        and unlinked == 0
        and orphans == 0
    )
    total_s = killed_at + resumed
    bench.rows.append(
        {
            "label": "payout job killed and resumed",
            "partners": N,
            "killed_after_s": round(killed_at, 1),
            "done_at_kill": done_at_kill,
            "resumed_s": round(resumed, 1),
            "total_s": round(total_s, 1),
            "moves": moves,
            "duplicates": duplicates,
            "unlinked_lines": unlinked,
            "orphan_moves": orphans,
            "ok": ok,
        }
    )
    print(
        f"  resumed run: {resumed:.1f} s; job {state}, settlement {settlement_state}; "
        f"{moves} moves for {partners_paid} partners ({posted} posted), {duplicates} "
        f"partners with more than one, {unlinked} lines without a move, {orphans} moves "
        f"without their link; {N / total_s:.0f} partners/s overall  " + ("OK" if ok else "FAILED")
    )
    return bench.save()


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main_guard(main)
