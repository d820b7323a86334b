"""Both directions of exchange, versions, comments and read receipts."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.exchange import services
from portal.exchange.models import (
    CITY_PARTY,
    ExchangeDocument,
    ExchangeVersion,
    company_party,
)
from portal.notification.models import Notification
from tests.exchange.factories import NOW, Setup, fetch, upload


def _space_url(space):
    return f"/exchange/spaces/{space.id}"


def _post_upload(client, csrf_token, space, data, filename, **fields):
    token = csrf_token(_space_url(space))
    form = {"csrf_token": token, "file": (io.BytesIO(data), filename), "folder_id": "0", **fields}
    return client.post(
        f"/exchange/spaces/{space.id}/documents", data=form, content_type="multipart/form-data"
    )


def test_city_staff_upload_a_document_that_the_contractor_downloads(db, login_as, csrf_token):
    s = Setup()
    client = login_as(s.clerk)

    response = _post_upload(
        client, csrf_token, s.space, "番号,区分\r\n1,A\r\n".encode(), "一覧.csv"
    )

    assert response.status_code == 302
    document = db.session.scalar(
        sa.select(ExchangeDocument).where(ExchangeDocument.space_id == s.space.id)
    )
    version = document.current_version
    assert (version.number, version.uploaded_by_id, version.file_kind) == (1, s.clerk.id, "csv")
    client = login_as(s.vendor)
    got = fetch(client, f"/exchange/versions/{version.id}/download")
    assert got.status_code == 200
    assert got.data == "番号,区分\r\n1,A\r\n".encode()


def test_contractor_uploads_a_document_that_the_city_downloads(db, login_as, csrf_token):
    s = Setup()
    client = login_as(s.vendor)

    response = _post_upload(client, csrf_token, s.space, b"report\r\nline 2\r\n", "report.txt")

    assert response.status_code == 302
    version = db.session.scalar(sa.select(ExchangeVersion).order_by(ExchangeVersion.id.desc()))
    assert version.uploaded_by_id == s.vendor.id
    client = login_as(s.clerk)
    assert (
        fetch(client, f"/exchange/versions/{version.id}/download").data == b"report\r\nline 2\r\n"
    )


def test_a_new_upload_of_a_document_is_a_new_version_and_the_old_one_stays(db, tmp_path):
    s = Setup()
    first = upload(tmp_path, actor=s.clerk, space=s.space, data=b"a,b\r\n1,2\r\n", now=NOW)

    outcome = services.upload_version(
        actor=s.vendor,
        document=first.document,
        path=_file(tmp_path, b"a,b\r\n1,3\r\n"),
        filename="資料_修正.csv",
        now=NOW + timedelta(hours=1),
    )

    document = first.document
    assert [v.number for v in document.versions] == [1, 2]
    assert document.current_version is outcome.version
    assert (outcome.version.uploaded_by_id, outcome.version.created_at) == (
        s.vendor.id,
        NOW + timedelta(hours=1),
    )
    assert first.storage_key != outcome.version.storage_key
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_id == document.id)
    ).all()
    assert actions[-2:] == ["exchange.document_uploaded", "exchange.version_uploaded"]


def test_read_receipt_shows_unread_until_the_other_party_downloads(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    client = login_as(s.clerk)
    before = client.get(f"/exchange/documents/{version.document_id}").get_data(as_text=True)

    fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")

    after = login_as(s.clerk).get(f"/exchange/documents/{version.document_id}")
    text = after.get_data(as_text=True)
    assert "受託者 未読" in before
    assert re.search(r"受託者 既読 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    assert re.search(r"市 既読 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)  # the uploader's own side


def test_read_receipts_are_per_version(db, tmp_path):
    s = Setup()
    v1 = upload(tmp_path, actor=s.vendor, space=s.space)
    services.record_access(actor=s.clerk, versions=[v1], action="downloaded", now=NOW)

    v2 = services.upload_version(
        actor=s.vendor,
        document=v1.document,
        path=_file(tmp_path, b"x,y\r\n1,2\r\n"),
        filename="v2.csv",
        now=NOW,
    ).version

    assert v1.receipt_for(CITY_PARTY) is not None
    assert v2.receipt_for(CITY_PARTY) is None
    assert v2.receipt_for(company_party(s.company.id)) is not None


def test_a_city_wide_reader_leaves_no_read_receipt(db, tmp_path):
    from portal.account.models import Role
    from tests.factories import make_user

    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space)

    services.record_access(
        actor=make_user(Role.AUDITOR), versions=[version], action="downloaded", now=NOW
    )

    assert version.receipt_for(CITY_PARTY) is None


def test_both_sides_comment_and_the_other_side_is_notified(db, tmp_path, login_as, csrf_token):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    client = login_as(s.vendor)
    url = f"/exchange/documents/{version.document_id}"

    response = client.post(
        f"{url}/comments", data={"csrf_token": csrf_token(url), "body": "受領しました。"}
    )

    assert response.status_code == 302
    page = login_as(s.clerk).get(url).get_data(as_text=True)
    assert "受領しました。" in page
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == s.clerk.id)
    ).all()
    assert "exchange.comment_added" in kinds


def test_the_contractor_is_notified_of_a_city_upload_without_the_file_name(db, tmp_path):
    s = Setup()

    upload(tmp_path, actor=s.clerk, space=s.space, filename="山田太郎様.csv")

    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == s.vendor.id))
    assert note.kind == "exchange.document_shared"
    assert "山田" not in note.subject + note.body


def test_marking_personal_information_is_audited_and_only_the_city_unmarks(
    db, tmp_path, login_as, csrf_token
):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    url = f"/exchange/documents/{version.document_id}"
    vendor = login_as(s.vendor)

    marked = vendor.post(f"{url}/personal-info", data={"csrf_token": csrf_token(url), "value": "1"})
    unmark_by_vendor = vendor.post(
        f"{url}/personal-info", data={"csrf_token": csrf_token(url), "value": "0"}
    )

    assert marked.status_code == 302
    assert unmark_by_vendor.status_code == 403
    assert version.document.personal_info is True
    clerk = login_as(s.clerk)
    clerk.post(f"{url}/personal-info", data={"csrf_token": csrf_token(url), "value": "0"})
    assert version.document.personal_info is False
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_id == version.document_id)
    ).all()
    assert "exchange.personal_info_marked" in actions
    assert "exchange.personal_info_unmarked" in actions


def test_folders_are_created_in_a_space_and_documents_go_into_them(
    db, tmp_path, login_as, csrf_token
):
    s = Setup()
    client = login_as(s.clerk)
    token = csrf_token(_space_url(s.space))

    client.post(
        f"/exchange/spaces/{s.space.id}/folders", data={"csrf_token": token, "name": "仕様書"}
    )
    duplicate = client.post(
        f"/exchange/spaces/{s.space.id}/folders", data={"csrf_token": token, "name": "仕様書"}
    )

    db.session.refresh(s.space)
    folder = s.space.folders[0]
    assert [f.name for f in s.space.folders] == ["仕様書"]
    assert duplicate.status_code == 302
    version = upload(tmp_path, actor=s.vendor, space=s.space, folder=folder)
    assert version.document.folder_id == folder.id


def test_space_page_query_count_does_not_grow_with_documents(db, tmp_path, login_as, count_queries):
    s = Setup()
    for _ in range(2):
        upload(tmp_path, actor=s.clerk, space=s.space)
    client = login_as(s.vendor)
    with count_queries() as few:
        client.get(_space_url(s.space))
    for _ in range(6):
        upload(tmp_path, actor=s.vendor, space=s.space)

    with count_queries() as many:
        response = client.get(_space_url(s.space))

    assert response.status_code == 200
    assert len(many) == len(few)


def _file(tmp_path, data):
    from tests.exchange.factories import write

    return write(tmp_path, data)


def test_an_upload_into_another_spaces_folder_or_a_garbage_folder_is_refused(
    db, login_as, csrf_token
):
    s, other = Setup(), Setup()
    foreign = services.create_folder(actor=other.clerk, space=other.space, name="他")
    client = login_as(s.clerk)

    pages = [
        _post_upload(client, csrf_token, s.space, b"a,b\r\n1,2\r\n", "x.csv", folder_id=value)
        for value in (str(foreign.id), "abc")
    ]

    assert [p.status_code for p in pages] == [302, 302]
    assert db.session.scalar(sa.select(sa.func.count(ExchangeDocument.id))) == 0
    page = client.get(_space_url(s.space)).get_data(as_text=True)
    assert "フォルダの指定が正しくありません。" in page


def test_document_page_query_count_does_not_grow_with_versions_and_comments(
    db, tmp_path, login_as, count_queries
):
    from portal.account.models import Role
    from tests.factories import make_user

    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    url = f"/exchange/documents/{version.document_id}"
    client = login_as(s.clerk)
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(5):
        services.upload_version(
            actor=s.vendor,
            document=version.document,
            path=_file(tmp_path, b"a,b\r\n1,%d\r\n" % n),
            filename=f"v{n}.csv",
            now=NOW,
        )
        author = make_user(Role.CONTRACTOR, company=s.company)
        services.add_comment(actor=author, document=version.document, body=f"確認{n}", now=NOW)

    with count_queries() as many:
        response = client.get(url)

    assert response.get_data(as_text=True).count('data-testid="version-row"') == 6
    assert len(many) == len(few)


def test_the_contract_search_takes_percent_and_underscore_literally(db, login_as):
    s = Setup()
    client = login_as(s.clerk)

    everything = client.get("/exchange?q=%25").get_data(as_text=True)
    by_number = client.get(f"/exchange?q={s.contract.number}").get_data(as_text=True)

    assert s.contract.number not in everything
    assert s.contract.number in by_number
