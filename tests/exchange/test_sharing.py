"""Sending safely (広島市 第6 7): a city PDF whose properties, XMP or しおり
hold text is shown to its uploader with what was found, and a cleaned copy is offered."""

from __future__ import annotations

import dataclasses
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.audit.models import AuditEntry
from portal.errors import PortalError
from portal.exchange import services
from portal.exchange.models import ExchangeStagedUpload, ExchangeVersion
from portal.filestore import get_filestore
from tests.exchange.factories import (
    NOW,
    Setup,
    fetch,
    pdf_with_javascript,
    pdf_with_properties,
    write,
)


def _upload_form(client, csrf_token, space, data, filename="申請書.pdf"):
    token = csrf_token(f"/exchange/spaces/{space.id}")
    return client.post(
        f"/exchange/spaces/{space.id}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename), "folder_id": "0"},
        content_type="multipart/form-data",
    )


def _staged(db):
    return db.session.scalar(
        sa.select(ExchangeStagedUpload).order_by(ExchangeStagedUpload.id.desc())
    )


def test_a_city_pdf_with_properties_is_held_back_and_the_warning_lists_them(
    db, login_as, csrf_token
):
    s = Setup()
    client = login_as(s.clerk)

    response = _upload_form(client, csrf_token, s.space, pdf_with_properties())

    staged = _staged(db)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/exchange/staged/{staged.id}")
    assert db.session.scalar(sa.select(sa.func.count(ExchangeVersion.id))) == 0  # not shared
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="metadata-warning"' in page
    for text in (
        "タイトル",
        "山田太郎様 申請書",
        "作成者",
        "市民課 山田",
        "山田太郎様の申請",
        "佐藤 花子",
    ):
        assert text in page
    assert "削除した版を共有する" in page


def test_the_warning_is_recorded_without_the_found_text(db, tmp_path):
    s = Setup()

    services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="申請書.pdf",
        personal_info=False,
        now=NOW,
    )

    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "exchange.pdf_metadata_found")
    )
    assert {"/Title", "/Author"} <= set(entry.data["info_keys"])
    assert entry.data["outline_titles"] == 1
    assert "山田" not in str(entry.data)


def test_sending_the_cleaned_copy_shares_a_pdf_without_properties_and_drops_the_original(
    db, login_as, csrf_token
):
    s = Setup()
    client = login_as(s.clerk)
    location = _upload_form(client, csrf_token, s.space, pdf_with_properties()).headers["Location"]
    staged = _staged(db)
    original_key, cleaned_key = staged.storage_key, staged.cleaned_key

    response = client.post(location, data={"csrf_token": csrf_token(location), "choice": "cleaned"})

    assert response.status_code == 302
    version = db.session.scalar(sa.select(ExchangeVersion))
    assert version.cleaned is True
    assert version.storage_key == cleaned_key
    store = get_filestore()
    assert not store.exists(original_key)
    assert db.session.scalar(sa.select(ExchangeStagedUpload)) is None
    got = fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")
    reader = PdfReader(io.BytesIO(got.data))
    assert not (reader.metadata or {}).get("/Title")
    assert not (reader.metadata or {}).get("/Author")
    assert reader.outline == []
    assert reader.xmp_metadata is None
    assert len(reader.pages) == 1


def test_the_original_cannot_be_sent_where_the_city_keeps_no_originals(db, tmp_path):
    s = Setup()
    staged = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="申請書.pdf",
        personal_info=True,
        now=NOW,
    ).staged

    with pytest.raises(PortalError) as err:
        services.send_staged_upload(actor=s.clerk, staged=staged, choice="original", now=NOW)

    assert err.value.code == "original_not_allowed"
    assert "保護管理者" in err.value.message


def test_a_protection_manager_may_send_the_original_where_the_city_keeps_originals(
    db, tmp_path, app, monkeypatch
):
    config = app.extensions["portal_config"]
    monkeypatch.setitem(
        app.extensions, "portal_config", dataclasses.replace(config, keep_original_uploads=True)
    )
    s = Setup()
    s.clerk = s.manager
    staged = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="申請書.pdf",
        personal_info=True,
        now=NOW,
    ).staged
    cleaned_key = staged.cleaned_key

    version, unused = services.send_staged_upload(
        actor=s.clerk, staged=staged, choice="original", now=NOW
    )

    assert version.cleaned is False
    assert version.document.personal_info is True
    assert unused == [cleaned_key]
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "exchange.pdf_sent_original" in actions


def test_cancelling_shares_nothing_and_deletes_both_copies(db, login_as, csrf_token):
    s = Setup()
    client = login_as(s.clerk)
    location = _upload_form(client, csrf_token, s.space, pdf_with_properties()).headers["Location"]
    staged = _staged(db)
    keys = [staged.storage_key, staged.cleaned_key]

    client.post(location, data={"csrf_token": csrf_token(location), "choice": "cancel"})

    assert db.session.scalar(sa.select(sa.func.count(ExchangeVersion.id))) == 0
    assert [get_filestore().exists(k) for k in keys] == [False, False]
    assert client.get(location).status_code == 404


def test_only_the_uploader_sees_the_held_back_pdf(db, tmp_path, login_as):
    s = Setup()
    staged = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="申請書.pdf",
        personal_info=False,
        now=NOW,
    ).staged

    other = login_as(s.manager).get(f"/exchange/staged/{staged.id}")

    assert other.status_code == 404


def test_a_contractor_pdf_with_properties_is_shared_cleaned_and_the_contractor_told(db, tmp_path):
    s = Setup()

    outcome = services.upload_document(
        actor=s.vendor,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="報告書.pdf",
        personal_info=False,
        now=NOW,
    )

    assert outcome.staged is None
    assert outcome.version.cleaned is True
    assert outcome.removed == ("PDFのプロパティとしおりを削除しました（氏名を含んでいました）。",)
    with get_filestore().open(outcome.version.storage_key) as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    assert not (reader.metadata or {}).get("/Author")
    assert reader.outline == []


def test_a_new_city_version_with_properties_is_held_back_too(db, tmp_path):
    from tests.exchange.factories import plain_pdf, upload

    s = Setup()
    first = upload(tmp_path, actor=s.clerk, space=s.space, data=plain_pdf(), filename="a.pdf")

    outcome = services.upload_version(
        actor=s.clerk,
        document=first.document,
        path=write(tmp_path, pdf_with_properties()),
        filename="a.pdf",
        now=NOW,
    )
    version, _ = services.send_staged_upload(
        actor=s.clerk, staged=outcome.staged, choice="cleaned", now=NOW
    )

    assert outcome.version is None
    assert (version.document_id, version.number) == (first.document_id, 2)


def test_a_city_pdf_with_javascript_is_held_back_and_the_cleaned_copy_has_none(db, tmp_path):
    s = Setup()

    staged = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_javascript()),
        filename="form.pdf",
        personal_info=False,
        now=NOW,
    ).staged
    version, _ = services.send_staged_upload(
        actor=s.clerk, staged=staged, choice="cleaned", now=NOW
    )

    assert "JavaScript" in staged.findings["active"]
    assert version.has_active_content is False


def test_a_clean_city_pdf_is_shared_at_once(db, tmp_path):
    from tests.exchange.factories import plain_pdf

    s = Setup()

    outcome = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, plain_pdf()),
        filename="clean.pdf",
        personal_info=False,
        now=NOW,
    )

    assert outcome.staged is None
    assert outcome.version.page_count == 1


def test_the_choice_must_be_one_of_the_offered_ones(db, tmp_path, login_as, csrf_token):
    s = Setup()
    staged = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="申請書.pdf",
        personal_info=False,
        now=NOW,
    ).staged
    client = login_as(s.clerk)
    url = f"/exchange/staged/{staged.id}"

    response = client.post(url, data={"csrf_token": csrf_token(url), "choice": "publish"})

    assert response.status_code == 302
    assert _staged(db) is not None
