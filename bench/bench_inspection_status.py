"""Benchmark: the auditors' inspection status page (and its exports) at 1,000 and 10,000
contracts.

    .venv/bin/python bench/bench_inspection_status.py [--sizes 1000,10000] [--requests 20]
                                                      [--pg [--pg-url URL]] [--exports]

For each engine (a fresh SQLite file; PostgreSQL with --pg: a fresh database, dropped at the
end) and size, the schema is built with the migrations, data is bulk-inserted (Core
executemany: sections, companies, contracts, approved 再委託 tiers, inspections in every state
with their checklist items and corrective actions), then the status page is requested through
the Flask test client as an auditor: two warm-up requests, then --requests timed ones (p50 and
p95 wall time of the whole request including rendering, and the median CPU time of this
process — on a busy machine wall time includes waiting for a core), and the SQL statements of
each request are counted. --exports also times the CSV and the PDF once each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

SECRET = "bench-secret-key-0123456789abcdef-0123456789"  # noqa: S105 - throwaway bench app
SECTIONS = 20
CHECKLIST = (
    "structure",
    "staff",
    "access_control",
    "storage",
    "copying",
    "purpose",
    "transport",
    "subcontractor",
    "incident",
    "erasure",
)


def _database(
    engine_name: str, workdir: Path, label: str, pg_url: str
) -> tuple[str, Callable[[], None]]:
    if engine_name == "sqlite":
        return f"sqlite:///{workdir / (label + '.db')}", lambda: None
    import psycopg

    name = f"portal_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = pg_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", drop


def _populate(url: str, n: int, fy: int) -> dict[str, int]:
    """Bulk insert n contracts and everything around them; returns row counts."""
    from portal.account.models import User
    from portal.contract.models import Contract
    from portal.db import make_engine
    from portal.inspection.models import CorrectiveAction, Inspection, InspectionItem
    from portal.org.corporate_number import with_check_digit
    from portal.org.models import Company, Section
    from portal.subcontract.models import SubcontractRequest

    rnd = random.Random(6)
    now = datetime.now(UTC)
    engine = make_engine(url)
    n_companies = max(10, n // 5)
    counts: dict[str, int] = {}
    with engine.begin() as conn:

        def put(model: Any, rows: list[dict[str, Any]]) -> None:
            for start in range(0, len(rows), 5000):
                conn.execute(sa.insert(model.__table__), rows[start : start + 5000])
            counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(rows)

        put(
            Section,
            [
                {"id": i, "code": f"B{i:03d}", "name": f"ベンチ課{i}"}
                for i in range(1, SECTIONS + 1)
            ],
        )
        put(
            Company,
            [
                {
                    "id": i,
                    "name": f"ベンチ株式会社{i}",
                    "corporate_number": with_check_digit(f"{700000000000 + i:012d}"),
                }
                for i in range(1, 2 * n_companies + 1)
            ],
        )
        put(
            User,
            [
                {
                    "id": 1,
                    "email": "auditor@bench.example.jp",
                    "name": "監査 ベンチ",
                    "role": "auditor",
                    "password_hash": "x",
                }
            ],
        )
        contracts, tiers, inspections, items, actions = [], [], [], [], []
        tier_id = insp_id = item_id = 0
        for cid in range(1, n + 1):
            active = rnd.random() < 0.9
            contracts.append(
                {
                    "id": cid,
                    "number": f"B{fy}-{cid:06d}",
                    "title": f"ベンチ業務委託{cid}",
                    "section_id": rnd.randint(1, SECTIONS),
                    "company_id": rnd.randint(1, n_companies),
                    "status": "active" if active else "closed",
                    "fiscal_year": fy,
                    "period_start": date(fy - 1, 4, 1),
                    "period_end": date(fy + 1, 3, 31),
                }
            )
            targets: list[tuple[int | None, int]] = [(None, contracts[-1]["company_id"])]
            if rnd.random() < 0.2:
                parent = None
                requester = contracts[-1]["company_id"]
                for level in (1, 2) if rnd.random() < 0.25 else (1,):
                    tier_id += 1
                    sub = n_companies + rnd.randint(1, n_companies)
                    tiers.append(
                        {
                            "id": tier_id,
                            "contract_id": cid,
                            "parent_id": parent,
                            "tier": level,
                            "requester_company_id": requester,
                            "subcontractor_id": sub,
                            "status": "approved",
                            "decided_at": now - timedelta(days=300),
                        }
                    )
                    targets.append((tier_id, sub))
                    parent, requester = tier_id, sub
            for sub_id, company in targets:
                roll = rnd.random()
                if not active or roll > 0.6:
                    continue
                insp_id += 1
                status = (
                    "recorded"
                    if roll < 0.35
                    else ("scheduled" if roll < 0.5 else "evidence_submitted")
                )
                when = date(fy, 4, 1) + timedelta(days=rnd.randint(30, 330))
                inspections.append(
                    {
                        "id": insp_id,
                        "contract_id": cid,
                        "subcontract_id": sub_id,
                        "company_id": company,
                        "fiscal_year": fy,
                        "scheduled_on": when,
                        "method": "onsite" if rnd.random() < 0.8 else "written",
                        "written_reason": "",
                        "inspector_kind": "city",
                        "status": status,
                        "profile": "iruma",
                        "performed_on": when if status == "recorded" else None,
                    }
                )
                failing = None
                for pos, key in enumerate(CHECKLIST, start=1):
                    item_id += 1
                    result = None
                    if status == "recorded":
                        result = rnd.choices(
                            ["ok", "improved", "needs_improvement", "not_applicable"],
                            [80, 10, 4, 6],
                        )[0]
                        if result == "needs_improvement":
                            failing = item_id
                    items.append(
                        {
                            "id": item_id,
                            "inspection_id": insp_id,
                            "position": pos,
                            "key": key,
                            "label": key,
                            "result": result,
                        }
                    )
                if failing is not None:
                    actions.append(
                        {
                            "inspection_id": insp_id,
                            "item_id": failing,
                            "description": "改善すること",
                            "owner": "業務責任者",
                            "due_on": date(fy, 12, 1),
                            "status": rnd.choice(["open", "responded", "closed"]),
                        }
                    )
        put(Contract, contracts)
        put(SubcontractRequest, tiers)
        put(Inspection, inspections)
        put(InspectionItem, items)
        put(CorrectiveAction, actions)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return counts


def _measure(url: str, storage: Path, fy: int, requests: int, exports: bool) -> dict[str, Any]:
    from portal import create_app
    from portal.config import Config
    from portal.extensions import db

    app = create_app(
        Config(
            secret_key=SECRET,
            environment="testing",
            database_url=url,
            storage_dir=storage,
            mail_enabled=False,
        )
    )
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as sess:
        sess.update({"_user_id": "1:1", "_fresh": True, "login_at": now, "seen_at": now})

    def get(path: str) -> tuple[float, int, int, float]:
        statements: list[str] = []

        def listener(*args: Any) -> None:
            statements.append(str(args[2]))

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        cpu_start, start = time.process_time(), time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        sa.event.remove(engine, "before_cursor_execute", listener)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        return elapsed, len(statements), len(body), cpu

    page = f"/inspections/status?fiscal_year={fy}"
    for _ in range(2):
        get(page)
    times, cpus, queries = [], [], set()
    for _ in range(requests):
        elapsed, n_queries, _size, cpu = get(page)
        times.append(elapsed)
        cpus.append(cpu)
        queries.add(n_queries)
    times.sort()
    result: dict[str, Any] = {
        "p50_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(0, round(0.95 * len(times)) - 1)] * 1000,
        "cpu_ms": statistics.median(cpus) * 1000,
        "queries": sorted(queries),
    }
    if exports:
        for name, path in (
            ("csv", f"/inspections/status.csv?fiscal_year={fy}"),
            ("pdf", f"/inspections/status.pdf?fiscal_year={fy}"),
        ):
            elapsed, n_queries, size, _cpu = get(path)
            result[name] = (elapsed * 1000, n_queries, size)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--pg", action="store_true", help="also run on PostgreSQL")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PORTAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--exports", action="store_true", help="also time the CSV and PDF")
    args = parser.parse_args()
    from portal.cli import run_migrations
    from portal.wareki import fiscal_year, today_jst

    fy = fiscal_year(today_jst())
    engines = ["sqlite", "postgresql"] if args.pg else ["sqlite"]
    print(f"inspection status page, 年度 {fy}, {args.requests} timed requests per size")
    print(
        f"{'engine':<11}{'contracts':>10}{'targets':>9}{'inspections':>12}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>9}{'queries':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-insp-") as tmp:
        workdir = Path(tmp)
        for engine_name in engines:
            for size in (int(s) for s in args.sizes.split(",")):
                url, drop = _database(engine_name, workdir, f"n{size}", args.pg_url)
                try:
                    run_migrations(url)
                    counts = _populate(url, size, fy)
                    res = _measure(url, workdir / "storage", fy, args.requests, args.exports)
                finally:
                    drop()
                targets = size + counts.get("subcontract_requests", 0)
                print(
                    f"{engine_name:<11}{size:>10}{targets:>9}{counts.get('inspections', 0):>12}"
                    f"{res['p50_ms']:>9.0f}{res['p95_ms']:>9.0f}{res['cpu_ms']:>9.0f}"
                    f"{','.join(map(str, res['queries'])):>9}"
                )
                for name in ("csv", "pdf"):
                    if name in res:
                        ms, q, size_b = res[name]
                        print(
                            f"{'':<11}{name + ' export':>10}: {ms:.0f} ms, {q} queries, "
                            f"{size_b / 1024:.0f} KiB"
                        )


if __name__ == "__main__":
    main()
