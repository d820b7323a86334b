"""`portal backup DEST` and `portal restore ARCHIVE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("backup", help="データベースと全保存ファイルを1つのアーカイブに保存します。")
@click.argument("dest", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    from portal.db import utcnow
    from portal.filestore import get_filestore
    from portal.ops.backup import BackupError, create_backup

    config = current_app.extensions["portal_config"]
    try:
        path, manifest = create_backup(
            dest, store=get_filestore(), database_url=config.database_url, now=utcnow()
        )
    except BackupError as err:
        click.echo(f"NG: backup stopped: {err}", err=True)
        sys.exit(1)
    click.echo(
        f"OK: {path} ({manifest['database']['engine']} database, "
        f"{len(manifest['files'])} files, audit seq={manifest['audit_head']['seq']})"
    )


@click.command("restore", help="バックアップを空のインスタンスに復元し、全て検証します。")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive: Path) -> None:
    from portal.extensions import db
    from portal.filestore import get_filestore
    from portal.ops.backup import BackupError, restore_backup

    config = current_app.extensions["portal_config"]
    try:
        report = restore_backup(archive, store=get_filestore(), database_url=config.database_url)
    except BackupError as err:
        click.echo(f"NG: restore stopped: {err}", err=True)
        sys.exit(1)
    db.session.commit()  # the instance.restored audit entry
    click.echo(
        f"OK: restored {report.engine} database, {report.files} files verified, "
        f"audit chain verified to seq={report.audit_seq}"
    )


commands = [backup_command, restore_command]
