"""Side by side with OCA agreement_rebate 19.0 (``make bench ARGS=peer``): the same quarter
settled by their settlement wizard and by our settlement *Compute*, then paid out by their
invoice wizard and by our *Create Credit Notes* (creation and posting timed apart), on
fresh copies of one database; both must give the same rebate per partner, to the cent.

tools/devkit/bench.py fetches the OCA modules from PyPI into .local/bench-peer/ and
installs them beside the addon in PEER_BASE_DB (no data). This script copies that
database into a template and fills it once with peer_oca_data.generate (2,000 partners,
20,500 posted moves, 200,300 invoice lines, one OCA agreement per partner, our program
with a target per partner); the template is kept while the base database and
peer_oca_data.py are unchanged. Each round then makes two fresh copies of the template
(``CREATE DATABASE ... TEMPLATE``), one per side, so that neither benefits from what the
other left in the ORM's caches or in its tables, and times, step by step, OCA's then
ours:

1. settle the quarter: OCA ``agreement.settlement.create.wiz`` (*Create settlements*,
   one settlement per agreement with a rebate) vs ``rebate.settlement`` created and
   *Compute* (one line per partner with every journal item behind it as a source);
2. create the credit notes: OCA ``agreement.invoice.create.wiz`` (credit notes, one per
   settlement) vs *Approve* + *Create Credit Notes* (one per partner with a rebate);
3. post them: ``account.move.action_post`` on each side's drafts.

Each step runs in a transaction of its own, like a button in the web client, as the
superuser on both sides (no access rules on either: the engines' own cost). Timings
include the ORM flush, not the commit. Then the rebates per partner are compared: OCA's
settlement lines, our settlement lines, both sides' posted credit notes and the issue's
rule applied to the generated sales (peer_oca_data.expected_rebate).

Results: bench/results/peer_oca.json. PEER_ROUNDS=n repeats the timed steps on new
copies (OCA first in odd rounds, ours first in even ones); PEER_KEEP=1 keeps the copies.
"""

import hashlib
import json
import os
import shutil
import time
from collections import defaultdict
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import peer_oca_data as data
from common import Bench, main_guard

from odoo import api, sql_db
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

SUPERUSER_ID = 1
BASE_DB = os.environ["PEER_BASE_DB"]
PREFIX = BASE_DB.removesuffix("_base")
TEMPLATE_DB = f"{PREFIX}_template"
COPIES = {"oca": f"{PREFIX}_oca", "ours": f"{PREFIX}_ours"}
STAMP_KEY = "bench_peer_oca.template"
# ours must be this many times faster (issue 16, item 4)
SETTLEMENT_TARGET = 4.0
CREDIT_NOTES_TARGET = 3.0  # created and posted
SIDES = {"oca": "OCA agreement_rebate", "ours": "sales_pm_collab"}


# === databases === #
def init():
    config.parse_config(
        ["-c", os.environ["ODOO_RC"], "--no-http", "--log-level=warn"], setup_logging=True
    )


def release(dbname):
    """Forget the registry and close the pooled connections of a database."""
    Registry.delete(dbname)
    sql_db.close_db(dbname)


def admin_sql(query):
    with closing(sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        cr.execute(query)
        return cr.fetchall() if cr.description else None


def db_exists(dbname):
    return bool(admin_sql(SQL("SELECT 1 FROM pg_database WHERE datname = %s", dbname)))


def drop_db(dbname):
    release(dbname)
    admin_sql(SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(dbname)))
    shutil.rmtree(config.filestore(dbname), ignore_errors=True)


def copy_db(source, target):
    """A fresh copy of ``source`` (its files and filestore, nothing of its caches)."""
    drop_db(target)
    release(source)
    admin_sql(SQL("CREATE DATABASE %s TEMPLATE %s", SQL.identifier(target), SQL.identifier(source)))
    if os.path.isdir(config.filestore(source)):
        shutil.copytree(config.filestore(source), config.filestore(target))


def template_stamp():
    digest = hashlib.sha256(os.environ["PEER_BASE_STAMP"].encode())
    digest.update(Path(data.__file__).read_bytes())
    return digest.hexdigest()


def read_template_summary():
    """The data summary stored in the template when it is current, else None."""
    if not db_exists(TEMPLATE_DB):
        return None
    with closing(sql_db.db_connect(TEMPLATE_DB).cursor()) as cr:
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [STAMP_KEY])
        row = cr.fetchone()
    release(TEMPLATE_DB)
    stored = json.loads(row[0]) if row else {}
    return stored.get("summary") if stored.get("stamp") == template_stamp() else None


def ensure_template():
    summary = read_template_summary()
    if summary:
        print(f"  data set: template {TEMPLATE_DB} is current (reused)", flush=True)
        return summary
    print(f"  data set: generating the template {TEMPLATE_DB} from {BASE_DB}", flush=True)
    copy_db(BASE_DB, TEMPLATE_DB)
    started = time.perf_counter()
    with Registry(TEMPLATE_DB).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        summary = data.generate(env)
        env["ir.config_parameter"].set_param(
            STAMP_KEY, json.dumps({"stamp": template_stamp(), "summary": summary})
        )
        cr.commit()
    summary["generated_seconds"] = round(time.perf_counter() - started, 1)
    print(f"  data set generated in {summary['generated_seconds']} s", flush=True)
    release(TEMPLATE_DB)
    return summary


# === the timed steps (each in a transaction of its own) === #
def oca_settle(env, summary):
    wizard = env["agreement.settlement.create.wiz"].create(
        {"date_from": data.QUARTER[0], "date_to": data.QUARTER[1], "domain": "sale"}
    )
    wizard.action_create_settlement()
    return env["agreement.rebate.settlement"].search_count([])


def ours_settle(env, summary):
    settlement = env["rebate.settlement"].create(
        {"program_id": summary["program_id"], "date_from": data.QUARTER[0]}
    )
    settlement.action_compute()
    return len(settlement.line_ids)


def oca_create_moves(env, summary):
    wizard = env["agreement.invoice.create.wiz"].create(
        {
            "date_from": data.QUARTER[0],
            "date_to": data.QUARTER[1],
            "domain": "sale",
            "journal_id": summary["journal_id"],
            "product_id": summary["rebate_product_id"],
            "invoice_type": "out_refund",
            "invoice_group": "settlement",
        }
    )
    action = wizard.action_create_invoice()
    return len(env["account.move"].search(action["domain"]))


def _our_settlement(env, summary):
    return env["rebate.settlement"].search([("program_id", "=", summary["program_id"])])


def ours_create_moves(env, summary):
    settlement = _our_settlement(env, summary)
    settlement.action_approve()
    settlement.action_create_moves()
    return len(settlement.move_ids)


def _side_moves(env, side, summary):
    if side == "ours":
        return _our_settlement(env, summary).move_ids
    return env["account.move"].search(
        [("line_ids.agreement_rebate_settlement_line_ids", "!=", False)]
    )


def oca_post(env, summary):
    moves = _side_moves(env, "oca", summary)
    moves.action_post()
    return len(moves)


def ours_post(env, summary):
    moves = _side_moves(env, "ours", summary)
    moves.action_post()
    return len(moves)


STEPS = [
    ("settle", "settle the quarter", {"oca": oca_settle, "ours": ours_settle}),
    ("create", "create the credit notes", {"oca": oca_create_moves, "ours": ours_create_moves}),
    ("post", "post the credit notes", {"oca": oca_post, "ours": ours_post}),
]
STEP_LABELS = {
    "oca": {
        "settle": "settlement wizard (Create settlements)",
        "create": "invoice wizard (credit notes, one per settlement)",
        "post": "post its credit notes (action_post)",
    },
    "ours": {
        "settle": "new settlement + Compute",
        "create": "Approve + Create Credit Notes",
        "post": "post our credit notes (action_post)",
    },
}


def warm_up(registry):
    """The same neutral first requests on both sides (users, company, a few reads)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["res.partner"].search_read([], ["name"], limit=5)
        env["account.move"].search_read([], ["name", "amount_total"], limit=5)
        env.company.currency_id.read(["rounding"])


def timed_round(bench, summary, round_no):
    order = ["oca", "ours"] if round_no % 2 else ["ours", "oca"]
    for side in order:
        copy_db(TEMPLATE_DB, COPIES[side])
    registries = {side: Registry(COPIES[side]) for side in order}
    for side in order:
        warm_up(registries[side])
    seconds = defaultdict(dict)
    for step, _title, funcs in STEPS:
        for side in order:
            with registries[side].cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                label = f"round {round_no}, {side}: {STEP_LABELS[side][step]}"
                with bench.measure(label, cr, memory=False) as row:
                    row["records"] = funcs[side](env, summary)
                    env.flush_all()
                row.update(side=side, step=step, round=round_no)
                seconds[step][side] = row["seconds"]
                cr.commit()
    return registries, seconds


# === checks === #
def cents(value):
    return Decimal(str(value or 0)).quantize(data.CENT)


def rebates_per_partner(registries, summary):
    """{source: {partner id: rebate}} without zeros: OCA's and our settlement lines, each
    side's posted credit notes, and the issue's rule on the generated sales."""
    result = {}
    with registries["oca"].cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        rows = env["agreement.rebate.settlement.line"]._read_group(
            [], ["partner_id"], ["amount_rebate:sum"]
        )
        result["OCA settlement"] = {p.id: cents(a) for p, a in rows}
        result["OCA credit notes"] = _moves_per_partner(_side_moves(env, "oca", summary))
    with registries["ours"].cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        settlement = _our_settlement(env, summary)
        rows = env["rebate.settlement.line"]._read_group(
            [("settlement_id", "=", settlement.id)], ["partner_id"], ["total:sum"]
        )
        result["our settlement"] = {p.id: cents(a) for p, a in rows}
        result["our credit notes"] = _moves_per_partner(_side_moves(env, "ours", summary))
    result["expected"] = {
        pid: data.expected_rebate(data.net_sales(i)) for i, pid in enumerate(summary["partner_ids"])
    }
    return {name: {p: a for p, a in amounts.items() if a} for name, amounts in result.items()}


def _moves_per_partner(moves):
    amounts = defaultdict(Decimal)
    for move in moves:
        if move.state != "posted":
            amounts[("not posted", move.id)] = cents(1)  # shows as a difference
            continue
        sign = 1 if move.move_type == "out_refund" else -1
        amounts[move.partner_id.id] += sign * cents(move.amount_total)
    return dict(amounts)


def compare(amounts, summary):
    reference = amounts["expected"]
    differences = {}
    for name, values in amounts.items():
        keys = set(values) | set(reference)
        diff = sorted((k for k in keys if values.get(k) != reference.get(k)), key=str)
        differences[name] = diff
    index = {pid: i for i, pid in enumerate(summary["partner_ids"])}
    print("\n  rebate per partner (partners with a rebate, total):", flush=True)
    for name, values in amounts.items():
        diff = differences[name]
        verdict = "identical to the expected" if not diff else f"{len(diff)} DIFFERENT"
        print(
            f"    {name:18} {len(values):5,} partners, {sum(values.values()):>14,.2f}  {verdict}",
            flush=True,
        )
        for key in diff[:5]:
            i = index.get(key)
            print(
                f"      partner #{i} (id {key}): net sales "
                f"{data.net_sales(i) if i is not None else '?'}, expected "
                f"{reference.get(key)}, got {values.get(key)}",
                flush=True,
            )
    print("    partners on a band limit:", flush=True)
    for i in sorted(data.BOUNDARY_PRICES):
        pid = summary["partner_ids"][i]
        shown = ", ".join(f"{name} {amounts[name].get(pid, Decimal(0)):,.2f}" for name in amounts)
        print(f"      #{i} net sales {data.net_sales(i):,.2f}: {shown}", flush=True)
    return differences


def ratio_row(bench, label, oca, ours, target):
    ratio = round(oca / ours, 2) if ours else None
    row = {
        "label": label,
        "oca_seconds": round(oca, 3),
        "ours_seconds": round(ours, 3),
        "ratio": ratio,
        "target": {"min_ratio": target} if target else None,
        "ok": (ratio or 0) >= target if target else True,
    }
    bench.rows.append(row)
    return row


def print_table(rows):
    print(
        f"\n  {'':44} {'OCA (s)':>9} {'ours (s)':>9} {'ours faster':>12}  target",
        flush=True,
    )
    for row in rows:
        target = row["target"]["min_ratio"] if row["target"] else None
        verdict = "" if not target else ("OK" if row["ok"] else "MISSED")
        print(
            f"  {row['label']:44} {row['oca_seconds']:9.2f} {row['ours_seconds']:9.2f} "
            f"{'×' + format(row['ratio'], '.2f'):>12}  "
            f"{('×' + format(target, 'g') + ' ' + verdict) if target else ''}",
            flush=True,
        )


def main():
    init()
    bench = Bench("peer_oca")
    manifest = json.loads(os.environ.get("PEER_MANIFEST") or "{}")
    print(f"  OCA code: {', '.join(manifest.get('wheels', []))}", flush=True)
    summary = ensure_template()
    bench.rows.append(
        {
            "label": "setup",
            "oca_wheels": manifest.get("wheels"),
            "user": "superuser (uid 1) on both sides",
            "partners": len(summary["partner_ids"]),
            "moves": data.N_PARTNERS * data.INVOICES_PER_PARTNER
            + data.N_PARTNERS // data.REFUND_EVERY,
            "template_generated_seconds": summary.get("generated_seconds"),
        }
    )
    rounds = int(os.environ.get("PEER_ROUNDS", "1"))
    for round_no in range(1, rounds + 1):
        print(f"\n  round {round_no} of {rounds}", flush=True)
        registries, seconds = timed_round(bench, summary, round_no)
        amounts = rebates_per_partner(registries, summary)
        differences = compare(amounts, summary)
        identical = not any(differences.values())
        bench.rows.append(
            {
                "label": f"round {round_no}: same rebate per partner",
                "partners_with_rebate": len(amounts["expected"]),
                "total": float(sum(amounts["expected"].values())),
                "differences": {k: len(v) for k, v in differences.items()},
                "ok": identical,
            }
        )
        s = seconds
        table = [
            ratio_row(
                bench,
                f"round {round_no}: settle the quarter",
                s["settle"]["oca"],
                s["settle"]["ours"],
                SETTLEMENT_TARGET,
            ),
            ratio_row(
                bench,
                f"round {round_no}: create the credit notes",
                s["create"]["oca"],
                s["create"]["ours"],
                None,
            ),
            ratio_row(
                bench,
                f"round {round_no}: post the credit notes",
                s["post"]["oca"],
                s["post"]["ours"],
                None,
            ),
            ratio_row(
                bench,
                f"round {round_no}: credit notes created and posted",
                s["create"]["oca"] + s["post"]["oca"],
                s["create"]["ours"] + s["post"]["ours"],
                CREDIT_NOTES_TARGET,
            ),
        ]
        print_table(table)
        print(
            f"  amounts: {'identical' if identical else 'DIFFERENT'} "
            f"({len(amounts['expected']):,} partners with a rebate)",
            flush=True,
        )
        for side in registries:
            release(COPIES[side])
            if not os.environ.get("PEER_KEEP"):
                drop_db(COPIES[side])
    return bench.save()


if __name__ == "__main__":
    main_guard(main)
