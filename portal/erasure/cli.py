"""`portal erasure ...` commands (every job can also be run by hand)."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import click
from flask.cli import with_appcontext

from portal.wareki import JST


def _now(today: str | None) -> datetime:
    if not today:
        from portal.db import utcnow

        return utcnow()
    try:
        day = date.fromisoformat(today)
    except ValueError as exc:
        raise click.BadParameter("YYYY-MM-DD の形式で指定してください。") from exc
    # Noon JST of that day: the same calendar day in Japan whatever the server's zone.
    return datetime.combine(day, time(12, 0), tzinfo=JST)


@click.group("erasure", help="消去・廃棄証明")
def erasure_group() -> None:
    pass


@erasure_group.command(
    "mark-ended",
    help="契約期間が終了した契約を「消去確認待ち」にし、提出期限と提出者を設定します。",
)
@click.option("--today", help="基準日 (YYYY-MM-DD、既定は今日)")
@with_appcontext
def mark_ended(today: str | None) -> None:
    from portal.erasure.jobs import mark_ended_contracts

    moved = mark_ended_contracts(now=_now(today))
    click.echo(f"{moved} contract(s) moved to erasure_pending")


@erasure_group.command("overdue", help="提出期限を過ぎて承認されていない消去証明を一覧します。")
@click.option("--today", help="基準日 (YYYY-MM-DD、既定は今日)")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力します。")
@with_appcontext
def overdue(today: str | None, as_json: bool) -> None:
    from portal.erasure.services import overdue_obligations
    from portal.wareki import today_jst

    day = today_jst(_now(today))
    rows = [
        {
            "contract_id": o.contract_id,
            "contract_number": o.contract.number,
            "obligation_id": o.id,
            "party": o.label,
            "tier": o.tier,
            "status": o.status.value,
            "next_actor": o.next_actor,
            "due_on": o.contract.erasure_due_on.isoformat() if o.contract.erasure_due_on else None,
            "days_overdue": (day - o.contract.erasure_due_on).days
            if o.contract.erasure_due_on
            else None,
        }
        for o in overdue_obligations(today=day)
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        click.echo(
            f"{r['contract_number']}\t{r['party']}\t{r['status']}\t期限 {r['due_on']}"
            f"（{r['days_overdue']}日超過）"
        )
    click.echo(f"{len(rows)} 件")


commands = [erasure_group]
