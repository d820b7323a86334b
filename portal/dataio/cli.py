"""`portal import companies|contracts|users FILE [--sheet NAME] [--apply] --json`.

Exit status: 0 nothing refused, 1 some rows refused (nothing applied then), 2 the file cannot
be read (`{"file": ..., "error": {"code": ..., "message": ...}}`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from portal.dataio.models import KIND_LABELS, ImportKind
from portal.dataio.reading import MAX_FILE_BYTES, ReadError, parse_table, read_table


def _emit(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    if "error" in payload:
        click.echo(f"{payload['file']}: {payload['error']['message']}", err=True)
        return
    state = "反映しました" if payload["applied"] else "反映していません（確認のみ）"
    click.echo(
        f"{payload['file']}: {payload['rows']}行 — 作成 {payload['create']}・更新 "
        f"{payload['update']}・変更なし {payload['unchanged']}・拒否 "
        f"{len({r['row'] for r in payload['refused']})}（{state}）"
    )
    for refusal in payload["refused"]:
        click.echo(f"{refusal['row']}行目: {refusal['column']}: {refusal['message']}")


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise ReadError("not_found", "ファイルが見つかりません。")
        if path.stat().st_size > MAX_FILE_BYTES:
            # Refused from its size, without reading it.
            parse_table(b"\0" * (MAX_FILE_BYTES + 1))
        return path.read_bytes()
    except OSError:
        raise ReadError("not_found", "ファイルを開けません。") from None


@click.command("import", help="委託先・委託契約・利用者をExcel（.xlsx）またはCSVから取り込みます。")
@click.argument("kind", type=click.Choice([k.value for k in ImportKind]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="読み込むシート名（既定は先頭のシート）")
@click.option(
    "--apply", "do_apply", is_flag=True, help="確認に通ったら反映します（既定は確認のみ）。"
)
@click.option("--json", "as_json", is_flag=True, help="結果をJSONで出力します。")
@with_appcontext
def import_command(kind: str, file: Path, sheet: str | None, do_apply: bool, as_json: bool) -> None:
    from portal.account.models import SYSTEM
    from portal.dataio.plan import apply_plan, build_plan, make_importer
    from portal.extensions import db

    name = str(file)
    try:
        data = _read(file)
        table = read_table(data, sheet)
        importer = make_importer(kind, SYSTEM)
        plan = build_plan(importer, table)
    except ReadError as exc:
        _emit({"file": name, "error": {"code": exc.code, "message": exc.message}}, as_json)
        raise SystemExit(2) from None
    if plan.ignored_columns:
        click.echo(f"無視した列: {'、'.join(plan.ignored_columns)}", err=True)
    applied = False
    if do_apply and plan.ok:
        if plan.count("create") or plan.count("update"):
            apply_plan(
                importer,
                plan,
                data={"sha256": hashlib.sha256(data).hexdigest(), "source": "cli"},
            )
            db.session.commit()
        applied = True
    else:
        db.session.rollback()
    _emit(plan.summary(file=name, applied=applied), as_json)
    if not plan.ok:
        click.echo(f"{KIND_LABELS[ImportKind(kind)]}: 拒否された行があります。", err=True)
        raise SystemExit(1)


commands = [import_command]
