"""Exchange spaces, folders, documents and their versions, comments and read receipts.

One space per contract (between the city and the contractor) and one per approved 再委託 tier
(入間市 第37条第4項: the same measures reach every tier). Every upload is a new version; nothing
is overwritten. Views and downloads are access records in the audit log (第20条), not rows here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, utcnow
from portal.filestore.models import StoredFileMixin
from portal.subcontract.models import tier_label

if TYPE_CHECKING:
    from portal.account.models import User
    from portal.contract.models import Contract
    from portal.subcontract.models import SubcontractRequest

CITY_PARTY = "city"
"""Read-receipt party of the city (the contract's section)."""


def company_party(company_id: int) -> str:
    """Read-receipt party of a contractor company."""
    return f"c{company_id}"


class ExchangeSpace(Base):
    """The shared space of a contract (tier_key 0) or of one approved 再委託 tier."""

    __tablename__ = "exchange_spaces"
    __table_args__ = (sa.UniqueConstraint("contract_id", "tier_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    subcontract_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("subcontract_requests.id"), index=True
    )
    # 0 for the contract's own space, else the subcontract id: lets one unique constraint say
    # "one space per contract and tier" (NULLs are never equal in a UNIQUE constraint).
    tier_key: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    contract: so.Mapped[Contract] = so.relationship()
    subcontract: so.Mapped[SubcontractRequest | None] = so.relationship()
    folders: so.Mapped[list[ExchangeFolder]] = so.relationship(
        back_populates="space", order_by="ExchangeFolder.name"
    )
    documents: so.Mapped[list[ExchangeDocument]] = so.relationship(
        back_populates="space", order_by="ExchangeDocument.id"
    )

    @property
    def company_id(self) -> int:
        """The contractor side of this space: the contractor, or the tier's subcontractor."""
        if self.subcontract is not None:
            return self.subcontract.subcontractor_id
        return self.contract.company_id

    @property
    def tier(self) -> int:
        return self.subcontract.tier if self.subcontract is not None else 0

    @property
    def label(self) -> str:
        if self.subcontract is None:
            return f"委託先（{self.contract.company.name}）"
        return f"{tier_label(self.subcontract.tier)}（{self.subcontract.subcontractor.name}）"

    @property
    def counterpart_label(self) -> str:
        """How the contractor side is called in read receipts."""
        return "受託者" if self.subcontract is None else "再委託先"


class ExchangeFolder(Base):
    __tablename__ = "exchange_folders"
    __table_args__ = (sa.UniqueConstraint("space_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    space_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exchange_spaces.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    space: so.Mapped[ExchangeSpace] = so.relationship(back_populates="folders")
    documents: so.Mapped[list[ExchangeDocument]] = so.relationship(
        back_populates="folder", order_by="ExchangeDocument.id"
    )


class ExchangeDocument(Base):
    """A document shared in a space; its content is the latest of its versions."""

    __tablename__ = "exchange_documents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    space_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exchange_spaces.id"), index=True)
    folder_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("exchange_folders.id"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(255))
    # 個人情報含む: access records of such documents are marked so they can be filtered.
    personal_info: so.Mapped[bool] = so.mapped_column(default=False, index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)

    space: so.Mapped[ExchangeSpace] = so.relationship(back_populates="documents")
    folder: so.Mapped[ExchangeFolder | None] = so.relationship(back_populates="documents")
    created_by: so.Mapped[User | None] = so.relationship()
    versions: so.Mapped[list[ExchangeVersion]] = so.relationship(
        back_populates="document", order_by="ExchangeVersion.number"
    )
    comments: so.Mapped[list[ExchangeComment]] = so.relationship(
        back_populates="document", order_by="ExchangeComment.id"
    )

    @property
    def current_version(self) -> ExchangeVersion | None:
        return self.versions[-1] if self.versions else None


class ExchangeVersion(StoredFileMixin, Base):
    """One uploaded version (who/when); never changed after the upload."""

    __tablename__ = "exchange_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("exchange_documents.id"), index=True
    )
    number: so.Mapped[int] = so.mapped_column(default=1)
    # portal.filecheck.sniff.FileKind, judged from the bytes at upload.
    file_kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    page_count: so.Mapped[int] = so.mapped_column(default=0)
    # PDF JavaScript, actions, embedded files: never inline, whatever else holds.
    has_active_content: so.Mapped[bool] = so.mapped_column(default=False)
    # The portal removed properties, XMP and しおり before sharing (広島市 第6 7).
    cleaned: so.Mapped[bool] = so.mapped_column(default=False)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    document: so.Mapped[ExchangeDocument] = so.relationship(back_populates="versions")
    uploaded_by: so.Mapped[User | None] = so.relationship()
    receipts: so.Mapped[list[ExchangeReadReceipt]] = so.relationship(
        back_populates="version", order_by="ExchangeReadReceipt.id"
    )

    def receipt_for(self, party: str) -> ExchangeReadReceipt | None:
        return next((r for r in self.receipts if r.party == party), None)


class ExchangeReadReceipt(Base):
    """The first time someone of a party opened or downloaded a version (既読)."""

    __tablename__ = "exchange_read_receipts"
    __table_args__ = (sa.UniqueConstraint("version_id", "party"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exchange_versions.id"), index=True)
    party: so.Mapped[str] = so.mapped_column(sa.String(20))  # CITY_PARTY | company_party(id)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    read_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    version: so.Mapped[ExchangeVersion] = so.relationship(back_populates="receipts")
    user: so.Mapped[User] = so.relationship()


class ExchangeComment(Base):
    __tablename__ = "exchange_comments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("exchange_documents.id"), index=True
    )
    version_number: so.Mapped[int | None]  # the version current when the comment was written
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    document: so.Mapped[ExchangeDocument] = so.relationship(back_populates="comments")
    author: so.Mapped[User] = so.relationship()


class ExchangeStagedUpload(StoredFileMixin, Base):
    """A city PDF whose properties, XMP or しおり hold text, waiting for the uploader's choice.

    The original (this row's blob) and the cleaned copy (cleaned_*) are visible to nobody until
    the uploader sends one of them; the other is then deleted (広島市 第6 7).
    """

    __tablename__ = "exchange_staged_uploads"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    space_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exchange_spaces.id"), index=True)
    folder_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exchange_folders.id"))
    document_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("exchange_documents.id"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(255))
    personal_info: so.Mapped[bool] = so.mapped_column(default=False)
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    page_count: so.Mapped[int] = so.mapped_column(default=0)
    has_active_content: so.Mapped[bool] = so.mapped_column(default=False)
    # What was found (shown to the uploader only; deleted with the row, never audited).
    findings: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    cleaned_key: so.Mapped[str | None] = so.mapped_column(sa.String(200), unique=True)
    cleaned_size: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    cleaned_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    clean_error: so.Mapped[str | None] = so.mapped_column(sa.String(300))

    space: so.Mapped[ExchangeSpace] = so.relationship()
    folder: so.Mapped[ExchangeFolder | None] = so.relationship()
    document: so.Mapped[ExchangeDocument | None] = so.relationship()
    uploaded_by: so.Mapped[User] = so.relationship()


class ExchangeTransfer(Base):
    """How many files and bytes one user received in one view/download (第21条 window)."""

    __tablename__ = "exchange_transfers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    contract_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contracts.id"), index=True)
    file_count: so.Mapped[int] = so.mapped_column(default=0)
    byte_count: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
