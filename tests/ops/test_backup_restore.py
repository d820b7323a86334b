"""`portal backup` then `portal restore` into an empty instance gives back the same data and
the same files, with the audit chain verified; a damaged archive or a non-empty target stops
the restore with a message naming what is wrong.

Runs on SQLite in the SQLite run and on PostgreSQL (pg_dump / pg_restore) in the PostgreSQL
run, each with the local folder store and with S3 (moto server)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.db import Base
from portal.model_registry import import_all_models
from tests.fixtures.s3 import make_s3_client

AUDIT_TABLES = {"audit_entries", "audit_chain_head"}


def _rows(instance, table: sa.Table) -> list[tuple]:
    with instance.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))]


def _blobs(instance) -> dict[str, str]:
    """Every stored file's SHA-256, read back from the store itself."""
    if instance.storage_dir is not None:
        return {
            str(p.relative_to(instance.storage_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in instance.storage_dir.rglob("*")
            if p.is_file()
        }
    client = make_s3_client(instance.env["S3_ENDPOINT_URL"])
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=instance.bucket):
        for obj in page.get("Contents", []):
            body = client.get_object(Bucket=instance.bucket, Key=obj["Key"])["Body"].read()
            found[obj["Key"]] = hashlib.sha256(body).hexdigest()
    return found


def _seeded(make_instance, backend: str):
    source = make_instance("source", backend)
    source.portal("db", "upgrade")
    source.portal("demo", "load")
    return source


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_backup_restored_into_an_empty_instance_has_the_same_rows_files_and_chain(
    make_instance, tmp_path, backend
):
    source = _seeded(make_instance, backend)
    target = make_instance("target", backend)

    backup = source.portal("backup", str(tmp_path))
    (archive,) = tmp_path.glob("portal-backup-*.tar")
    restore = target.portal("restore", str(archive))
    verify = target.portal("audit", "verify", "--anchor", str(archive))

    assert backup.stdout.startswith("OK: ")
    assert "13 files" in backup.stdout
    assert "13 files verified" in restore.stdout
    assert "chain intact, contains anchor" in verify.stdout
    import_all_models()
    compared = 0
    for table in Base.metadata.sorted_tables:
        if table.name in AUDIT_TABLES:
            continue
        assert _rows(target, table) == _rows(source, table), table.name
        compared += 1
    assert compared > 20
    entries = Base.metadata.tables["audit_entries"]
    before, after = _rows(source, entries), _rows(target, entries)
    assert after[:-1] == before
    assert len(before) > 50
    with target.engine.connect() as conn:
        last = conn.execute(sa.select(entries.c.action).order_by(entries.c.seq.desc())).first()
    assert last is not None
    assert last.action == "instance.restored"
    blobs = _blobs(source)
    assert len(blobs) == 13
    assert _blobs(target) == blobs


@pytest.fixture
def archive(make_instance, tmp_path) -> tuple[Path, dict]:
    source = _seeded(make_instance, "local")
    source.portal("backup", str(tmp_path / "backup.tar"))
    with tarfile.open(tmp_path / "backup.tar") as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        manifest = json.load(member)
    return tmp_path / "backup.tar", manifest


def _rewrite(src: Path, dest: Path, name: str, change) -> None:
    with tarfile.open(src) as old, tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as new:
        for info in old:
            data = old.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == name:
                data = change(data)
                info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def test_a_restore_stops_at_a_file_whose_bytes_differ_from_the_manifest(
    make_instance, archive, tmp_path
):
    path, manifest = archive
    key = manifest["files"][3]["key"]
    damaged = tmp_path / "damaged.tar"
    _rewrite(path, damaged, f"files/{key}", lambda b: b[:-1] + bytes([b[-1] ^ 1]))
    target = make_instance("target")

    result = target.portal("restore", str(damaged), check=False)

    assert result.returncode == 1
    assert f"files/{key}" in result.stderr
    assert "SHA-256" in result.stderr
    # Checked before anything was written: the target is still empty.
    assert sa.inspect(target.engine).get_table_names() == []
    assert not target.storage_dir.exists() or not any(target.storage_dir.rglob("*"))


def test_a_restore_stops_when_the_manifest_head_is_not_in_the_restored_chain(
    make_instance, archive, tmp_path
):
    path, manifest = archive
    forged = dict(manifest, audit_head={"seq": manifest["audit_head"]["seq"] + 3, "hash": "a" * 64})
    damaged = tmp_path / "forged.tar"
    _rewrite(path, damaged, "manifest.json", lambda _b: json.dumps(forged).encode())
    target = make_instance("target")

    result = target.portal("restore", str(damaged), check=False)

    assert result.returncode == 1
    assert "entries were removed from the end" in result.stderr


def test_a_restore_refuses_an_instance_that_already_has_data(make_instance, archive):
    path, _manifest = archive
    target = make_instance("target")
    target.portal("db", "upgrade")

    result = target.portal("restore", str(path), check=False)

    assert result.returncode == 1
    assert "is not empty" in result.stderr
    assert "restore needs an empty database" in result.stderr


def test_a_backup_stops_at_a_stored_file_that_no_longer_matches_its_record(make_instance, tmp_path):
    source = _seeded(make_instance, "local")
    blob = sorted(p for p in source.storage_dir.rglob("*") if p.is_file())[0]
    blob.write_bytes(blob.read_bytes() + b"tampered")

    result = source.portal("backup", str(tmp_path / "out.tar"), check=False)

    assert result.returncode == 1
    assert str(blob.relative_to(source.storage_dir)) in result.stderr
    assert "longer than its record" in result.stderr
    assert not (tmp_path / "out.tar").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
