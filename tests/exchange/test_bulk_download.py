"""The bulk-download warning (入間市 第21条): past the profile's count or bytes within its window
the portal warns BEFORE continuing; confirming is recorded and the section's 保護管理者 and the
auditors are told. A folder ZIP counts every file in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.account.models import Role
from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.exchange import services
from portal.exchange.models import ExchangeTransfer
from portal.notification.models import Notification
from portal.profile import current_profile
from tests.exchange.factories import Setup, fetch, upload
from tests.factories import make_user


def _prior(user, contract, *, files=0, size=0, minutes_ago=1):
    from portal.extensions import db

    db.session.add(
        ExchangeTransfer(
            user_id=user.id,
            contract_id=contract.id,
            file_count=files,
            byte_count=size,
            created_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.session.flush()


def _is_warning(response):
    return response.mimetype == "text/html" and 'data-testid="bulk-warning"' in response.get_data(
        as_text=True
    )


def _is_file(response):
    return response.headers.get("Content-Disposition", "").startswith("attachment;")


@pytest.mark.parametrize(
    ("offset", "warned"),
    [(-1, False), (0, False), (1, True)],
    ids=["one-below", "at-threshold", "one-above"],
)
def test_file_count_boundary(db, tmp_path, login_as, offset, warned):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    limit = current_profile().downloads.max_files
    _prior(s.vendor, s.contract, files=limit - 1 + offset)  # + this download = limit + offset

    response = fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")

    assert _is_warning(response) is warned
    assert _is_file(response) is not warned


@pytest.mark.parametrize(
    ("offset", "warned"),
    [(-1, False), (0, False), (1, True)],
    ids=["one-below", "at-threshold", "one-above"],
)
def test_byte_boundary(db, tmp_path, login_as, offset, warned):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    limit = current_profile().downloads.max_bytes
    _prior(s.vendor, s.contract, files=0, size=limit - version.size + offset)

    response = fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")

    assert _is_warning(response) is warned
    assert _is_file(response) is not warned


@pytest.mark.parametrize(
    ("offset", "warned"),
    [(-1, False), (0, False), (1, True)],
    ids=["one-below", "at-threshold", "one-above"],
)
def test_a_folder_zip_counts_every_file_in_it(db, tmp_path, login_as, offset, warned):
    s = Setup()
    folder = services.create_folder(actor=s.clerk, space=s.space, name="納品物")
    for n in range(3):
        upload(tmp_path, actor=s.clerk, space=s.space, folder=folder, filename=f"{n}.csv")
    limit = current_profile().downloads.max_files
    _prior(s.vendor, s.contract, files=limit - 3 + offset)

    response = fetch(login_as(s.vendor), f"/exchange/folders/{folder.id}/zip")

    assert _is_warning(response) is warned
    assert _is_file(response) is not warned


def test_the_warning_comes_before_anything_is_served_and_is_recorded(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    _prior(s.vendor, s.contract, files=current_profile().downloads.max_files)

    response = fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")

    assert _is_warning(response)
    assert version.storage_key not in response.get_data(as_text=True)
    warned = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "exchange.bulk_download_warned")
    ).all()
    assert len(warned) == 1
    assert warned[0].data["window_files"] == current_profile().downloads.max_files + 1
    downloads = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "document.downloaded")
    )
    assert downloads == 0


def test_confirming_downloads_records_it_and_tells_the_managers_and_auditors(
    db, tmp_path, login_as, csrf_token
):
    s = Setup()
    auditor = make_user(Role.AUDITOR)
    other_manager = make_user(Role.PROTECTION_MANAGER)
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    _prior(s.vendor, s.contract, files=current_profile().downloads.max_files)
    client = login_as(s.vendor)
    url = f"/exchange/versions/{version.id}/download"

    token = csrf_token(url)  # the warning page carries the confirmation form
    response = fetch(client, url, method="POST", data={"csrf_token": token})

    assert _is_file(response)
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-2:] == ["exchange.bulk_download_confirmed", "document.downloaded"]
    told = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "exchange.bulk_download")
        )
    )
    assert {s.manager.id, auditor.id} <= told
    assert other_manager.id not in told
    assert s.clerk.id not in told


def test_a_confirmation_without_a_csrf_token_is_refused(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    _prior(s.vendor, s.contract, files=current_profile().downloads.max_files)

    response = fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download", "POST")

    assert response.status_code == 400
    assert not _is_file(response)


def test_transfers_before_the_window_do_not_count(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    rules = current_profile().downloads
    _prior(s.vendor, s.contract, files=rules.max_files, minutes_ago=rules.window_minutes + 1)

    response = fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")

    assert _is_file(response)


def test_inline_views_count_and_are_warned_like_downloads(db, tmp_path, login_as):
    from tests.exchange.factories import plain_pdf

    s = Setup()
    version = upload(tmp_path, actor=s.vendor, space=s.space, data=plain_pdf(), filename="a.pdf")
    _prior(s.clerk, s.contract, files=current_profile().downloads.max_files)

    response = fetch(login_as(s.clerk), f"/exchange/versions/{version.id}/view")

    assert _is_warning(response)


def test_other_users_transfers_do_not_count(db, tmp_path, login_as):
    s = Setup()
    version = upload(tmp_path, actor=s.clerk, space=s.space)
    _prior(s.clerk, s.contract, files=current_profile().downloads.max_files * 2)

    response = fetch(login_as(s.vendor), f"/exchange/versions/{version.id}/download")

    assert _is_file(response)
