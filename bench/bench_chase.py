"""Benchmark: one chase over 100,000 contracts, next to the equivalent hand-written SQL.

    .venv/bin/python bench/bench_chase.py [--contracts 100000] [--pg] [--repeat 3]

A data generator bulk-inserts a city into a fresh database (a SQLite file in a temporary
directory; with --pg a new PostgreSQL database at $PORTAL_TEST_PG, dropped afterwards):
sections with their 保護管理者 and 契約担当, 1 contractor company (with one user and one
certificate) per 50 contracts, and per contract a mix of what the chase looks for — no
inspection yet, an inspection scheduled (past or coming), a recorded one, corrective
actions, 再委託 requests waiting for a decision, contracts waiting for erasure proof.

It then measures, on the same day (2026-11-24, nothing sent before):

- `detect`: `run_chase(dry_run=True)` — every rule's items, stages and recipients —
  against hand-written SQL (one statement per rule computing the same (rule, object,
  recipient) triples, stages as CASE expressions, recipients joined in SQL);
- `full`: `run_chase()` writing the notifications, marks and the run record — against the
  same hand-written SQL followed by one executemany INSERT of the notification rows.
  Each full run is rolled back, so every repetition starts from the same state.

Both sides must produce exactly the same triples (checked). Reported: best-of-N seconds,
the ratio (target ≤ 3), and the number of SQL statements (and cursor executions, which
include the driver's batches of one executemany) the chase sent.
Simplification of the data: no approved 再委託 tier (inspection targets are the contracts),
and 再委託 requests are submitted at noon in Japan (so their JST day is their UTC day).
"""

# The hand-written SQL below is assembled from this module's own fragments (dialect
# helpers, column names); every value goes in as a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 24)
FY = 2026
FY_START, FY_END = date(2026, 4, 1), date(2027, 3, 31)
NOW = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 07:00 on TODAY in Japan
SECRET = "bench-secret-key-0123456789abcdef-0123456789"  # noqa: S105 - throwaway bench app
PG_ADMIN = os.environ.get("PORTAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


# --- database -----------------------------------------------------------------------------


def create_db(pg: bool, tmp: Path) -> tuple[str, Callable[[], None]]:
    if not pg:
        return f"sqlite:///{tmp / 'bench_chase.db'}", lambda: None
    import psycopg

    name = f"bench_chase_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", drop


def _defaults(table: sa.Table) -> dict[str, Any]:
    """Python-side column defaults (scalars and callables), so generated rows stay valid
    when a feature adds a column with a default."""
    out: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if default is None or not hasattr(default, "arg"):
            continue
        arg = default.arg
        if callable(arg):
            try:
                out[col.name] = arg(None)
            except TypeError:
                out[col.name] = arg()
        else:
            out[col.name] = arg
    return out


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    base = _defaults(table)
    keys = set().union(*(r.keys() for r in rows))
    full = [{**{k: v for k, v in base.items() if k not in keys}, **r} for r in rows]
    for i in range(0, len(full), 5000):
        conn.execute(table.insert(), full[i : i + 5000])


def generate(engine: sa.Engine, contracts: int, seed: int = 2026) -> dict[str, int]:
    from portal.account.models import User
    from portal.account.passwords import hash_password
    from portal.contract.models import Contract
    from portal.erasure.models import ErasureObligation
    from portal.inspection.models import CorrectiveAction, Inspection
    from portal.org.corporate_number import with_check_digit
    from portal.org.models import Company, CompanyCertificate, Section
    from portal.subcontract.models import SubcontractRequest

    rnd = random.Random(seed)
    pw = hash_password("Bench-Pass-2026!")
    n_sections = max(5, contracts // 2000)
    n_companies = max(10, contracts // 50)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        _insert(
            conn,
            Section.__table__,
            [
                {"id": s, "code": f"B{s:04d}", "name": f"ベンチ課{s}"}
                for s in range(1, n_sections + 1)
            ],
        )
        _insert(
            conn,
            Company.__table__,
            [
                {
                    "id": c,
                    "name": f"ベンチ株式会社{c}",
                    "corporate_number": with_check_digit(f"{700000000000 + c:012d}"),
                }
                for c in range(1, n_companies + 1)
            ],
        )
        users: list[dict[str, Any]] = []
        uid = 0

        def user(role: str, section: int | None = None, company: int | None = None) -> None:
            nonlocal uid
            uid += 1
            users.append(
                {
                    "id": uid,
                    "email": f"u{uid}@bench.example.jp",
                    "name": f"利用者{uid}",
                    "role": role,
                    "section_id": section,
                    "company_id": company,
                    "password_hash": pw,
                }
            )

        for _ in range(2):
            user("chief")
        for s in range(1, n_sections + 1):
            user("protection_manager", section=s)
            user("procurement", section=s)
        for c in range(1, n_companies + 1):
            user("contractor", company=c)
        _insert(conn, User.__table__, users)
        _insert(
            conn,
            CompanyCertificate.__table__,
            [
                {
                    "company_id": c,
                    "kind": rnd.choice(["isms", "privacy_mark"]),
                    "number": f"BENCH-{c}",
                    "expires_on": TODAY + timedelta(days=rnd.randint(-40, 400)),
                }
                for c in range(1, n_companies + 1)
            ],
        )
        rows, inspections, actions, subs, obligations = [], [], [], [], []
        insp_id = 0
        for cid in range(1, contracts + 1):
            section = rnd.randint(1, n_sections)
            company = rnd.randint(1, n_companies)
            kind = rnd.random()
            status = "active"
            start, end, due = FY_START, FY_END, None
            if kind < 0.05:
                status = "erasure_pending"
                start, end = date(2025, 4, 1), TODAY - timedelta(days=rnd.randint(0, 60))
                due = end + timedelta(days=30)
            elif kind < 0.10:
                status = "closed"
                start, end = date(2024, 4, 1), date(2025, 3, 31)
            elif kind < 0.20:
                start = FY_START + timedelta(days=rnd.randint(60, 220))  # late starters
            rows.append(
                {
                    "id": cid,
                    "number": f"B-{cid:07d}",
                    "title": f"ベンチ業務委託{cid}",
                    "section_id": section,
                    "company_id": company,
                    "status": status,
                    "fiscal_year": start.year if start.month >= 4 else start.year - 1,
                    "period_start": start,
                    "period_end": end,
                    "erasure_due_on": due,
                }
            )
            if status == "erasure_pending" and rnd.random() < 0.8:
                obligations.append(
                    {
                        "contract_id": cid,
                        "party_key": 0,
                        "company_id": company,
                        "tier": 0,
                        "status": rnd.choice(["pending", "pending", "submitted", "accepted"]),
                    }
                )
            if status != "active":
                continue
            r = rnd.random()
            if r < 0.30:
                pass  # nothing scheduled yet
            else:
                insp_id += 1
                if r < 0.45:
                    state, on = "scheduled", TODAY + timedelta(days=rnd.randint(-40, 30))
                elif r < 0.50:
                    state, on = "evidence_submitted", TODAY - timedelta(days=rnd.randint(1, 30))
                else:
                    state, on = "recorded", FY_START + timedelta(days=rnd.randint(30, 200))
                inspections.append(
                    {
                        "id": insp_id,
                        "contract_id": cid,
                        "company_id": company,
                        "fiscal_year": FY,
                        "scheduled_on": on,
                        "method": "onsite",
                        "inspector_kind": "city",
                        "status": state,
                        "profile": "iruma",
                        "performed_on": on if state == "recorded" else None,
                    }
                )
                if state == "recorded" and rnd.random() < 0.1:
                    actions.append(
                        {
                            "inspection_id": insp_id,
                            "description": "是正",
                            "owner": "担当",
                            "due_on": TODAY + timedelta(days=rnd.randint(-50, 20)),
                            "status": rnd.choice(["open", "open", "responded", "closed"]),
                        }
                    )
            if rnd.random() < 0.1:
                submitted = TODAY - timedelta(days=rnd.randint(0, 45))
                subs.append(
                    {
                        "contract_id": cid,
                        "tier": 1,
                        "requester_company_id": company,
                        "subcontractor_id": rnd.randint(1, n_companies),
                        "status": rnd.choice(["submitted", "submitted", "draft"]),
                        "submitted_at": datetime(
                            submitted.year, submitted.month, submitted.day, 3, tzinfo=UTC
                        ),
                    }
                )
        _insert(conn, Contract.__table__, rows)
        _insert(conn, Inspection.__table__, inspections)
        _insert(conn, CorrectiveAction.__table__, actions)
        _insert(conn, SubcontractRequest.__table__, subs)
        _insert(conn, ErasureObligation.__table__, obligations)
        counts = {
            "contracts": contracts,
            "sections": n_sections,
            "companies": n_companies,
            "users": len(users),
            "inspections": len(inspections),
            "corrective_actions": len(actions),
            "subcontract_requests": len(subs),
            "erasure_obligations": len(obligations),
        }
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("users", "contracts", "inspections", "companies", "sections"):
                conn.exec_driver_sql(  # table names from the tuple above
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return counts


# --- the hand-written SQL -------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    pg: bool

    def d(self, expr: str, n: int) -> str:
        """expr + n days."""
        if self.pg:
            return f"({expr} + {n})"
        return f"date({expr}, '{n:+d} days')"

    def lit(self, name: str) -> str:
        return f"CAST(:{name} AS date)" if self.pg else f":{name}"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"max({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"min({a}, {b})"

    def day_of(self, ts: str) -> str:
        return f"CAST({ts} AS date)" if self.pg else f"date({ts})"


def hand_sql(x: Dialect) -> dict[str, str]:
    """One statement per rule: (object id, stage, user id) due on :today (iruma: remind 14
    and 3 days before, escalate 14 days after, decision 14 days, certificates 60 days).
    Written as an expert would: the stage as a CASE, each audience an indexed join, the
    audiences glued with UNION ALL (an OR in one join condition defeats the indexes)."""
    today = x.lit("today")
    fy_start, fy_end = x.lit("fy_start"), x.lit("fy_end")
    pm = "JOIN users u ON u.section_id = s.section_id AND u.role = 'protection_manager'"
    vendor = "JOIN users u ON u.company_id = s.company_id AND u.role = 'contractor'"
    chief = "JOIN users u ON u.role = 'chief'"
    active_target = (
        f"c.status = 'active' AND c.period_start <= {fy_end} AND c.period_end >= {fy_start}"
    )
    recorded = (
        "EXISTS (SELECT 1 FROM inspections r WHERE r.contract_id = c.id AND r.subcontract_id "
        "IS NULL AND r.fiscal_year = :fy AND r.status = 'recorded')"
    )
    open_insp = (
        "EXISTS (SELECT 1 FROM inspections o WHERE o.contract_id = c.id AND o.subcontract_id "
        "IS NULL AND o.fiscal_year = :fy AND o.status IN ('scheduled', 'evidence_submitted'))"
    )
    due = x.least(x.d(x.greatest(fy_start, "c.period_start"), 90), fy_end)

    def stages(due_col: str, before: tuple[int, ...], after: list[tuple[int, str]]) -> str:
        parts = [f"WHEN {today} >= {x.d(due_col, n)} THEN '{name}'" for n, name in after]
        parts += [f"WHEN {today} >= {x.d(due_col, -n)} THEN 'before{n}'" for n in before]
        return "CASE " + " ".join(parts) + " END"

    def sql(ctes: str, *branches: tuple[str, str]) -> str:
        union = " UNION ALL ".join(
            f"SELECT s.id, s.stage, u.id FROM s {join} AND u.is_active "
            f"WHERE s.stage IS NOT NULL AND ({where})"
            for join, where in branches
        )
        # Built from this module's own fragments; values go in as bound parameters.
        return f"WITH {ctes} {union}"

    unscheduled = sql(
        f"""t AS (SELECT c.id, c.section_id, c.company_id, {due} AS due FROM contracts c
               WHERE {active_target} AND NOT {recorded} AND NOT {open_insp}),
        s AS (SELECT t.*, {stages("due", (3, 14), [(15, "escalation"), (1, "due")])} AS stage
              FROM t)""",
        (chief, "s.stage = 'escalation'"),
        (pm, "s.stage <> 'escalation'"),
    )
    record_missing = sql(
        f"""t AS (SELECT i.id, i.status, i.scheduled_on AS due, c.section_id, c.company_id
               FROM inspections i JOIN contracts c ON c.id = i.contract_id
               WHERE {active_target} AND NOT {recorded} AND i.subcontract_id IS NULL
               AND i.fiscal_year = :fy AND i.status IN ('scheduled', 'evidence_submitted')),
        s AS (SELECT t.*, CASE
                WHEN {today} >= {x.d("due", 15)} THEN 'escalation'
                WHEN {today} >= {x.d("due", 1)} THEN 'due'
                WHEN status = 'scheduled' AND {today} >= {x.d("due", -3)} THEN 'before3'
                WHEN status = 'scheduled' AND {today} >= {x.d("due", -14)} THEN 'before14'
              END AS stage FROM t)""",
        (chief, "s.stage = 'escalation'"),
        (pm, "s.stage = 'due'"),
        (vendor, "(s.stage = 'due' AND s.status = 'scheduled') OR s.stage LIKE 'before%'"),
    )
    actions = sql(
        f"""t AS (SELECT a.id, a.status, a.due_on AS due, c.section_id, c.company_id
               FROM corrective_actions a JOIN inspections i ON i.id = a.inspection_id
               JOIN contracts c ON c.id = i.contract_id
               WHERE a.status <> 'closed' AND c.status NOT IN ('closed', 'cancelled')
               AND a.due_on <= {x.d(today, 14)} AND a.due_on >= {x.d(today, -45)}),
        s AS (SELECT t.*, {stages("due", (3, 14), [(15, "escalation"), (1, "due")])} AS stage
              FROM t)""",
        (chief, "s.stage = 'escalation'"),
        (vendor, "s.stage <> 'escalation' AND s.status = 'open'"),
        (pm, "s.stage <> 'escalation' AND s.status = 'responded'"),
    )
    subcontracts = sql(
        f"""t AS (SELECT r.id, {x.day_of("r.submitted_at")} AS submitted,
                      {x.d(x.day_of("r.submitted_at"), 14)} AS due, c.section_id
               FROM subcontract_requests r JOIN contracts c ON c.id = r.contract_id
               WHERE r.status = 'submitted' AND r.submitted_at IS NOT NULL
               AND {x.day_of("r.submitted_at")} <= {x.d(today, -11)}),
        s AS (SELECT t.*, CASE
                WHEN {today} >= {x.d("due", 15)} THEN 'again'
                WHEN {today} >= {x.d("due", 1)} THEN 'due'
                WHEN {today} >= {x.d("due", -3)} AND {x.d("due", -3)} > submitted
                  THEN 'before3'
              END AS stage FROM t)""",
        (pm, "1 = 1"),
    )
    erasure_vendor = (
        "JOIN users u ON u.role = 'contractor' "
        "AND u.company_id IN (s.company_id, COALESCE(s.party, s.company_id))"
    )
    erasure = sql(
        f"""t AS (SELECT COALESCE(o.id, c.id) AS id, o.status, c.erasure_due_on AS due,
                      c.section_id, c.company_id, o.company_id AS party
               FROM contracts c LEFT JOIN erasure_obligations o ON o.contract_id = c.id
               WHERE c.status = 'erasure_pending' AND c.erasure_due_on IS NOT NULL
               AND c.erasure_due_on <= {x.d(today, 14)}
               AND c.erasure_due_on >= {x.d(today, -45)}
               AND (o.id IS NULL OR o.status <> 'accepted')),
        s AS (SELECT t.*, CASE
                WHEN status = 'submitted' AND {today} >= {x.d("due", 15)} THEN 'again'
                WHEN status = 'submitted' AND {today} >= {x.d("due", 1)} THEN 'due'
                WHEN status = 'submitted' THEN NULL
                WHEN {today} >= {x.d("due", 15)} THEN 'escalation'
                WHEN {today} >= {x.d("due", 1)} THEN 'due'
                WHEN {today} >= {x.d("due", -3)} THEN 'before3'
                WHEN {today} >= {x.d("due", -14)} THEN 'before14'
              END AS stage FROM t)""",
        (pm, "s.status = 'submitted' OR s.stage = 'escalation'"),
        (erasure_vendor, "COALESCE(s.status, '') <> 'submitted' AND s.stage <> 'escalation'"),
    )
    certificates = sql(
        f"""t AS (SELECT k.id, k.company_id, k.expires_on AS due FROM company_certificates k
               WHERE k.expires_on IS NOT NULL AND k.expires_on <= {x.d(today, 60)}
               AND k.expires_on >= {x.d(today, -31)}
               AND EXISTS (SELECT 1 FROM contracts c WHERE c.company_id = k.company_id
                           AND c.status = 'active')
               AND NOT EXISTS (SELECT 1 FROM company_certificates n
                   WHERE n.company_id = k.company_id AND n.kind = k.kind AND n.id <> k.id
                   AND (n.expires_on IS NULL OR n.expires_on > k.expires_on))),
        s AS (SELECT t.*, {stages("due", (3, 14, 60), [(1, "expired")])} AS stage FROM t),
        cs AS (SELECT DISTINCT company_id, section_id FROM contracts
               WHERE status = 'active' AND company_id IN (SELECT company_id FROM t))""",
        (vendor, "1 = 1"),
        (
            "JOIN cs ON cs.company_id = s.company_id "
            "JOIN users u ON u.section_id = cs.section_id AND u.role = 'procurement'",
            "1 = 1",
        ),
    )
    return {
        "inspection_unscheduled": unscheduled,
        "inspection_record_missing": record_missing,
        "corrective_action_overdue": actions,
        "subcontract_decision": subcontracts,
        "erasure_overdue": erasure,
        "certificate_expiry": certificates,
    }


def hand_params(pg: bool) -> dict[str, Any]:
    return {"today": TODAY, "fy_start": FY_START, "fy_end": FY_END, "fy": FY}


def run_hand(conn: sa.Connection, sqls: dict[str, str], pg: bool) -> set[tuple[str, int, str, int]]:
    params = hand_params(pg)
    out: set[tuple[str, int, str, int]] = set()
    for rule, sql in sqls.items():
        for oid, stage, uid in conn.execute(sa.text(sql), params):
            out.add((rule, oid, stage, uid))
    return out


def hand_insert(conn: sa.Connection, triples: set[tuple[str, int, str, int]]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO notifications (user_id, kind, subject, body, object_id, dedupe_key, "
            "created_at, mail_status) VALUES (:u, :k, :s, '', :o, :d, :t, 'pending')"
        ),
        [
            {
                "u": uid,
                "k": f"chase.{rule}",
                "s": f"{rule} {oid}",
                "o": oid,
                "d": f"hand:{rule}:{oid}:{stage}:u{uid}",
                "t": NOW,
            }
            for rule, oid, stage, uid in triples
        ],
    )


# --- measuring --------------------------------------------------------------------------------


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best-of-N (wall seconds, CPU seconds of this process)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def _compare(
    chase: tuple[float, float], hand: tuple[float, float], pg: bool, statements: int, cursor: int
) -> dict[str, Any]:
    i = 0 if pg else 1
    return {
        "chase_wall_s": round(chase[0], 3),
        "hand_sql_wall_s": round(hand[0], 3),
        "chase_cpu_s": round(chase[1], 3),
        "hand_sql_cpu_s": round(hand[1], 3),
        "ratio": round(chase[i] / hand[i], 2),
        "statements": statements,
        "cursor_executions": cursor,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL at $PORTAL_TEST_PG")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-ratio", type=float, default=3.0)
    args = parser.parse_args()

    from portal import create_app
    from portal.chase.services import run_chase
    from portal.cli import run_migrations
    from portal.config import Config
    from portal.db import make_engine
    from portal.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="bench_chase_"))
    url, drop = create_db(args.pg, tmp)
    try:
        run_migrations(url)
        engine = make_engine(url)
        t0 = time.perf_counter()
        counts = generate(engine, args.contracts)
        gen_s = time.perf_counter() - t0
        app = create_app(
            Config(
                secret_key=SECRET,
                environment="testing",
                database_url=url,
                storage_dir=tmp / "storage",
                mail_enabled=False,
            )
        )
        pg = args.pg
        sqls = hand_sql(Dialect(pg))
        with app.app_context():
            statements: list[str] = []
            cursor_runs = [0]

            def on_execute(*_a: Any) -> None:
                statements.append("x")

            def on_cursor(*_a: Any) -> None:
                cursor_runs[0] += 1

            def chase_detect() -> Any:
                report = run_chase(today=TODAY, dry_run=True, now=NOW)
                db.session.rollback()
                return report

            def chase_full() -> Any:
                report = run_chase(today=TODAY, now=NOW)
                db.session.rollback()
                return report

            def hand_detect() -> Any:
                with db.engine.connect() as conn:
                    return run_hand(conn, sqls, pg)

            def hand_full() -> Any:
                with db.engine.connect() as conn:
                    trans = conn.begin()
                    triples = run_hand(conn, sqls, pg)
                    hand_insert(conn, triples)
                    trans.rollback()
                return triples

            chase_detect()  # warm caches (both sides read the same pages afterwards)
            hand_detect()
            sa.event.listen(db.engine, "before_execute", on_execute)
            sa.event.listen(db.engine, "before_cursor_execute", on_cursor)
            report = chase_detect()
            detect_statements, detect_cursor = len(statements), cursor_runs[0]
            statements.clear()
            cursor_runs[0] = 0
            chase_full()
            full_statements, full_cursor = len(statements), cursor_runs[0]
            sa.event.remove(db.engine, "before_execute", on_execute)
            sa.event.remove(db.engine, "before_cursor_execute", on_cursor)

            chase_triples = {
                (s.rule, s.object_id, s.stage, uid) for s in report.sent for uid in s.user_ids
            }
            hand_triples = hand_detect()
            if chase_triples != hand_triples:
                only_chase = sorted(chase_triples - hand_triples)[:10]
                only_hand = sorted(hand_triples - chase_triples)[:10]
                print(json.dumps({"mismatch": {"chase": only_chase, "hand": only_hand}}))
                return 2

            chase_d = best(chase_detect, args.repeat)
            hand_d = best(hand_detect, args.repeat)
            chase_f = best(chase_full, args.repeat)
            hand_f = best(hand_full, args.repeat)
        engine.dispose()
        db.engine.dispose()
    finally:
        drop()
        for f in tmp.glob("*"):
            if f.is_file():
                f.unlink()

    per_rule: dict[str, int] = {}
    for rule, *_ in chase_triples:
        per_rule[rule] = per_rule.get(rule, 0) + 1
    result = {
        "engine": "postgresql" if args.pg else "sqlite",
        "data": counts,
        "generate_s": round(gen_s, 2),
        "notifications": len(chase_triples),
        "items": len(report.sent),
        "per_rule_notifications": per_rule,
        # SQLite runs inside this process, so its CPU time is the work of both sides and
        # does not move with the load of a shared machine; PostgreSQL works in its server
        # process, so there the wall clock is the measure.
        "ratio_on": "wall" if args.pg else "cpu",
        "detect": _compare(chase_d, hand_d, args.pg, detect_statements, detect_cursor),
        "full": _compare(chase_f, hand_f, args.pg, full_statements, full_cursor),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    worst = max(result["detect"]["ratio"], result["full"]["ratio"])  # type: ignore[index]
    if worst > args.max_ratio:
        print(f"FAIL: chase is {worst}x the hand-written SQL (limit {args.max_ratio}x)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
