"""The import screens: templates, upload → preview → apply, who may import what."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from portal.contract.models import Contract
from portal.dataio.models import ImportJob, ImportStatus
from portal.extensions import db as _db
from portal.org.models import Company
from tests.dataio.books import (
    COMPANY_HEADER,
    CONTRACT_HEADER,
    USER_HEADER,
    company_row,
    contract_row,
    corporate_number,
    xlsx_bytes,
)
from tests.factories import make_company, make_section, make_user


def _upload(client, csrf_token, kind: str, data: bytes, name: str = "register.xlsx"):
    return client.post(
        "/imports/",
        data={
            "csrf_token": csrf_token("/imports/"),
            "kind": kind,
            "sheet": "",
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def _job(response) -> ImportJob:
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    job = _db.session.get(ImportJob, job_id)
    _db.session.refresh(job)
    return job


@pytest.mark.parametrize(
    ("kind", "header"),
    [("companies", COMPANY_HEADER), ("contracts", CONTRACT_HEADER), ("users", USER_HEADER)],
)
def test_each_template_has_the_japanese_headers_the_import_recognises(
    db, login_as, run_import, kind, header
):
    admin_or_staff = make_user("admin" if kind == "users" else "procurement")
    client = login_as(admin_or_staff)

    response = client.get(f"/imports/templates/{kind}.xlsx")

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    first = book.worksheets[0]
    assert [c.value for c in first[1]][: len(header)] == header
    assert first.freeze_panes == "A2"
    result = run_import(kind, response.data)
    assert (result.exit_code, result.payload["rows"]) == (0, 0)


def test_procurement_may_not_download_the_users_template(db, login_as):
    client = login_as(make_user("procurement"))

    assert client.get("/imports/templates/users.xlsx").status_code == 403


def test_the_administrator_may_not_import_contracts(db, login_as):
    client = login_as(make_user("admin"))

    assert client.get("/imports/templates/contracts.xlsx").status_code == 403
    assert "委託契約" not in client.get("/imports/").get_data(as_text=True).split("<h2>これまで")[0]


def test_upload_shows_a_dry_run_and_apply_creates_the_rows(
    db, login_as, csrf_token, inline_jobs, audit_count
):
    client = login_as(make_user("procurement"))
    book = xlsx_bytes([COMPANY_HEADER, company_row(1), company_row(2)])

    response = _upload(client, csrf_token, "companies", book)

    job = _job(response)
    assert job.status == ImportStatus.PREVIEWED
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "作成される行（2行）" in page
    assert (
        _db.session.scalar(
            sa.select(Company).where(Company.corporate_number == corporate_number(1))
        )
        is None
    )

    applied = client.post(
        f"/imports/{job.id}/apply", data={"csrf_token": csrf_token(f"/imports/{job.id}")}
    )

    assert applied.status_code == 302
    _db.session.refresh(job)
    assert job.status == ImportStatus.APPLIED
    assert _db.session.scalar(
        sa.select(Company).where(Company.corporate_number == corporate_number(1))
    )
    assert audit_count("company.created") == 2
    assert audit_count("import.applied") == 1
    assert "反映しました（作成 2件・更新 0件）" in client.get(f"/imports/{job.id}").get_data(
        as_text=True
    )


def test_the_preview_lists_refused_rows_with_their_row_number_and_reason(
    db, login_as, csrf_token, inline_jobs
):
    client = login_as(make_user("procurement"))
    good = corporate_number(1)
    bad = str((int(good[0]) + 1) % 10) + good[1:]
    book = xlsx_bytes([COMPANY_HEADER, company_row(2), company_row(1, 法人番号=bad)])

    job = _job(_upload(client, csrf_token, "companies", book))

    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "3行目: 法人番号: 法人番号のチェックデジットが不正です。" in page
    assert "反映できません" in page
    refused = client.post(
        f"/imports/{job.id}/apply", data={"csrf_token": csrf_token(f"/imports/{job.id}")}
    )
    assert refused.status_code == 302
    _db.session.refresh(job)
    assert job.status == ImportStatus.PREVIEWED
    assert (
        _db.session.scalar(
            sa.select(sa.func.count()).select_from(Company).where(Company.name == "株式会社テスト2")
        )
        == 0
    )


def test_an_unreadable_upload_is_refused_and_nothing_is_stored(
    db, login_as, csrf_token, inline_jobs
):
    client = login_as(make_user("procurement"))

    response = _upload(client, csrf_token, "companies", b"%PDF-1.7 not a sheet", name="a.xlsx")

    assert response.status_code == 422
    assert "表計算ファイルではありません" in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(ImportJob)) == 0


def test_a_zip_bomb_upload_fails_with_a_clear_message(db, login_as, csrf_token, inline_jobs):
    from tests.dataio.books import zip_bomb

    client = login_as(make_user("procurement"))

    job = _job(_upload(client, csrf_token, "companies", zip_bomb(inflated_mb=300)))

    assert (job.status, job.error_code) == (ImportStatus.FAILED, "zip_bomb")
    assert "圧縮爆弾" in client.get(f"/imports/{job.id}").get_data(as_text=True)


def test_section_staff_import_only_their_own_sections_contracts(
    db, login_as, csrf_token, inline_jobs
):
    own = make_section("市民課")
    make_section("税務課")
    company = make_company()
    client = login_as(make_user("procurement", section=own))
    book = xlsx_bytes(
        [
            CONTRACT_HEADER,
            contract_row(1, section="市民課", company=company.corporate_number),
            contract_row(2, section="税務課", company=company.corporate_number),
        ]
    )

    job = _job(_upload(client, csrf_token, "contracts", book))

    assert job.preview["refused"] == [
        {
            "row": 3,
            "column": "担当課",
            "message": "担当課「税務課」の契約は取り込めません（所属の課のみ）。",
        }
    ]


def test_someone_elses_import_is_not_found(db, login_as, csrf_token, inline_jobs):
    uploader = make_user("procurement")
    job = _job(
        _upload(
            login_as(uploader),
            csrf_token,
            "companies",
            xlsx_bytes([COMPANY_HEADER, company_row(1)]),
        )
    )

    other = login_as(make_user("protection_manager"))

    assert other.get(f"/imports/{job.id}").status_code == 404
    assert other.get(f"/imports/{job.id}/progress").status_code == 404


def test_the_progress_endpoint_reports_the_state_the_page_polls(
    db, login_as, csrf_token, inline_jobs
):
    client = login_as(make_user("procurement"))
    job = _job(
        _upload(client, csrf_token, "companies", xlsx_bytes([COMPANY_HEADER, company_row(1)]))
    )

    state = client.get(f"/imports/{job.id}/progress").get_json()

    assert state == {
        "status": "previewed",
        "label": "確認済（未反映）",
        "running": False,
        "done": 1,
        "total": 1,
        "percent": 100,
    }


def test_apply_stops_when_the_data_changed_after_the_preview(db, login_as, csrf_token, inline_jobs):
    client = login_as(make_user("procurement"))
    job = _job(
        _upload(client, csrf_token, "companies", xlsx_bytes([COMPANY_HEADER, company_row(1)]))
    )
    _db.session.add(Company(name="先に登録", corporate_number=corporate_number(1), address=""))
    _db.session.flush()

    client.post(f"/imports/{job.id}/apply", data={"csrf_token": csrf_token(f"/imports/{job.id}")})

    _db.session.refresh(job)
    assert (job.status, job.error_code) == (ImportStatus.FAILED, "changed")
    assert (
        _db.session.scalar(
            sa.select(Company.name).where(Company.corporate_number == corporate_number(1))
        )
        == "先に登録"
    )


def test_a_contract_import_through_the_web_is_audited_per_contract(
    db, login_as, csrf_token, inline_jobs, audit_count
):
    section = make_section("市民課")
    company = make_company()
    client = login_as(make_user("protection_manager", section=section))
    book = xlsx_bytes(
        [CONTRACT_HEADER, contract_row(1, section="市民課", company=company.corporate_number)]
    )
    job = _job(_upload(client, csrf_token, "contracts", book))

    client.post(f"/imports/{job.id}/apply", data={"csrf_token": csrf_token(f"/imports/{job.id}")})

    contract = _db.session.scalar(sa.select(Contract).where(Contract.number == "R7-00001"))
    assert contract is not None
    assert contract.section_id == section.id
    assert audit_count("contract.created") == 1
