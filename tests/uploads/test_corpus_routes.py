"""The hostile and metadata corpus through every upload route, with the test client.

For each route and each sample: either the upload is accepted and every copy served back
(downloaded through the route's own download URL) carries none of the sample's hidden data,
or it is refused with a Japanese message naming the error code, and no row and no blob was
saved.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal.account.models import Role
from portal.contract.models import ContractDocument
from portal.erasure.models import ErasureCertificate, ErasureFile
from portal.exchange.models import ExchangeStagedUpload, ExchangeVersion
from portal.extensions import db as _db
from portal.filestore import get_filestore
from portal.incident.models import IncidentFile
from portal.inspection.models import InspectionFile
from portal.subcontract.models import SubcontractDocument, SubcontractRequest
from portal.wareki import fiscal_year, today_jst
from tests.contract.factories import make_contract
from tests.erasure.factories import Case
from tests.erasure.factories import certificate_pdf as erasure_certificate
from tests.exchange.factories import Setup
from tests.factories import make_company, make_section, make_user
from tests.filecheck.makers import jpeg_with_gps
from tests.incident.factories import make_incident
from tests.incident.factories import make_world as make_incident_world
from tests.inspection.factories import make_inspection, make_world, profile
from tests.subcontract.factories import make_world as make_subcontract_world
from tests.subcontract.test_views import FORM as SUBCONTRACT_FORM
from tests.uploads.corpus import SAMPLES, Sample, leftovers

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _token(client: Any, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no csrf token on {path}"
    return match.group(1)


def _fetch(client: Any, url: str) -> bytes:
    response = client.get(url, buffered=True)
    assert response.status_code == 200, url
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"].count("charset") <= 1
    return bytes(response.data)


@dataclass
class Outcome:
    page: str  # the page shown after the upload (redirects followed)
    served: list[tuple[str, bytes]]  # (served file name, bytes) of every stored copy


@dataclass(frozen=True)
class Route:
    name: str
    slots: frozenset[str]  # the sample kinds this route's file field is meant for
    arrange: Callable[[Any, Path], Any]
    upload: Callable[[Any, Any, Path, Sample, bytes], Outcome]
    rows: Callable[[], int]
    # The clause check reads a contract document before the intake cleans it, and says some
    # refusals in its own words: {sample key: the code it shows}.
    codes: dict[str, str] | None = None


# --- 文書交換 ----------------------------------------------------------------------------


def _exchange_arrange(login_as: Any, tmp: Path) -> Any:
    s = Setup()
    return s, login_as(s.vendor)


def _exchange_upload(ctx: Any, _login_as: Any, tmp: Path, sample: Sample, data: bytes) -> Outcome:
    s, client = ctx
    response = client.post(
        f"/exchange/spaces/{s.space.id}/documents",
        data={
            "csrf_token": _token(client, f"/exchange/spaces/{s.space.id}"),
            "file": (io.BytesIO(data), sample.filename),
            "folder_id": "0",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    served = [
        (v.original_filename, _fetch(client, f"/exchange/versions/{v.id}/download"))
        for v in _db.session.scalars(sa.select(ExchangeVersion))
    ]
    return Outcome(response.get_data(as_text=True), served)


def _exchange_rows() -> int:
    versions = _db.session.scalar(sa.select(sa.func.count(ExchangeVersion.id))) or 0
    staged = _db.session.scalar(sa.select(sa.func.count(ExchangeStagedUpload.id))) or 0
    return versions + staged


# --- 年次検査の根拠資料 ------------------------------------------------------------------


def _inspection_arrange(login_as: Any, tmp: Path) -> Any:
    world = make_world()
    when = today_jst() + timedelta(days=7)
    inspection = make_inspection(
        world.contract, prof=profile("iruma"), fy=fiscal_year(when), scheduled_on=when
    )
    return inspection, login_as(world.alpha_user)


def _inspection_upload(ctx: Any, _login_as: Any, tmp: Path, sample: Sample, data: bytes) -> Outcome:
    inspection, client = ctx
    response = client.post(
        f"/inspections/{inspection.id}/evidence",
        data={
            "csrf_token": _token(client),
            "item_key": "structure",
            "file": (io.BytesIO(data), sample.filename),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    served = [
        (f.original_filename, _fetch(client, f"/inspections/files/{f.id}"))
        for f in _db.session.scalars(sa.select(InspectionFile))
    ]
    return Outcome(response.get_data(as_text=True), served)


def _inspection_rows() -> int:
    return _db.session.scalar(sa.select(sa.func.count(InspectionFile.id))) or 0


# --- 消去・廃棄証明（写真と証明書） -------------------------------------------------------


def _erasure_arrange(login_as: Any, tmp: Path) -> Any:
    case = Case()
    return case, login_as(case.vendor)


def _erasure_upload(ctx: Any, login_as: Any, tmp: Path, sample: Sample, data: bytes) -> Outcome:
    case, client = ctx
    url = f"/erasure/contracts/{case.contract.id}/parties/0/submit"
    photo: tuple[Any, str] = (
        io.BytesIO(jpeg_with_gps(tmp / "ok.jpg", size=(320, 240)).read_bytes()),
        "IMG_0001.jpg",
    )
    pdf: tuple[Any, str] = (
        io.BytesIO(erasure_certificate(tmp / "ok.pdf").read_bytes()),
        "証明書.pdf",
    )
    if sample.kind == "photo":
        photo = (io.BytesIO(data), sample.filename)
    else:
        pdf = (io.BytesIO(data), sample.filename)
    response = client.post(
        url,
        data={
            "csrf_token": _token(client, url),
            "media-0-media_type": "hdd",
            "media-0-identifier": "SN-1",
            "media-0-count": "1",
            "media-0-method": "physical_destruction",
            "media-0-photos": photo,
            "erased_on": "2026-05-28",
            "place": "本社 消去室",
            "operator": "作業 一郎",
            "certificate_pdf": pdf,
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    reviewer = login_as(case.manager)
    served = [
        (f.original_filename, _fetch(reviewer, f"/erasure/files/{f.id}?download=1"))
        for f in _db.session.scalars(sa.select(ErasureFile))
    ]
    login_as(case.vendor)
    return Outcome(response.get_data(as_text=True), served)


def _erasure_rows() -> int:
    return _db.session.scalar(sa.select(sa.func.count(ErasureCertificate.id))) or 0


# --- 契約書類（条項チェック） -----------------------------------------------------------


def _contract_arrange(login_as: Any, tmp: Path) -> Any:
    section = make_section()
    contract = make_contract(section=section, company=make_company())
    return contract, login_as(make_user(Role.PROCUREMENT, section=section))


def _contract_upload(ctx: Any, _login_as: Any, tmp: Path, sample: Sample, data: bytes) -> Outcome:
    contract, client = ctx
    path = f"/contracts/{contract.id}"
    response = client.post(
        f"{path}/documents",
        data={
            "csrf_token": _token(client, path),
            "role": "special_terms",
            "document": (io.BytesIO(data), sample.filename),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    served = [
        (d.original_filename, _fetch(client, f"{path}/documents/{d.id}"))
        for d in _db.session.scalars(sa.select(ContractDocument))
    ]
    return Outcome(response.get_data(as_text=True), served)


def _contract_rows() -> int:
    return _db.session.scalar(sa.select(sa.func.count(ContractDocument.id))) or 0


# --- 再委託の添付書類 ---------------------------------------------------------------------


def _subcontract_arrange(login_as: Any, tmp: Path) -> Any:
    world = make_subcontract_world()
    return world, login_as(world.alpha_user)


def _subcontract_upload(ctx: Any, login_as: Any, tmp: Path, sample: Sample, data: bytes) -> Outcome:
    world, client = ctx
    path = f"/subcontracts/contract/{world.contract.id}/new"
    response = client.post(
        path,
        data={
            **SUBCONTRACT_FORM,
            "csrf_token": _token(client, path),
            "new_corporate_number": world.gamma.corporate_number,
            "document": (io.BytesIO(data), sample.filename),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    served = [
        (d.original_filename, _fetch(client, f"/subcontracts/{d.request_id}/documents/{d.id}"))
        for d in _db.session.scalars(sa.select(SubcontractDocument))
    ]
    return Outcome(response.get_data(as_text=True), served)


def _subcontract_rows() -> int:
    docs = _db.session.scalar(sa.select(sa.func.count(SubcontractDocument.id))) or 0
    requests = _db.session.scalar(sa.select(sa.func.count(SubcontractRequest.id))) or 0
    return max(docs, requests)


# --- 漏えい等事案の添付ファイル -----------------------------------------------------------


def _incident_arrange(login_as: Any, tmp: Path) -> Any:
    world = make_incident_world()
    incident = make_incident(world)
    return incident, login_as(world.contractor)


def _incident_upload(ctx: Any, _login_as: Any, tmp: Path, sample: Sample, data: bytes) -> Outcome:
    incident, client = ctx
    path = f"/incidents/{incident.id}"
    response = client.post(
        f"{path}/files",
        data={"csrf_token": _token(client, path), "files": [(io.BytesIO(data), sample.filename)]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    served = [
        (f.original_filename, _fetch(client, f"/incidents/files/{f.id}"))
        for f in _db.session.scalars(sa.select(IncidentFile))
    ]
    return Outcome(response.get_data(as_text=True), served)


def _incident_rows() -> int:
    return _db.session.scalar(sa.select(sa.func.count(IncidentFile.id))) or 0


ROUTES = (
    Route(
        "contract_documents",
        frozenset({"pdf"}),
        _contract_arrange,
        _contract_upload,
        _contract_rows,
        {"inflate_bomb": "too_large", "elf_as_pdf": "unsupported_type"},
    ),
    Route(
        "exchange",
        frozenset({"photo", "pdf"}),
        _exchange_arrange,
        _exchange_upload,
        _exchange_rows,
    ),
    Route(
        "inspection_evidence",
        frozenset({"photo", "pdf"}),
        _inspection_arrange,
        _inspection_upload,
        _inspection_rows,
    ),
    Route(
        "subcontract_attachments",
        frozenset({"pdf"}),
        _subcontract_arrange,
        _subcontract_upload,
        _subcontract_rows,
        {"inflate_bomb": "too_large", "elf_as_pdf": "unsupported_type"},
    ),
    Route(
        "incident_attachments",
        frozenset({"photo", "pdf"}),
        _incident_arrange,
        _incident_upload,
        _incident_rows,
    ),
    Route(
        "erasure",
        frozenset({"photo", "pdf"}),
        _erasure_arrange,
        _erasure_upload,
        _erasure_rows,
    ),
)


CASES = [
    pytest.param(route, sample, id=f"{route.name}-{sample.key}")
    for route in ROUTES
    for sample in SAMPLES
    if sample.kind in route.slots
]


@pytest.mark.parametrize(("route", "sample"), CASES)
def test_every_upload_route_serves_only_clean_copies_or_refuses_in_japanese(
    db, login_as, tmp_path, route, sample
):
    data = sample.make(tmp_path)
    ctx = route.arrange(login_as, tmp_path)
    keys_before = set(get_filestore().iter_keys())

    outcome = route.upload(ctx, login_as, tmp_path, sample, data)

    if sample.refused is not None:
        code = (route.codes or {}).get(sample.key, sample.refused)
        assert f"エラーコード: {code}" in outcome.page
        message = outcome.page.split(f"エラーコード: {code}")[0][-300:]
        assert JAPANESE.search(message)
        assert route.rows() == 0
        assert set(get_filestore().iter_keys()) == keys_before
        return
    assert "エラーコード" not in outcome.page
    assert route.rows() == 1
    assert outcome.served
    for name, served in outcome.served:
        assert leftovers(sample, served) == [], name
        assert "/" not in name
        assert "\\" not in name
        assert len(name) <= 255
        assert not name.startswith(".")
