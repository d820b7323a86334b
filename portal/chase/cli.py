"""`portal chase run|send-mail|status` and `portal scheduler` (jobs run by hand)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.db import utcnow
from portal.wareki import JST, jst_datetime

PRINT_LIMIT = 100


def _parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"日付は YYYY-MM-DD の形式で指定してください（指定値: {value!r}）。"
        ) from None


def _now_for(day: date | None) -> datetime:
    """`--today D`: act as if it were D (07:00 in Japan, the scheduler's chase time)."""
    if day is None:
        return utcnow()
    return datetime.combine(day, time(7, 0), tzinfo=JST)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("chase", help="督促（期限の近い・過ぎた事項の通知）")
def chase_group() -> None:
    pass


@chase_group.command("run", help="全ての督促ルールを1回実行し、送信した（する）内容を表示します。")
@click.option("--today", "day", callback=_parse_day, help="基準日 YYYY-MM-DD（既定: 本日）")
@click.option("--dry-run", is_flag=True, help="送信も書き込みもせず、送る内容だけを表示します。")
@click.option("--json", "as_json", is_flag=True, help="結果をJSONで出力します。")
@with_appcontext
def chase_run(day: date | None, dry_run: bool, as_json: bool) -> None:
    from portal.chase.jobs import run_chase_job

    report = run_chase_job(now=_now_for(day) if day else utcnow(), today=day, dry_run=dry_run)
    if as_json:
        _echo_json(report.as_dict())
        return
    mode = "（dry-run: 送信・記録はしません）" if dry_run else ""
    click.echo(f"{report.day.isoformat()} の督促{mode}")
    if report.skipped:
        click.echo("他のプロセスが実行中のため、何もしませんでした。")
        return
    for r in report.rules:
        if not r.available:
            click.echo(f"  {r.rule:28} {r.label}: {r.note}")
            continue
        verb = "送信予定" if dry_run else "送信"
        click.echo(
            f"  {r.rule:28} {r.label}: 対象 {r.items} 件 / {verb} {r.sent} 件"
            f"（通知 {r.notifications} 通）"
        )
    for s in report.sent[:PRINT_LIMIT]:
        click.echo(
            f"  -> [{s.stage}] {s.object_type}#{s.object_id} {s.subject} => {', '.join(s.emails)}"
        )
    if len(report.sent) > PRINT_LIMIT:
        click.echo(f"  …ほか {len(report.sent) - PRINT_LIMIT} 件（--json で全件を表示）")


@chase_group.command(
    "send-mail", help="未送信のお知らせを、利用者ごとに1日1通のまとめメールで送ります。"
)
@click.option("--today", "day", callback=_parse_day, help="まとめの日付 YYYY-MM-DD（既定: 本日）")
@click.option("--json", "as_json", is_flag=True, help="結果をJSONで出力します。")
@with_appcontext
def chase_send_mail(day: date | None, as_json: bool) -> None:
    from portal.chase.jobs import deliver_digests

    report = deliver_digests(now=utcnow(), day=day)
    if as_json:
        _echo_json(report.as_dict())
        return
    if not report.enabled:
        click.echo("メール送信は無効です（MAIL_ENABLED）。お知らせはポータルにのみ表示されます。")
        return
    if report.skipped:
        click.echo("他のプロセスが送信中のため、何もしませんでした。")
        return
    for to, n in report.sent:
        click.echo(f"sent  {to} ({n}件)")
    for to, err in report.failed:
        click.echo(f"FAIL  {to}: {err}", err=True)
    click.echo(f"{report.day.isoformat()}: {len(report.sent)} 通送信, {len(report.failed)} 通失敗")
    if report.failed:
        raise SystemExit(1)


@chase_group.command("status", help="スケジューラの稼働状況と直近の督促実行を表示します。")
@with_appcontext
def chase_status() -> None:
    from portal.chase.services import heartbeat_status, recent_runs

    hb = heartbeat_status()
    label = {"ok": "稼働中", "stale": "応答なし", "never": "未起動"}[hb.state]
    click.echo(
        f"scheduler: {label} (last beat {jst_datetime(hb.beat_at) or '-'}, {hb.holder or '-'})"
    )
    for run in recent_runs(5):
        click.echo(
            f"run #{run.id} {run.day.isoformat()} at {jst_datetime(run.started_at)}: "
            f"{run.items} item(s), {run.notifications} notification(s)"
        )
    if hb.stale:
        raise SystemExit(1)


@click.command("scheduler", help="スケジューラを起動します（Webサーバーとは別プロセスで常駐）。")
@click.option("--once", is_flag=True, help="全てのジョブを1回ずつ実行して終了します。")
@with_appcontext
def scheduler_command(once: bool) -> None:
    from portal import scheduler

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        results = scheduler.run_once(app)
        _echo_json({name: _plain(v) for name, v in results.items()})
        return
    scheduler.run_forever(app)


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | str | type(None)) else str(value)


commands = [chase_group, scheduler_command]
