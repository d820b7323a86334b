"""The `portal` console command: a FlaskGroup around create_app; every job is also a command."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from portal import FEATURES, create_app
from portal.config import resource_dir

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


def _alembic_config(database_url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    # The checkout's alembic.ini (logging, the revision file template); an installed portal
    # has none and needs only where the revisions are.
    ini = resource_dir("migrations").parent / "alembic.ini"
    cfg = AlembicConfig(str(ini) if ini.is_file() else None)
    cfg.set_main_option("script_location", str(resource_dir("migrations")))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def ensure_sqlite_dir(database_url: str) -> None:
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def run_migrations(database_url: str, revision: str = "head", *, down: bool = False) -> None:
    from alembic import command

    ensure_sqlite_dir(database_url)
    cfg = _alembic_config(database_url)
    if down:
        command.downgrade(cfg, revision)
    else:
        command.upgrade(cfg, revision)


@click.group("db", help="データベースのマイグレーション (Alembic)")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="最新（または指定リビジョン）まで適用します。")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    run_migrations(current_app.extensions["portal_config"].database_url, revision)
    click.echo(f"upgraded to {revision}")


@db_group.command("downgrade", help="指定リビジョンまで戻します（例: -1, base）。")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    run_migrations(current_app.extensions["portal_config"].database_url, revision, down=True)
    click.echo(f"downgraded to {revision}")


@db_group.command("current", help="適用済みのリビジョンを表示します。")
@with_appcontext
def db_current() -> None:
    from alembic import command

    command.current(_alembic_config(current_app.extensions["portal_config"].database_url))


@click.group("demo", help="デモデータ")
def demo_group() -> None:
    pass


@demo_group.command("load", help="デモ用の課・事業者・アカウント・契約等を登録します。")
@click.option(
    "--if-empty", is_flag=True, help="既にアカウントがあれば何もしません（make run 用）。"
)
@with_appcontext
def demo_load(if_empty: bool) -> None:
    from portal.account.models import User
    from portal.demo import load_demo
    from portal.extensions import db

    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("demo data already present; skipped")
        return
    summary = load_demo()
    db.session.commit()
    click.echo(json.dumps(summary, ensure_ascii=False))


@click.group("users", help="アカウント管理")
def users_group() -> None:
    pass


@users_group.command("create", help="アカウントを作成します。")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        ["procurement", "protection_manager", "chief", "auditor", "contractor", "admin"]
    ),
)
@click.option("--section", "section_code", help="課コード (procurement / protection_manager)")
@click.option("--company", "corporate_number", help="委託先の法人番号 (contractor)")
@click.password_option("--password", help="初期パスワード (12文字以上)")
@with_appcontext
def users_create(
    email: str,
    name: str,
    role: str,
    section_code: str | None,
    corporate_number: str | None,
    password: str,
) -> None:
    from portal.account.models import SYSTEM, Role
    from portal.account.services import create_user
    from portal.errors import PortalError
    from portal.extensions import db
    from portal.org.models import Company, Section

    section_id = company_id = None
    if section_code:
        section_id = db.session.scalar(sa.select(Section.id).where(Section.code == section_code))
        if section_id is None:
            raise click.ClickException(f"課コード {section_code} は登録されていません。")
    if corporate_number:
        company_id = db.session.scalar(
            sa.select(Company.id).where(Company.corporate_number == corporate_number)
        )
        if company_id is None:
            raise click.ClickException(
                f"法人番号 {corporate_number} の事業者は登録されていません。"
            )
    try:
        user = create_user(
            actor=SYSTEM,
            email=email,
            name=name,
            role=Role(role),
            password=password,
            section_id=section_id,
            company_id=company_id,
            must_change_password=False,
        )
    except PortalError as err:
        raise click.ClickException(err.text) from err
    db.session.commit()
    click.echo(f"created user {user.id} {user.email} ({role})")


@click.group("audit", help="監査ログ")
def audit_group() -> None:
    pass


@audit_group.command("verify", help="監査ログのハッシュチェーンを検証します（改ざん検知）。")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="記録点（audit anchor、バックアップのmanifest.jsonまたはバックアップ）と照合します。",
)
@with_appcontext
def audit_verify(anchor_file: Path | None) -> None:
    from portal.audit.services import verify_chain
    from portal.ops.anchor import AnchorError, check_anchor, load_anchor

    try:
        anchor = load_anchor(anchor_file) if anchor_file is not None else None
    except AnchorError as err:
        raise click.ClickException(str(err)) from err
    count, problem = verify_chain()
    if problem is not None:
        click.echo(
            f"NG: entry seq={problem.seq} id={problem.entry_id}: {problem.reason} "
            f"({count} entries verified before it)",
            err=True,
        )
        sys.exit(1)
    if anchor is not None:
        mismatch = check_anchor(anchor)
        if mismatch is not None:
            click.echo(f"NG: {mismatch} (anchor {anchor_file})", err=True)
            sys.exit(1)
        click.echo(f"OK: {count} entries, chain intact, contains anchor seq={anchor.seq}")
        return
    click.echo(f"OK: {count} entries, chain intact")


@audit_group.command("anchor", help="監査ログの最終記録点をファイルに書き出します（外部保管用）。")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="書き出し先（省略時は標準出力）",
)
@with_appcontext
def audit_anchor(output: Path | None) -> None:
    from portal.db import utcnow
    from portal.ops.anchor import current_anchor, write_anchor

    anchor = current_anchor(now=utcnow())
    if output is None:
        click.echo(json.dumps(anchor.to_json()))
        return
    write_anchor(anchor, output)
    click.echo(f"anchor seq={anchor.seq} written to {output}")


@click.group("files", help="ファイルストア")
def files_group() -> None:
    pass


@files_group.command("reconcile", help="保存ファイルとデータベースの突合（孤立・欠落の検出）")
@click.option("--delete-orphans", is_flag=True, help="どの記録にも属さないファイルを削除します。")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def files_reconcile(delete_orphans: bool, as_json: bool) -> None:
    from portal.filestore import get_filestore
    from portal.filestore.reconcile import reconcile_blobs

    report = reconcile_blobs(get_filestore(), delete_orphans=delete_orphans)
    if as_json:
        click.echo(json.dumps(report.__dict__, ensure_ascii=False))
    else:
        click.echo(
            f"orphaned={len(report.orphaned_keys)} missing={len(report.missing_blobs)} "
            f"deleted={report.deleted}"
        )
        for table, row_id, key in report.missing_blobs:
            click.echo(f"MISSING {table}#{row_id} {key}", err=True)
    if report.missing_blobs:
        sys.exit(1)


def register_commands(app: Flask) -> None:
    for group in (db_group, demo_group, users_group, audit_group, files_group):
        app.cli.add_command(group)
    # Each feature may contribute commands in portal/<feature>/cli.py as `commands`.
    for name in FEATURES:
        try:
            module = importlib.import_module(f"portal.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name not in {f"portal.{name}", f"portal.{name}.cli"}:
                raise
            continue
        for command in getattr(module, "commands", []):
            app.cli.add_command(command)


def _create_app() -> Flask:
    from portal.config import ConfigError

    try:
        return create_app()
    except ConfigError as err:
        # One line per problem instead of a traceback.
        raise click.ClickException(f"configuration:\n{err}") from err


main = FlaskGroup(
    create_app=_create_app,
    add_default_commands=True,
    help="委託先監督ポータル (Itaku portal) の管理コマンド",
)


def _standalone_groups() -> None:
    # Commands that must work without a database or SECRET_KEY (e.g. the clause check on a
    # file) are attached to the group itself, so Flask does not load the app for them.
    for name in FEATURES:
        try:
            module = importlib.import_module(f"portal.{name}.standalone")
        except ModuleNotFoundError as exc:
            if exc.name not in {f"portal.{name}", f"portal.{name}.standalone"}:
                raise
            continue
        for command in getattr(module, "commands", []):
            main.add_command(command)


_standalone_groups()
