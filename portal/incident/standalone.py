"""`portal incidents assess FILE.json [--json]`: attached to the top-level command group, so it
runs without a database or SECRET_KEY (like `portal contracts check`).

Exit status: 0 when the file was assessed (reportable or not), 2 when it cannot be (a Japanese
message on stderr, or `{"error": ...}` with --json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from portal.incident.assessment import GROUND_LABELS
from portal.incident.description import InvalidDescription, load_description
from portal.incident.rules import IncidentRulesError, standalone_rules
from portal.incident.verdict import judge

EXIT_OK = 0
EXIT_INVALID = 2
MAX_BYTES = 1024 * 1024


def _out(text: str, *, err: bool = False) -> None:
    # Bytes, so the output is UTF-8 whatever the locale of the terminal or pipe.
    click.echo(text.encode("utf-8"), err=err)


def _fail(ctx: click.Context, message: str, as_json: bool) -> None:
    if as_json:
        _out(json.dumps({"error": message}, ensure_ascii=False))
    _out(f"判定できません: {message}", err=True)
    ctx.exit(EXIT_INVALID)


@click.group("incidents", help="漏えい等事案（個人情報保護委員会への報告の要否と期限）")
def incidents_group() -> None:
    pass


@incidents_group.command("assess")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--profile", default=None, help="プロファイル名（既定: PORTAL_PROFILE、なければ iruma）"
)
@click.option("--json", "as_json", is_flag=True, help="結果を1つのJSONオブジェクトで出力する")
@click.pass_context
def assess_command(ctx: click.Context, file: Path, profile: str | None, as_json: bool) -> None:
    """事案の記述（JSON）から、委員会への報告の要否・根拠・速報と確報の期限を判定する。"""
    try:
        rules = standalone_rules(profile)
    except IncidentRulesError as exc:
        _fail(ctx, f"プロファイルを読み込めません（{exc}）", as_json)
        return
    try:
        with file.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        _fail(ctx, f"ファイル {file} を読み込めません（{exc.strerror or exc}）。", as_json)
        return
    if len(raw) > MAX_BYTES:
        _fail(ctx, "ファイルが大きすぎます（1 MB まで）。", as_json)
        return
    try:
        description = load_description(raw)
    except InvalidDescription as exc:
        _fail(ctx, exc.message, as_json)
        return
    verdict = judge(description.facts, known_on=description.discovered_on, rules=rules.clocks)
    payload: dict[str, Any] = verdict.as_json()
    if as_json:
        _out(json.dumps(payload, ensure_ascii=False))
    else:
        a, d = verdict.assessment, verdict.deadlines
        _out(f"把握日（1日目）: {d.known_on.isoformat()}")
        _out(f"委員会への報告: {'要' if a.reportable else '不要'}")
        for ground in a.grounds:
            _out(f"  - {GROUND_LABELS[ground]}")
        if a.excluded_by_encryption:
            _out("  高度な暗号化等の措置が講じられ、鍵が漏えいしていないため対象外です。")
        if a.reportable:
            _out(f"速報の期限: {d.sokuho_due.isoformat()}（{rules.clocks.sokuho_due_day}日目）")
            moved = d.kakuho_moved_because
            note = f"{d.kakuho_days}日目" + (f"が{moved}のため翌開庁日" if moved else "")
            _out(f"確報の期限: {d.kakuho_due.isoformat()}（{note}）")
        _out(
            f"本人への通知: {'要' if a.notify_individuals else '不要（公表・本人への連絡を検討）'}"
        )
    ctx.exit(EXIT_OK)


commands = [incidents_group]


@incidents_group.command("remind")
@click.option("--date", "day", default=None, help="基準日 YYYY-MM-DD（既定: 今日）")
def remind_command(day: str | None) -> None:
    """速報・確報の期限、判断待ち、再発防止策の期限超過を督促する（スケジューラと同じ処理）。"""
    from datetime import date

    from flask.cli import ScriptInfo

    from portal.db import utcnow
    from portal.incident.jobs import send_reminders

    try:
        today = date.fromisoformat(day) if day else None
    except ValueError as exc:
        raise click.BadParameter(
            "YYYY-MM-DD 形式で指定してください。", param_hint="--date"
        ) from exc
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        count = send_reminders(now=utcnow(), today=today)
    if count is None:
        _out("他のプロセスが実行中のため、何もしませんでした。")
    else:
        _out(f"督促 {count} 件")
