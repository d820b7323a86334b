"""`portal backup DEST` and `portal restore ARCHIVE`: one tar archive holding

- `manifest.json` (first): the database engine and revision, the audit chain's head, and
  every stored file (key, owning row, size, SHA-256, content type);
- the database: `database.pgdump` (pg_dump custom format) or `database.sqlite3` (a copy made
  with SQLite's online backup API);
- `files/<key>`: every stored file that a database row refers to.

The manifest, the dump and the file list come from one snapshot (PostgreSQL: pg_dump runs on
the snapshot of the transaction that read the list; SQLite: the list is read from the copy).
A stored file whose bytes do not match its row's SHA-256 stops the backup.

A restore goes into an empty instance and trusts nothing: it checks every archive member
against the manifest before it writes anything, then restores the database, verifies the whole
audit chain and its head against the manifest, checks the restored rows against the manifest,
and finally writes each file, checking the hash of what was stored. The first mismatch stops it
with a message naming the file, the row or the audit entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import sqlalchemy as sa

from portal.extensions import db
from portal.filestore import FileStore, FileStoreError
from portal.ops.anchor import MANIFEST_NAME, Anchor, check_anchor, current_anchor

FORMAT = 1
KIND = "itaku-portal backup"
FILES_PREFIX = "files/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore stopped; the message says at what."""


@dataclass(frozen=True)
class FileRecord:
    key: str
    table: str
    row_id: int
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class RestoreReport:
    engine: str
    files: int
    audit_seq: int


# --- what the database says ------------------------------------------------------------------


def _file_tables() -> list[sa.Table]:
    from portal.db import Base
    from portal.filestore.models import StoredFileMixin
    from portal.model_registry import import_all_models

    import_all_models()
    return sorted(
        (
            m.local_table  # type: ignore[misc]
            for m in Base.registry.mappers
            if issubclass(m.class_, StoredFileMixin)
        ),
        key=lambda t: t.name,
    )


def _facts(conn: sa.Connection) -> tuple[list[FileRecord], Anchor, list[str]]:
    """Stored files, audit head and migration revision, as this connection sees them."""
    from portal.ops.readiness import database_revisions

    files = []
    for table in _file_tables():
        c = table.c
        for row in conn.execute(
            sa.select(c.id, c.storage_key, c.size, c.sha256, c.content_type).order_by(c.id)
        ):
            files.append(FileRecord(row[1], table.name, row[0], row[2], row[3], row[4]))
    return files, current_anchor(conn), sorted(database_revisions(conn))


# --- PostgreSQL tools ------------------------------------------------------------------------


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and an environment carrying it (so
    it never shows in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_pg_tool(args: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed tool, arguments are ours
            args, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"{args[0]} is not installed (Debian: apt-get install postgresql-client)"
        ) from exc
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{args[0]} failed: {last}")


# --- backup ----------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_database(url: sa.URL, work: Path) -> tuple[Path, list[FileRecord], Anchor, list[str]]:
    if url.get_backend_name() == "postgresql":
        out = work / "database.pgdump"
        libpq, env = _libpq(url)
        engine = db.engine.execution_options(isolation_level="REPEATABLE READ")
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            files, anchor, revisions = _facts(conn)
            _run_pg_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={out}",
                    f"--dbname={libpq}",
                ],
                env,
            )
        return out, files, anchor, revisions
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        out = work / "database.sqlite3"
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(out)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        copy = sa.create_engine(f"sqlite:///{out}", poolclass=sa.pool.NullPool)
        try:
            with copy.connect() as conn:
                files, anchor, revisions = _facts(conn)
        finally:
            copy.dispose()
        return out, files, anchor, revisions
    raise BackupError(f"cannot back up a {url.get_backend_name()} database at {url.database!r}")


class _HashingReader(io.RawIOBase):
    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # tarfile treats a short read as the end of the file, so fill the request.
        if size < 0:
            data = self.source.read()
        else:
            parts = []
            wanted = size
            while wanted > 0 and (part := self.source.read(wanted)):
                parts.append(part)
                wanted -= len(part)
            data = b"".join(parts)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def backup_path(dest: Path, now: datetime) -> Path:
    """DEST itself, or a dated archive name inside DEST when it is a folder."""
    if dest.is_dir():
        return dest / f"portal-backup-{now:%Y%m%dT%H%M%SZ}.tar"
    return dest


def create_backup(
    dest: Path, *, store: FileStore, database_url: str, now: datetime
) -> tuple[Path, dict[str, Any]]:
    """Write the archive (all or nothing: a failure leaves no file at the destination)."""
    path = backup_path(dest, now)
    if path.exists():
        raise BackupError(f"{path} already exists; give a new name or a folder")
    if not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist")
    url = sa.make_url(database_url)
    partial = path.with_name(f".{path.name}.partial")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".portal-backup-") as work:
        dump, files, anchor, revisions = _dump_database(url, Path(work))
        manifest: dict[str, Any] = {
            "kind": KIND,
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {
                "engine": url.get_backend_name(),
                "member": dump.name,
                "size": dump.stat().st_size,
                "sha256": _sha256_file(dump),
            },
            "alembic_revisions": revisions,
            "audit_head": {"seq": anchor.seq, "hash": anchor.hash},
            "storage_backend": type(store).__name__,
            "files": [asdict(f) for f in files],
        }
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                _add_bytes(
                    archive,
                    MANIFEST_NAME,
                    json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
                    now.timestamp(),
                )
                archive.add(dump, arcname=dump.name)
                for record in files:
                    _add_stored_file(archive, store, record, now.timestamp())
            with partial.open("rb") as fh:
                os.fsync(fh.fileno())
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return path, manifest


def _add_stored_file(
    archive: tarfile.TarFile, store: FileStore, record: FileRecord, mtime: float
) -> None:
    info = tarfile.TarInfo(FILES_PREFIX + record.key)
    info.size = record.size
    info.mtime = int(mtime)
    info.mode = 0o600
    where = f"{record.table} #{record.row_id} ({record.key})"
    try:
        with store.open(record.key) as blob:
            reader = _HashingReader(blob)
            archive.addfile(info, reader)
            if reader.read(1):
                raise BackupError(f"stored file of {where} is longer than its record says")
    except FileStoreError as exc:
        raise BackupError(f"stored file of {where} cannot be read: {exc}") from exc
    except OSError as exc:  # tarfile: the blob ended before record.size bytes
        raise BackupError(f"stored file of {where} is shorter than its record says") from exc
    if reader.digest.hexdigest() != record.sha256:
        raise BackupError(
            f"stored file of {where} does not match the SHA-256 recorded at upload; "
            "nothing was written (check it with portal files reconcile)"
        )


# --- restore ---------------------------------------------------------------------------------


@contextmanager
def _open_archive(path: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, Any]]]:
    """The open archive, positioned after its manifest, and the manifest."""
    try:
        archive = tarfile.open(path, "r:")  # noqa: SIM115 - closed below, after the yield
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a backup archive: {exc}") from exc
    with archive:
        first = archive.next()
        if first is None or first.name != MANIFEST_NAME:
            raise BackupError(f"{path}: {MANIFEST_NAME} is not the first member")
        member = archive.extractfile(first)
        try:
            manifest = json.load(member) if member is not None else None
        except ValueError as exc:
            raise BackupError(f"{path}: {MANIFEST_NAME} is not JSON") from exc
        if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
            raise BackupError(f"{path}: not a portal backup")
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{path}: backup format {manifest.get('format')} is not supported")
        yield archive, manifest


def _members(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, BinaryIO]]:
    for info in archive:
        if info.name == MANIFEST_NAME:
            continue  # read first, by _open_archive
        if not info.isfile():
            raise BackupError(f"unexpected archive member {info.name!r} (not a file)")
        fileobj = archive.extractfile(info)
        if fileobj is None:  # a regular file always has one
            raise BackupError(f"archive member {info.name!r} cannot be read")
        yield info, cast(BinaryIO, fileobj)


def _hash_stream(fileobj: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _expected(manifest: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Archive member name → (sha256, size) for every member after the manifest."""
    database = manifest["database"]
    wanted = {database["member"]: (database["sha256"], database["size"])}
    for f in manifest["files"]:
        wanted[FILES_PREFIX + f["key"]] = (f["sha256"], f["size"])
    return wanted


def verify_archive(path: Path) -> dict[str, Any]:
    """Every member present and matching the manifest; returns the manifest."""
    with _open_archive(path) as (archive, manifest):
        wanted = _expected(manifest)
        for info, fileobj in _members(archive):
            if info.name not in wanted:
                raise BackupError(f"archive member {info.name!r} is not in the manifest")
            sha, size = _hash_stream(fileobj)
            want_sha, want_size = wanted.pop(info.name)
            if (sha, size) != (want_sha, want_size):
                raise BackupError(
                    f"{info.name}: SHA-256 {sha[:16]}… ({size} bytes) in the archive, "
                    f"manifest says {want_sha[:16]}… ({want_size} bytes)"
                )
        if wanted:
            raise BackupError(f"the archive lacks {len(wanted)} members, first {min(wanted)}")
    return manifest


def _require_empty(url: sa.URL, store: FileStore) -> None:
    tables = sa.inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(
            f"the database {url.render_as_string(hide_password=True)} is not empty "
            f"({len(tables)} tables); restore needs an empty database"
        )
    first = next(iter(store.iter_keys()), None)
    if first is not None:
        raise BackupError(
            f"the file store is not empty ({first} is stored); restore needs an empty one"
        )


def _restore_database(archive_path: Path, manifest: dict[str, Any], url: sa.URL) -> None:
    database = manifest["database"]
    if database["engine"] != url.get_backend_name():
        raise BackupError(
            f"the backup holds a {database['engine']} database; "
            f"DATABASE_URL is {url.get_backend_name()}"
        )
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        dump = Path(work) / database["member"]
        with tarfile.open(archive_path, "r:") as archive:
            member = archive.extractfile(database["member"])
            if member is None:
                raise BackupError(f"the archive lacks {database['member']}")
            with dump.open("wb") as out:
                shutil.copyfileobj(member, out, CHUNK)
        if _sha256_file(dump) != database["sha256"]:
            raise BackupError(f"{database['member']} changed while it was read")
        if database["engine"] == "postgresql":
            libpq, env = _libpq(url)
            _run_pg_tool(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={libpq}",
                    str(dump),
                ],
                env,
            )
            return
        if not url.database or url.database == ":memory:":
            raise BackupError("DATABASE_URL must name an SQLite file to restore into")
        db.engine.dispose()  # no pooled connection to the (empty) target stays open
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(dump)
        target = sqlite3.connect(url.database)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()


def _verify_database(manifest: dict[str, Any]) -> None:
    from portal.audit.services import verify_chain

    count, problem = verify_chain()
    if problem is not None:
        raise BackupError(
            f"audit chain broken after restore: entry seq={problem.seq}: {problem.reason}"
        )
    head = manifest["audit_head"]
    anchor = Anchor(seq=head["seq"], hash=head["hash"])
    mismatch = check_anchor(anchor)
    if mismatch is not None:
        raise BackupError(f"audit chain does not match the manifest: {mismatch}")
    if count != anchor.seq:
        raise BackupError(
            f"audit chain has {count} entries after restore, the manifest says {anchor.seq}"
        )
    # The session's own connection: on SQLite a second one would wait for its write lock.
    files, _anchor, _revisions = _facts(db.session.connection())
    restored = {f.key: f for f in files}
    for entry in manifest["files"]:
        record = restored.pop(entry["key"], None)
        if record is None:
            raise BackupError(
                f"{entry['table']} #{entry['row_id']} ({entry['key']}) is in the manifest "
                "but not in the restored database"
            )
        if (record.sha256, record.size) != (entry["sha256"], entry["size"]):
            raise BackupError(
                f"{record.table} #{record.row_id} ({record.key}): the restored row's SHA-256 "
                "differs from the manifest"
            )
    if restored:
        key = min(restored)
        raise BackupError(f"restored row for {key} is missing from the manifest")


def _restore_files(archive_path: Path, manifest: dict[str, Any], store: FileStore) -> int:
    by_member = {FILES_PREFIX + f["key"]: f for f in manifest["files"]}
    count = 0
    with tarfile.open(archive_path, "r:") as archive:
        for info, fileobj in _members(archive):
            entry = by_member.get(info.name)
            if entry is None:
                continue  # the manifest and the dump, checked before
            blob = store.save(entry["key"], fileobj, entry["content_type"])
            if (blob.sha256, blob.size) != (entry["sha256"], entry["size"]):
                store.delete(entry["key"])
                raise BackupError(
                    f"{entry['key']}: the stored copy's SHA-256 {blob.sha256[:16]}… differs "
                    f"from the manifest {entry['sha256'][:16]}…"
                )
            count += 1
    return count


def restore_backup(archive_path: Path, *, store: FileStore, database_url: str) -> RestoreReport:
    """Restore into an empty instance; raises BackupError at the first mismatch. The
    `instance.restored` audit entry is left for the caller to commit."""
    from portal.account.models import SYSTEM
    from portal.audit.services import record
    from portal.cli import ensure_sqlite_dir

    url = sa.make_url(database_url)
    ensure_sqlite_dir(database_url)
    _require_empty(url, store)
    manifest = verify_archive(archive_path)
    _restore_database(archive_path, manifest, url)
    db.session.remove()
    _verify_database(manifest)
    files = _restore_files(archive_path, manifest, store)
    record(
        SYSTEM,
        "instance.restored",
        data={
            "backup_created_at": manifest["created_at"],
            "files": files,
            "audit_seq": manifest["audit_head"]["seq"],
        },
    )
    return RestoreReport(
        engine=manifest["database"]["engine"], files=files, audit_seq=manifest["audit_head"]["seq"]
    )
