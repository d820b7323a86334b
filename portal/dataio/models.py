"""An import: the uploaded file, its dry-run preview, and the progress the page polls."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, str_enum, utcnow
from portal.filestore.models import StoredFileMixin

if TYPE_CHECKING:
    from portal.account.models import User


class ImportKind(enum.StrEnum):
    COMPANIES = "companies"
    CONTRACTS = "contracts"
    USERS = "users"


KIND_LABELS = {
    ImportKind.COMPANIES: "委託先事業者",
    ImportKind.CONTRACTS: "委託契約",
    ImportKind.USERS: "利用者",
}


class ImportStatus(enum.StrEnum):
    PREVIEWING = "previewing"  # reading the file and checking every row
    PREVIEWED = "previewed"  # dry run done; waiting for the person to apply
    APPLYING = "applying"
    APPLIED = "applied"
    FAILED = "failed"  # the file could not be read, or the apply step was refused


STATUS_LABELS = {
    ImportStatus.PREVIEWING: "確認中",
    ImportStatus.PREVIEWED: "確認済（未反映）",
    ImportStatus.APPLYING: "反映中",
    ImportStatus.APPLIED: "反映済",
    ImportStatus.FAILED: "失敗",
}


class ImportJob(StoredFileMixin, Base):
    __tablename__ = "import_jobs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[ImportKind] = so.mapped_column(str_enum(ImportKind))
    status: so.Mapped[ImportStatus] = so.mapped_column(
        str_enum(ImportStatus), default=ImportStatus.PREVIEWING, index=True
    )
    sheet: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # Progress of the running step (rows checked or objects written out of `progress_total`).
    progress_done: so.Mapped[int] = so.mapped_column(default=0)
    progress_total: so.Mapped[int] = so.mapped_column(default=0)
    # The dry run's outcome (counts, row lists, refusals) as shown on the preview page.
    preview: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    error_code: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    error_message: so.Mapped[str | None] = so.mapped_column(sa.Text)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: so.Mapped[datetime | None]

    created_by: so.Mapped[User | None] = so.relationship()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
