"""Retention: a closed contract's exchange is read only; its documents are
deleted only after Contract.retention_years from closed_at, by the section's 保護管理者,
audited; the access records stay."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.account.models import Role
from portal.audit.models import AuditEntry
from portal.contract.models import ContractStatus
from portal.errors import PortalError
from portal.exchange import jobs, services
from portal.exchange.models import (
    ExchangeDocument,
    ExchangeFolder,
    ExchangeStagedUpload,
    ExchangeVersion,
)
from portal.filestore import get_filestore
from portal.notification.models import Notification
from tests.exchange.factories import NOW, Setup, fetch, pdf_with_properties, upload, write
from tests.factories import make_user

CLOSED = datetime(2020, 3, 31, 3, 0, tzinfo=UTC)


def _close(s, *, years=5, closed_at=CLOSED):
    s.contract.status = ContractStatus.CLOSED
    s.contract.closed_at = closed_at
    s.contract.retention_years = years


@pytest.fixture
def closed(db, tmp_path):
    s = Setup()
    folder = services.create_folder(actor=s.clerk, space=s.space, name="資料")
    version = upload(tmp_path, actor=s.clerk, space=s.space, folder=folder, personal_info=True)
    services.upload_version(
        actor=s.vendor,
        document=version.document,
        path=write(tmp_path, b"a,b\r\n3,4\r\n"),
        filename="v2.csv",
        now=NOW,
    )
    services.add_comment(actor=s.vendor, document=version.document, body="確認しました", now=NOW)
    services.record_access(actor=s.vendor, versions=[version], action="downloaded", now=NOW)
    _close(s)
    return s, version


def test_a_closed_contracts_space_is_read_only_but_still_readable(closed, login_as, csrf_token):
    s, version = closed
    client = login_as(s.vendor)
    space_url = f"/exchange/spaces/{s.space.id}"
    page = client.get(space_url).get_data(as_text=True)
    token = csrf_token(f"/exchange/documents/{version.document_id}")

    upload_post = client.post(
        f"{space_url}/documents",
        data={"csrf_token": token, "file": (io.BytesIO(b"a,b\r\n1,2\r\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    folder_post = client.post(f"{space_url}/folders", data={"csrf_token": token, "name": "新"})
    comment_post = client.post(
        f"/exchange/documents/{version.document_id}/comments",
        data={"csrf_token": token, "body": "追加"},
    )
    download = fetch(client, f"/exchange/versions/{version.id}/download")

    assert 'data-testid="read-only"' in page
    assert "アップロードして共有" not in page
    assert [upload_post.status_code, folder_post.status_code, comment_post.status_code] == [403] * 3
    assert download.status_code == 200


def test_services_refuse_changes_to_a_closed_contracts_exchange(closed, tmp_path):
    s, version = closed

    with pytest.raises(PortalError):
        services.upload_document(
            actor=s.clerk,
            space=s.space,
            folder=None,
            path=write(tmp_path, b"a,b\r\n1,2\r\n"),
            filename="x.csv",
            personal_info=False,
            now=NOW,
        )
    with pytest.raises(PortalError):
        services.add_comment(actor=s.clerk, document=version.document, body="x", now=NOW)
    with pytest.raises(PortalError):
        services.create_folder(actor=s.clerk, space=s.space, name="x")


def test_deletion_before_the_retention_ends_is_refused(closed):
    s, _version = closed
    ends = services.retention_ends_at(s.contract)

    with pytest.raises(PortalError, match="保存期間が終わっていない"):
        services.purge_expired_documents(
            actor=s.manager, contract=s.contract, now=ends - timedelta(seconds=1)
        )

    assert ends == datetime(2025, 3, 31, 3, 0, tzinfo=UTC)


def test_an_open_contracts_documents_cannot_be_deleted(db, tmp_path):
    s = Setup()
    upload(tmp_path, actor=s.clerk, space=s.space)

    with pytest.raises(PortalError, match="完了していない"):
        services.purge_expired_documents(
            actor=s.manager, contract=s.contract, now=NOW + timedelta(days=365 * 50)
        )


def test_after_retention_the_manager_deletes_documents_and_blobs_and_it_is_audited(
    closed, login_as, csrf_token
):
    s, version = closed
    keys = [v.storage_key for v in version.document.versions]
    document_id = version.document_id
    client = login_as(s.manager)
    url = f"/exchange/contracts/{s.contract.id}"

    response = client.post(f"{url}/purge", data={"csrf_token": csrf_token(url)})

    assert response.status_code == 302
    from portal.extensions import db

    assert db.session.scalar(sa.select(sa.func.count(ExchangeDocument.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ExchangeVersion.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ExchangeFolder.id))) == 0
    assert [get_filestore().exists(k) for k in keys] == [False, False]
    purged = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "exchange.document_purged", AuditEntry.object_id == document_id
        )
    )
    assert [v["version"] for v in purged.data["versions"]] == [1, 2]
    assert purged.actor_id == s.manager.id
    records = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "document.downloaded")
    )
    assert records == 1  # the access record outlives the document


def test_only_the_sections_protection_manager_may_delete(closed, login_as, csrf_token):
    s, _version = closed
    url = f"/exchange/contracts/{s.contract.id}/purge"

    clerk = login_as(s.clerk)
    by_clerk = clerk.post(url, data={"csrf_token": csrf_token("/exchange")})
    other = login_as(make_user(Role.PROTECTION_MANAGER))
    by_other = other.post(url, data={"csrf_token": csrf_token("/exchange")})

    assert by_clerk.status_code == 403
    assert by_other.status_code == 404


def test_staged_uploads_of_the_contract_are_deleted_with_its_documents(db, tmp_path):
    s = Setup()
    staged = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="a.pdf",
        personal_info=False,
        now=NOW,
    ).staged
    keys = [staged.storage_key, staged.cleaned_key]
    _close(s)

    unused = services.purge_expired_documents(actor=s.manager, contract=s.contract, now=NOW)

    assert sorted(unused) == sorted(keys)
    assert db.session.scalar(sa.select(ExchangeStagedUpload)) is None


def test_the_job_lists_what_is_eligible_and_tells_the_manager_once(closed, tmp_path):
    s, _version = closed
    not_yet = Setup()
    upload(tmp_path, actor=not_yet.clerk, space=not_yet.space)
    _close(not_yet, closed_at=NOW)  # retention runs until 2031

    first = jobs.purge_expired_exchange_documents(now=NOW)
    second = jobs.purge_expired_exchange_documents(now=NOW)

    from portal.extensions import db

    assert (first, second) == (1, 1)
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "exchange.retention_ended")
    ).all()
    assert [n.user_id for n in notes] == [s.manager.id]
    assert notes[0].url == f"/exchange/contracts/{s.contract.id}"
    assert db.session.scalar(sa.select(sa.func.count(ExchangeDocument.id))) == 2  # none deleted


def test_the_purge_command_lists_eligible_contracts_and_tells_the_manager(app, closed):
    s, _version = closed

    result = app.test_cli_runner().invoke(args=["exchange", "purge-expired"])

    from portal.extensions import db

    assert result.exit_code == 0, result.output
    assert f"{s.contract.number}\t1" in result.output
    assert "eligible documents: 1" in result.output
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "exchange.retention_ended")
    ).all()
    assert told == [s.manager.id]


def test_staged_pdfs_left_undecided_for_a_day_are_discarded(db, tmp_path):
    s = Setup()
    staged = services.upload_document(
        actor=s.clerk,
        space=s.space,
        folder=None,
        path=write(tmp_path, pdf_with_properties()),
        filename="a.pdf",
        personal_info=False,
        now=NOW,
    ).staged
    keys = [staged.storage_key, staged.cleaned_key]

    early = jobs.discard_stale_staged_uploads(now=NOW + timedelta(hours=23))
    late = jobs.discard_stale_staged_uploads(now=NOW + timedelta(hours=25))

    assert (early, late) == (0, 1)
    assert [get_filestore().exists(k) for k in keys] == [False, False]
