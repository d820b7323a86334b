"""An imported company name is one line like a typed one: CR/LF would reach mail subjects."""

from __future__ import annotations

from tests.dataio.books import COMPANY_HEADER, company_row, csv_bytes


def test_an_imported_company_name_with_a_line_break_is_refused(db, run_import):
    data = csv_bytes([COMPANY_HEADER, company_row(1, 名称="株式会社テスト\r\nBcc: x@evil.example")])

    result = run_import("companies", data, name="book.csv")

    assert result.refused_rows == {2}
    assert "制御文字" in result.payload["refused"][0]["message"]
