"""Access records (入間市 第20条): every view and download records who, when, which version and
from where, in the append-only audit store; 保護管理者 (own section), auditors and the chief
search and export them."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from portal.account.models import Role
from portal.audit.models import AuditEntry
from portal.exchange import services
from tests.exchange.factories import NOW, Setup, fetch, plain_pdf, upload
from tests.factories import make_user


def _records(db, action=None):
    stmt = sa.select(AuditEntry).where(AuditEntry.action.in_(services.ACCESS_ACTIONS))
    if action:
        stmt = sa.select(AuditEntry).where(AuditEntry.action == action)
    return db.session.scalars(stmt.order_by(AuditEntry.seq)).all()


def test_every_download_is_recorded_with_who_when_which_version_and_from_where(
    db, tmp_path, login_as
):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    client = login_as(s.vendor)

    fetch(client, f"/exchange/versions/{version.id}/download")
    fetch(client, f"/exchange/versions/{version.id}/download")

    records = _records(db)
    assert len(records) == 2
    entry = records[-1]
    assert entry.action == "document.downloaded"
    assert (entry.actor_id, entry.contract_id) == (s.vendor.id, s.contract.id)
    assert (entry.object_type, entry.object_id) == ("ExchangeDocument", version.document_id)
    assert entry.data["version_id"] == version.id
    assert entry.data["version"] == 1
    assert entry.data["personal_info"] is False
    assert entry.ip == "127.0.0.1"
    assert entry.created_at is not None


def test_every_inline_view_is_recorded_as_a_view(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space, data=plain_pdf(), filename="a.pdf")

    fetch(login_as(s.clerk), f"/exchange/versions/{version.id}/view")

    assert [e.action for e in _records(db)] == ["document.viewed"]


def test_views_by_city_wide_readers_are_recorded_too(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space)
    auditor = make_user(Role.AUDITOR)

    fetch(login_as(auditor), f"/exchange/versions/{version.id}/download")

    assert [e.actor_id for e in _records(db)] == [auditor.id]


def test_a_zip_download_records_every_file_in_it(db, tmp_path, login_as):
    s = Setup()
    folder = services.create_folder(actor=s.clerk, space=s.space, name="資料")
    versions = [
        upload(tmp_path, actor=s.clerk, space=s.space, folder=folder, filename=f"{n}.csv")
        for n in range(3)
    ]

    response = login_as(s.vendor).get(f"/exchange/folders/{folder.id}/zip")
    response.get_data()
    response.close()

    records = _records(db)
    assert sorted(e.data["version_id"] for e in records) == sorted(v.id for v in versions)
    assert {e.data["via"] for e in records} == {"zip"}
    assert {e.data["folder_id"] for e in records} == {folder.id}


def test_records_of_personal_information_documents_are_marked_and_filtered(db, tmp_path, login_as):
    s = Setup()
    marked = upload(tmp_path, actor=s.clerk, space=s.space, personal_info=True)
    plain = upload(tmp_path, actor=s.clerk, space=s.space)
    services.record_access(actor=s.vendor, versions=[marked, plain], action="downloaded", now=NOW)

    everything = db.session.scalars(
        services.access_records_query(s.manager, services.AccessFilter())
    ).all()
    personal = db.session.scalars(
        services.access_records_query(s.manager, services.AccessFilter(personal_only=True))
    ).all()

    assert len(everything) == 2
    assert [e.data["version_id"] for e in personal] == [marked.id]


def test_a_protection_manager_sees_only_the_records_of_own_section(db, tmp_path, login_as):
    mine, theirs = Setup(), Setup()
    for s in (mine, theirs):
        v = upload(tmp_path, actor=s.clerk, space=s.space)
        services.record_access(actor=s.vendor, versions=[v], action="downloaded", now=NOW)

    page = login_as(mine.manager).get("/exchange/access-records").get_data(as_text=True)
    auditor_page = login_as(make_user(Role.AUDITOR)).get("/exchange/access-records")

    assert mine.contract.number in page
    assert theirs.contract.number not in page
    text = auditor_page.get_data(as_text=True)
    assert mine.contract.number in text
    assert theirs.contract.number in text


def test_the_access_records_export_as_csv_with_version_and_ip(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space, personal_info=True)
    fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")

    response = login_as(make_user(Role.CHIEF)).get("/exchange/access-records.csv?personal=1")

    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert len(rows) == 2
    assert record["操作"] == "ダウンロード"
    assert record["操作者"] == s.vendor.name
    assert record["契約番号"] == s.contract.number
    assert record["版ID"] == str(version.id)
    assert record["個人情報含む"] == "はい"
    assert record["IPアドレス"] == "127.0.0.1"


def test_the_search_filters_by_actor_contract_document_and_kind(db, tmp_path):
    s, other = Setup(), Setup()
    a = upload(tmp_path, actor=s.clerk, space=s.space)
    b = upload(tmp_path, actor=other.clerk, space=other.space)
    services.record_access(actor=s.vendor, versions=[a], action="viewed", now=NOW)
    services.record_access(actor=other.vendor, versions=[b], action="downloaded", now=NOW)
    chief = make_user(Role.CHIEF)

    def found(**kw):
        query = services.access_records_query(chief, services.AccessFilter(**kw))
        return [e.data["version_id"] for e in db.session.scalars(query)]

    assert found(actor=s.vendor.name) == [a.id]
    assert found(contract=other.contract.number) == [b.id]
    assert found(document_id=a.document_id) == [a.id]
    assert found(action="downloaded") == [b.id]
    assert found(actor="%") == []  # LIKE wildcards are literal


def test_an_access_record_cannot_be_changed_or_deleted_even_with_sql(db, tmp_path):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    services.record_access(actor=s.vendor, versions=[version], action="downloaded", now=NOW)
    entry = _records(db)[-1]

    for statement in (
        sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(actor_label="x"),
        sa.delete(AuditEntry).where(AuditEntry.id == entry.id),
    ):
        with pytest.raises(DBAPIError), db.session.begin_nested():
            db.session.execute(statement)

    assert db.session.get(AuditEntry, entry.id).actor_label == s.vendor.name


def test_no_exchange_route_changes_or_deletes_an_audit_entry(app):
    # 第20条第2項: the only writers are record(); no endpoint edits the log, admins included.
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("exchange.")]
    writing = {r.endpoint for r in rules if r.methods & {"POST", "PUT", "PATCH", "DELETE"}}

    assert not any("record" in e or "audit" in e for e in writing)
    assert "exchange.access_records" not in writing
    assert "exchange.access_records_csv" not in writing


def test_hostile_search_arguments_are_ignored_instead_of_failing(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    services.record_access(actor=s.vendor, versions=[version], action="downloaded", now=NOW)
    client = login_as(make_user(Role.CHIEF))
    query = "document=%C2%B2&from=0001-01-01&to=2026-02-30&endpoint=x&_scheme=ftp"

    page = client.get(f"/exchange/access-records?{query}")
    huge = client.get("/exchange/access-records?document=99999999999999999999")
    export = client.get(f"/exchange/access-records.csv?{query}")

    assert [page.status_code, huge.status_code, export.status_code] == [200, 200, 200]
    assert s.vendor.name in page.get_data(as_text=True)
    assert s.vendor.name in huge.get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(export.get_data(as_text=True))))) == 2


def test_a_zip_download_reads_the_folder_in_the_same_queries_whatever_its_size(
    db, tmp_path, login_as, count_queries
):
    s = Setup()
    small = services.create_folder(actor=s.clerk, space=s.space, name="少")
    large = services.create_folder(actor=s.clerk, space=s.space, name="多")
    for folder, n in ((small, 2), (large, 8)):
        for i in range(n):
            upload(tmp_path, actor=s.clerk, space=s.space, folder=folder, filename=f"{i}.csv")
    client = login_as(s.vendor)

    def reads(folder):
        with count_queries() as statements:
            response = client.get(f"/exchange/folders/{folder.id}/zip")
            response.get_data()
            response.close()
        # Each file adds its access record and read receipt; nothing else may grow.
        return [q for q in statements if q.startswith("SELECT") and "exchange_" in q]

    assert len(reads(large)) == len(reads(small))
