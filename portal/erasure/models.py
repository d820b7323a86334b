"""消去・廃棄証明: who owes a certificate when a contract ends, what they submitted, and the
files (signed certificate PDF, photos) behind it.

入間市規程 第16条第2項 (沖縄市・龍ヶ崎市 第16条第2項, 広島市要綱 第6 9): when erasure or disposal
is outsourced — at every tier — the city confirms it was done, by a staff member witnessing it
or by a certificate with photos. 第37条第1項(6): the contract provides for erasure and the
return of media at the end.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, str_enum, utcnow
from portal.filestore.models import StoredFileMixin

if TYPE_CHECKING:
    from portal.account.models import User
    from portal.contract.models import Contract
    from portal.org.models import Company
    from portal.subcontract.models import SubcontractRequest


class ObligationStatus(enum.StrEnum):
    PENDING = "pending"  # nothing submitted yet
    SUBMITTED = "submitted"  # waiting for the 保護管理者
    RETURNED = "returned"  # 差戻し: the party corrects and resubmits
    ACCEPTED = "accepted"


OBLIGATION_STATUS_LABELS = {
    ObligationStatus.PENDING: "未提出",
    ObligationStatus.SUBMITTED: "審査待ち",
    ObligationStatus.RETURNED: "差戻し中",
    ObligationStatus.ACCEPTED: "承認済",
}


class CertificateStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.SUBMITTED: "審査待ち",
    CertificateStatus.RETURNED: "差戻し",
    CertificateStatus.ACCEPTED: "承認",
}


class MediaType(enum.StrEnum):
    HDD = "hdd"
    SSD = "ssd"
    USB = "usb"
    PAPER = "paper"
    CLOUD = "cloud"
    OTHER = "other"


MEDIA_TYPE_LABELS = {
    MediaType.HDD: "HDD",
    MediaType.SSD: "SSD",
    MediaType.USB: "USBメモリ",
    MediaType.PAPER: "紙",
    MediaType.CLOUD: "クラウドストレージ",
    MediaType.OTHER: "その他",
}


class ErasureMethod(enum.StrEnum):
    OVERWRITE = "overwrite"
    CRYPTO_ERASE = "crypto_erase"
    PHYSICAL = "physical_destruction"
    DEGAUSS = "degauss"
    DISSOLVE = "dissolve"
    RETURN = "return"


METHOD_LABELS = {
    ErasureMethod.OVERWRITE: "上書き消去",
    ErasureMethod.CRYPTO_ERASE: "暗号化消去",
    ErasureMethod.PHYSICAL: "物理破壊",
    ErasureMethod.DEGAUSS: "消磁",
    ErasureMethod.DISSOLVE: "溶解",
    ErasureMethod.RETURN: "返却",
}


class FileVariant(enum.StrEnum):
    CERTIFICATE = "certificate"  # the cleaned PDF: the only PDF copy ever served to viewers
    CERTIFICATE_ORIGINAL = "certificate_original"  # kept only with keep_original_uploads
    PHOTO = "photo"  # re-encoded display image without EXIF/GPS/comments
    PHOTO_THUMB = "photo_thumb"
    PHOTO_ORIGINAL = "photo_original"  # kept only with keep_original_uploads


ORIGINAL_VARIANTS = frozenset({FileVariant.CERTIFICATE_ORIGINAL, FileVariant.PHOTO_ORIGINAL})
INLINE_VARIANTS = frozenset({FileVariant.PHOTO, FileVariant.PHOTO_THUMB})


def _variant(files: list[ErasureFile], variant: FileVariant) -> ErasureFile | None:
    return next((f for f in files if f.variant == variant), None)


class ErasureObligation(Base):
    """One party that owes a certificate for one contract: the contractor itself (party_key 0)
    or one approved 再委託 tier (party_key = the subcontract request's id).

    Created when the contract enters `erasure_pending` and never removed, so a tier whose
    approval lapses later still owes its certificate (入間市規程 第16条第2項: 二以上の段階に
    わたる委託を含む). `status` mirrors the latest certificate, so "who is overdue" is one query.
    """

    __tablename__ = "erasure_obligations"
    __table_args__ = (
        # party_key instead of the nullable subcontract_id: NULLs never collide in a unique
        # constraint, so (contract_id, subcontract_id) would allow two contractor rows.
        sa.UniqueConstraint("contract_id", "party_key"),
        sa.CheckConstraint("tier >= 0", name="tier_non_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    party_key: so.Mapped[int] = so.mapped_column(default=0)
    subcontract_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("subcontract_requests.id"), index=True
    )
    company_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    tier: so.Mapped[int] = so.mapped_column(default=0)  # 0 = the contractor
    status: so.Mapped[ObligationStatus] = so.mapped_column(
        str_enum(ObligationStatus), default=ObligationStatus.PENDING, index=True
    )
    accepted_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    contract: so.Mapped[Contract] = so.relationship()
    subcontract: so.Mapped[SubcontractRequest | None] = so.relationship()
    company: so.Mapped[Company] = so.relationship()
    certificates: so.Mapped[list[ErasureCertificate]] = so.relationship(
        back_populates="obligation", order_by="ErasureCertificate.version"
    )

    @property
    def current(self) -> ErasureCertificate | None:
        """The latest submission (the one under review, sent back or accepted)."""
        return self.certificates[-1] if self.certificates else None

    @property
    def is_contractor(self) -> bool:
        return self.party_key == 0

    @property
    def label(self) -> str:
        """e.g. 委託先 株式会社アルファ / 再委託先 ガンマ株式会社（第1層）."""
        if self.is_contractor:
            return f"委託先 {self.company.name}"
        return f"再委託先 {self.company.name}（第{self.tier}層）"

    @property
    def status_label(self) -> str:
        return OBLIGATION_STATUS_LABELS[self.status]

    @property
    def next_actor(self) -> str:
        """Whose move it is: the party ('contractor') or the reviewer ('protection_manager')."""
        if self.status == ObligationStatus.SUBMITTED:
            return "protection_manager"
        if self.status == ObligationStatus.ACCEPTED:
            return "none"
        return "contractor"


class ErasureCertificate(Base):
    """One submission (version) of a party's certificate; a send-back keeps it as history and
    the resubmission is a new version."""

    __tablename__ = "erasure_certificates"
    __table_args__ = (
        sa.UniqueConstraint("obligation_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    obligation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("erasure_obligations.id"), index=True
    )
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    version: so.Mapped[int] = so.mapped_column(default=1)
    status: so.Mapped[CertificateStatus] = so.mapped_column(
        str_enum(CertificateStatus), default=CertificateStatus.SUBMITTED, index=True
    )
    erased_on: so.Mapped[date] = so.mapped_column(sa.Date)
    place: so.Mapped[str] = so.mapped_column(sa.String(200))
    operator: so.Mapped[str] = so.mapped_column(sa.String(100))
    witnessed: so.Mapped[bool] = so.mapped_column(default=False)
    witness_name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    submitted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    submitted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: so.Mapped[datetime | None]
    review_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    obligation: so.Mapped[ErasureObligation] = so.relationship(back_populates="certificates")
    contract: so.Mapped[Contract] = so.relationship()
    submitted_by: so.Mapped[User | None] = so.relationship(foreign_keys=[submitted_by_id])
    reviewed_by: so.Mapped[User | None] = so.relationship(foreign_keys=[reviewed_by_id])
    media_items: so.Mapped[list[ErasureMediaItem]] = so.relationship(
        back_populates="certificate", order_by="ErasureMediaItem.position"
    )
    photos: so.Mapped[list[ErasurePhoto]] = so.relationship(
        back_populates="certificate", order_by="ErasurePhoto.position"
    )
    files: so.Mapped[list[ErasureFile]] = so.relationship(
        back_populates="certificate", order_by="ErasureFile.id"
    )

    @property
    def status_label(self) -> str:
        return CERTIFICATE_STATUS_LABELS[self.status]

    @property
    def document(self) -> ErasureFile | None:
        """The cleaned certificate PDF (properties, XMP and しおり removed)."""
        return _variant(self.files, FileVariant.CERTIFICATE)

    @property
    def document_original(self) -> ErasureFile | None:
        return _variant(self.files, FileVariant.CERTIFICATE_ORIGINAL)

    @property
    def unassigned_photos(self) -> list[ErasurePhoto]:
        return [p for p in self.photos if p.media_item_id is None]


class ErasureMediaItem(Base):
    """One row of the media list: type, identifier/serial, count, and how it was disposed of."""

    __tablename__ = "erasure_media_items"
    __table_args__ = (sa.CheckConstraint("count >= 1", name="count_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("erasure_certificates.id"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=1)
    media_type: so.Mapped[MediaType] = so.mapped_column(str_enum(MediaType))
    identifier: so.Mapped[str] = so.mapped_column(sa.String(200))
    count: so.Mapped[int] = so.mapped_column(default=1)
    method: so.Mapped[ErasureMethod] = so.mapped_column(str_enum(ErasureMethod))

    certificate: so.Mapped[ErasureCertificate] = so.relationship(back_populates="media_items")
    photos: so.Mapped[list[ErasurePhoto]] = so.relationship(
        back_populates="media_item", order_by="ErasurePhoto.position"
    )

    @property
    def media_type_label(self) -> str:
        return MEDIA_TYPE_LABELS[self.media_type]

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]


class ErasurePhoto(Base):
    """A photo of the erasure or destruction, stored as sanitized display image + thumbnail
    (and the untouched original only where the city keeps originals)."""

    __tablename__ = "erasure_photos"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("erasure_certificates.id"), index=True
    )
    media_item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("erasure_media_items.id"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=1)
    source_kind: so.Mapped[str] = so.mapped_column(sa.String(10))  # jpeg | png | heic | ...
    width: so.Mapped[int] = so.mapped_column(default=0)
    height: so.Mapped[int] = so.mapped_column(default=0)
    # What the upload carried and the portal removed (shown to the reviewer, 広島市 第6 7).
    had_exif: so.Mapped[bool] = so.mapped_column(default=False)
    had_gps: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    certificate: so.Mapped[ErasureCertificate] = so.relationship(back_populates="photos")
    media_item: so.Mapped[ErasureMediaItem | None] = so.relationship(back_populates="photos")
    files: so.Mapped[list[ErasureFile]] = so.relationship(
        back_populates="photo", order_by="ErasureFile.id"
    )

    @property
    def display(self) -> ErasureFile | None:
        return _variant(self.files, FileVariant.PHOTO)

    @property
    def thumb(self) -> ErasureFile | None:
        return _variant(self.files, FileVariant.PHOTO_THUMB)

    @property
    def original(self) -> ErasureFile | None:
        return _variant(self.files, FileVariant.PHOTO_ORIGINAL)


class ErasureFile(StoredFileMixin, Base):
    """Every blob of the feature has one row (so the reconcile job sees each key)."""

    __tablename__ = "erasure_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("erasure_certificates.id"), index=True
    )
    photo_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("erasure_photos.id"), index=True
    )
    variant: so.Mapped[FileVariant] = so.mapped_column(str_enum(FileVariant))
    width: so.Mapped[int | None]
    height: so.Mapped[int | None]
    pages: so.Mapped[int | None]
    # The upload had properties / XMP / しおり (PDF) that the served copy no longer has.
    metadata_removed: so.Mapped[bool] = so.mapped_column(default=False)

    certificate: so.Mapped[ErasureCertificate] = so.relationship(back_populates="files")
    photo: so.Mapped[ErasurePhoto | None] = so.relationship(back_populates="files")

    @property
    def is_original(self) -> bool:
        return self.variant in ORIGINAL_VARIANTS


class ErasureCase:
    """A contract with every party that owes it a certificate (not a table: what the case
    page, the policies and `close_contract` look at together)."""

    __slots__ = ("contract", "obligations")

    def __init__(self, contract: Contract, obligations: list[ErasureObligation]) -> None:
        self.contract = contract
        self.obligations = obligations

    @property
    def outstanding(self) -> list[ErasureObligation]:
        return [o for o in self.obligations if o.status != ObligationStatus.ACCEPTED]

    @property
    def all_accepted(self) -> bool:
        return bool(self.obligations) and not self.outstanding

    def obligation(self, party_key: int) -> ErasureObligation | None:
        return next((o for o in self.obligations if o.party_key == party_key), None)
