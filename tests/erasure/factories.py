"""Test data for the erasure feature: contracts, tiers, and upload files built in tmp_path."""

from __future__ import annotations

import io
import itertools
import struct
import zlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from portal.account.models import SYSTEM, Role
from portal.contract.models import Contract, ContractStatus
from portal.erasure import services
from portal.erasure.models import (
    ErasureCertificate,
    ErasureFile,
    ErasureMediaItem,
    ErasureMethod,
    ErasureObligation,
    ErasurePhoto,
    MediaType,
)
from portal.erasure.uploads import Upload
from portal.extensions import db
from portal.filestore import get_filestore
from portal.org.models import Company, Section
from portal.subcontract.models import SubcontractRequest, SubcontractStatus
from tests.factories import make_company, make_section, make_user

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 2026-06-01 12:00 JST, 令和8年度
TODAY = date(2026, 6, 1)
GPS_LAT = (35.0, 51.0, 24.5)
GPS_LON = (139.0, 23.0, 27.8)
_seq = itertools.count(1)


# --- contracts and parties -------------------------------------------------------------------


def make_contract(
    *,
    section: Section | None = None,
    company: Company | None = None,
    status: ContractStatus = ContractStatus.ACTIVE,
    period_start: date = date(2025, 4, 1),
    period_end: date = date(2026, 3, 31),
    **kwargs: Any,
) -> Contract:
    n = next(_seq)
    contract = Contract(
        number=kwargs.pop("number", f"TEST-ERA-{n:05d}"),
        title=kwargs.pop("title", f"消去テスト業務委託{n}"),
        section_id=(section or make_section()).id,
        company_id=(company or make_company()).id,
        status=status,
        fiscal_year=period_start.year if period_start.month >= 4 else period_start.year - 1,
        period_start=period_start,
        period_end=period_end,
        pi_categories="氏名、住所",
        people_count=100,
        **kwargs,
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def make_tier(
    contract: Contract,
    subcontractor: Company | None = None,
    *,
    parent: SubcontractRequest | None = None,
    status: SubcontractStatus = SubcontractStatus.APPROVED,
) -> SubcontractRequest:
    sub = SubcontractRequest(
        contract_id=contract.id,
        parent_id=parent.id if parent else None,
        tier=(parent.tier + 1) if parent else 1,
        requester_company_id=parent.subcontractor_id if parent else contract.company_id,
        subcontractor_id=(subcontractor or make_company()).id,
        status=status,
    )
    db.session.add(sub)
    db.session.flush()
    return sub


class Case:
    """An erasure_pending contract with its people: the section's 保護管理者, the contractor's
    user, and optionally tiers with their users."""

    def __init__(
        self,
        *,
        tiers: int = 0,
        period_end: date = date(2026, 5, 25),
        section: Section | None = None,
    ) -> None:
        self.section = section or make_section()
        self.company = make_company("株式会社テスト委託先")
        self.manager = make_user(Role.PROTECTION_MANAGER, section=self.section)
        self.vendor = make_user(Role.CONTRACTOR, company=self.company)
        self.contract = make_contract(
            section=self.section, company=self.company, period_end=period_end
        )
        self.tiers: list[SubcontractRequest] = []
        self.tier_users = []
        parent = None
        for n in range(tiers):
            company = make_company(f"再委託テスト株式会社{n + 1}")
            parent = make_tier(self.contract, company, parent=parent)
            self.tiers.append(parent)
            self.tier_users.append(make_user(Role.CONTRACTOR, company=company))
        # due: period_end + 30 days (iruma profile)
        services.start_erasure_check(actor=SYSTEM, contract=self.contract, now=NOW)

    def obligation(self, party_key: int = 0) -> ErasureObligation:
        ob = services.obligation_for(self.contract, party_key)
        assert ob is not None
        return ob

    def tier_obligation(self, n: int) -> ErasureObligation:
        return self.obligation(self.tiers[n].id)


# --- files -------------------------------------------------------------------------------------


def noisy(size: tuple[int, int]) -> Image.Image:
    grey = Image.effect_noise(size, 60)
    return Image.merge("RGB", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey))


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15"
    exif[0x013B] = "山田 太郎"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LAT, "E", GPS_LON
    return exif


def jpeg_with_gps(path: Path, size: tuple[int, int] = (800, 600)) -> Path:
    noisy(size).save(path, "JPEG", quality=85, exif=gps_exif().tobytes(), comment=b"secret place")
    return path


def png_photo(path: Path, size: tuple[int, int] = (400, 300)) -> Path:
    noisy(size).save(path, "PNG")
    return path


def heic_photo(path: Path) -> Path:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    noisy((640, 480)).save(path, format="HEIF", quality=60, exif=gps_exif().tobytes())
    return path


def png_bomb(path: Path, side: int = 30_000) -> Path:
    """~100 KB on disk, 900 megapixels once decoded."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row * 1000) for _ in range(side // 1000)]
    chunks.append(compressor.flush())

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(chunks))
        + chunk(b"IEND", b"")
    )
    return path


_FONT = "HeiseiMin-W3"


def certificate_pdf(path: Path, *, with_properties: bool = True) -> Path:
    """A two-page 消去証明書 with author, title and しおり naming a resident."""
    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    c = canvas.Canvas(str(path))
    if with_properties:
        c.setAuthor("山田 太郎")
        c.setTitle("消去証明書（山田様分）")
        c.setSubject("住民票データ")
    for n in (1, 2):
        c.setFont(_FONT, 14)
        c.drawString(72, 720, f"消去証明書 {n}")
        if with_properties:
            c.bookmarkPage(f"p{n}")
            c.addOutlineEntry(f"山田様 {n}枚目", f"p{n}")
        c.showPage()
    c.save()
    return path


def encrypted_pdf(path: Path) -> Path:
    plain = certificate_pdf(path.with_suffix(".plain.pdf"))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt("", owner_password="owner-secret", algorithm="AES-128")
    with path.open("wb") as f:
        writer.write(f)
    return path


def corrupt_pdf(path: Path) -> Path:
    good = certificate_pdf(path.with_suffix(".good.pdf")).read_bytes()
    path.write_bytes(good[: len(good) // 3])
    return path


def text_file(path: Path, text: str = "これは写真ではありません\n") -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- submissions ---------------------------------------------------------------------------------


def submission(
    tmp_path: Path,
    *,
    items: int = 2,
    photos_per_item: int = 1,
    witnessed: bool = False,
    witness_name: str = "",
    pdf: Path | None = None,
    photo_maker: Any = None,
    **overrides: Any,
) -> services.CertificateInput:
    """A complete certificate input; files are created in tmp_path."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    n = next(_seq)
    maker = photo_maker or jpeg_with_gps
    media = tuple(
        services.MediaInput(
            media_type=MediaType.HDD if i % 2 == 0 else MediaType.PAPER,
            identifier=f"SN-{n}-{i}",
            count=1,
            method=ErasureMethod.PHYSICAL if i % 2 == 0 else ErasureMethod.DISSOLVE,
            photos=tuple(
                Upload(maker(tmp_path / f"p{n}-{i}-{k}.jpg"), f"IMG_{i}{k}.jpg")
                for k in range(photos_per_item)
            ),
        )
        for i in range(items)
    )
    values: dict[str, Any] = {
        "media": media,
        "erased_on": date(2026, 5, 20),
        "place": "委託先本社 消去作業室",
        "operator": "作業 一郎",
        "witnessed": witnessed,
        "witness_name": witness_name,
        "certificate_pdf": Upload(
            pdf or certificate_pdf(tmp_path / f"cert{n}.pdf"), "消去証明書.pdf"
        ),
    }
    values.update(overrides)
    return services.CertificateInput(**values)


def submit(case: Case, tmp_path: Path, party_key: int = 0, user: Any = None, **kw: Any):
    ob = case.obligation(party_key)
    if user is None:
        user = case.vendor
        if party_key:
            user = case.tier_users[[t.id for t in case.tiers].index(party_key)]
    return services.submit_certificate(
        actor=user, obligation=ob, data=submission(tmp_path, **kw), now=NOW
    )


# --- "nothing saved" --------------------------------------------------------------------------

_TABLES = (ErasureObligation, ErasureCertificate, ErasureMediaItem, ErasurePhoto, ErasureFile)


def saved_state() -> tuple[dict[str, int], int]:
    """(row count per erasure table, number of blobs under erasure/)."""
    rows = {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in _TABLES
    }
    return rows, len(list(get_filestore().iter_keys("erasure/")))


def read_blob(file: ErasureFile) -> bytes:
    with get_filestore().open(file.storage_key) as f:
        return f.read()


def image_of(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))
