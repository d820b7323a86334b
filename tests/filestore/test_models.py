"""StoredFileMixin: the columns every file-owning row carries."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import NAMING_CONVENTION, UTCDateTime
from portal.filestore import StoredBlob
from portal.filestore.models import StoredFileMixin


class _Base(so.DeclarativeBase):
    # Mirrors portal.db.Base with its own metadata, so this test table never reaches the app's
    # schema (or the migration test's comparison with it).
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class _Document(StoredFileMixin, _Base):
    __tablename__ = "test_documents"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)


TABLE = cast("sa.Table", _Document.__table__)

BLOB = StoredBlob(
    backend="local",
    key="contract/2026/05/0b6f4c1e-8a7f-4a51-9f43-1d1a3c8f2e55",
    size=1234,
    sha256=hashlib.sha256(b"x").hexdigest(),
)


def test_mixin_gives_each_model_the_stored_file_columns() -> None:
    table = TABLE

    columns = {c.name: (type(c.type), getattr(c.type, "length", None)) for c in table.columns}

    assert columns == {
        "id": (sa.Integer, None),
        "storage_backend": (sa.String, 10),
        "storage_key": (sa.String, 200),
        "original_filename": (sa.String, 255),
        "content_type": (sa.String, 100),
        "size": (sa.BigInteger, None),
        "sha256": (sa.String, 64),
        "created_at": (UTCDateTime, None),
    }
    assert not any(c.nullable for c in table.columns)
    assert isinstance(table.c.created_at.type, UTCDateTime)
    assert table.c.created_at.type.impl.timezone is True


def test_storage_key_has_a_unique_index() -> None:
    indexes = {tuple(ix.columns.keys()): ix.unique for ix in TABLE.indexes}

    assert indexes == {("storage_key",): True}


def test_set_blob_records_the_blob_and_the_cleaned_user_filename() -> None:
    doc = _Document()

    doc.set_blob(BLOB, filename="C:\\temp\\委託契約書.pdf", content_type="application/pdf")

    assert (doc.storage_backend, doc.storage_key, doc.size, doc.sha256) == (
        "local",
        BLOB.key,
        1234,
        BLOB.sha256,
    )
    assert doc.original_filename == "委託契約書.pdf"
    assert doc.content_type == "application/pdf"
    assert doc.stored_blob == BLOB


@pytest.mark.parametrize("content_type", ["", "  ", "x/" + "y" * 100])
def test_set_blob_refuses_a_content_type_that_does_not_fit(content_type: str) -> None:
    doc = _Document()

    with pytest.raises(ValueError, match="content_type"):
        doc.set_blob(BLOB, filename="a.pdf", content_type=content_type)


def test_created_at_defaults_to_an_aware_utc_now_on_insert() -> None:
    engine = sa.create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    doc = _Document()
    doc.set_blob(BLOB, filename="a.pdf", content_type="application/pdf")
    before = datetime.now(UTC)

    with so.Session(engine) as session:
        session.add(doc)
        session.flush()

        assert doc.created_at.tzinfo is UTC
        assert before <= doc.created_at <= datetime.now(UTC)
    engine.dispose()


def test_a_row_round_trips_through_a_database() -> None:
    engine = sa.create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    doc = _Document()
    doc.set_blob(BLOB, filename="報告書.pdf", content_type="application/pdf")

    with so.Session(engine) as session:
        session.add(doc)
        session.commit()
        session.expire_all()  # read back from SQLite, which stores no time zone
        loaded = session.scalars(sa.select(_Document)).one()

        assert loaded.stored_blob == BLOB
        assert loaded.original_filename == "報告書.pdf"
        assert loaded.created_at.tzinfo is UTC
    engine.dispose()
