"""Files that cannot be read: exit 2 with a code and a Japanese message, nothing changed."""

from __future__ import annotations

import time
import zipfile

import pytest
import sqlalchemy as sa

from portal.dataio import reading
from portal.dataio.reading import ReadError, check_package
from portal.extensions import db as _db
from portal.org.models import Company
from tests.dataio.books import (
    COMPANY_HEADER,
    company_row,
    macro_workbook,
    xlsx_bytes,
    zip_bomb,
)


def _companies() -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(Company))


def test_a_macro_enabled_package_under_an_xlsx_name_cannot_be_read(db, run_import):
    before = _companies()

    result = run_import("companies", macro_workbook(), "--apply", name="register.xlsx")

    assert result.exit_code == 2
    assert result.payload["error"]["code"] == "macro"
    assert "マクロ" in result.payload["error"]["message"]
    assert _companies() == before


def test_a_zip_bomb_is_judged_from_declared_sizes_before_inflating(monkeypatch):
    bomb = zip_bomb(inflated_mb=300)

    def no_inflating(*args, **kwargs):
        raise AssertionError("a member was inflated")

    monkeypatch.setattr(zipfile.ZipExtFile, "read", no_inflating)
    started = time.perf_counter()
    with pytest.raises(ReadError) as refused:
        check_package(bomb)

    assert refused.value.code == "zip_bomb"
    assert time.perf_counter() - started < 1.0


def test_a_zip_bomb_disguised_as_xlsx_cannot_be_read(db, run_import):
    result = run_import("companies", zip_bomb(inflated_mb=300), name="register.xlsx")

    assert result.exit_code == 2
    assert result.payload["error"]["code"] == "zip_bomb"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        b"\x00\x01\x02binary",
    ],
)
def test_a_file_that_is_no_spreadsheet_cannot_be_read(db, run_import, data):
    result = run_import("companies", data, name="register.xlsx")

    assert result.exit_code == 2
    assert result.payload["error"]["code"] == "not_spreadsheet"


def test_a_zip_that_is_no_workbook_cannot_be_read(db, run_import, tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")

    result = run_import("companies", path)

    assert (result.exit_code, result.payload["error"]["code"]) == (2, "not_spreadsheet")


def test_an_empty_file_cannot_be_read(db, run_import):
    result = run_import("companies", b"", name="empty.csv")

    assert result.exit_code == 2
    assert result.payload == {
        "file": result.payload["file"],
        "error": {"code": "empty", "message": "ファイルが空です。"},
    }


def test_a_legacy_xls_or_password_protected_workbook_cannot_be_read(db, run_import):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024

    result = run_import("companies", ole2, name="old.xls")

    assert (result.exit_code, result.payload["error"]["code"]) == (2, "legacy_or_encrypted")


def test_a_truncated_workbook_cannot_be_read(db, run_import):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1)])

    result = run_import("companies", book[: len(book) // 2])

    assert (result.exit_code, result.payload["error"]["code"]) == (2, "corrupt")


def test_a_file_over_the_size_limit_is_refused_without_reading_it(db, run_import, tmp_path):
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as f:
        f.truncate(reading.MAX_FILE_BYTES + 1)  # sparse: no 20 MB written

    result = run_import("companies", path)

    assert (result.exit_code, result.payload["error"]["code"]) == (2, "too_large")


def test_a_missing_file_cannot_be_read(db, run_import, tmp_path):
    result = run_import("companies", tmp_path / "nowhere.xlsx")

    assert (result.exit_code, result.payload["error"]["code"]) == (2, "not_found")


def test_the_sheet_option_reads_the_named_sheet(db, run_import):
    book = xlsx_bytes([["目次"]], extra_sheets=["委託先"])
    # Put the register on the second sheet.
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(book))
    ws = wb["委託先"]
    ws.append(COMPANY_HEADER)
    ws.append(company_row(1))
    buf = io.BytesIO()
    wb.save(buf)

    first = run_import("companies", buf.getvalue())
    named = run_import("companies", buf.getvalue(), "--sheet", "委託先")

    assert first.exit_code == 2
    assert (named.exit_code, named.payload["create"]) == (0, 1)


def test_an_unknown_sheet_name_cannot_be_read(db, run_import):
    result = run_import("companies", xlsx_bytes([COMPANY_HEADER]), "--sheet", "存在しない")

    assert (result.exit_code, result.payload["error"]["code"]) == (2, "sheet_not_found")


def test_a_csv_in_an_unknown_encoding_cannot_be_read(db, run_import):
    data = "法人番号,名称\n".encode("utf-16-le")

    result = run_import("companies", data, name="book.csv")

    assert result.exit_code == 2
