"""The .xlsx exports: opened with openpyxl and checked cell by cell against the CSV."""
# ruff: noqa: DTZ001 - Excel date cells hold naive Japan-time values

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from portal.account.models import Role
from portal.contract.models import ContractStatus
from portal.xlsxexport import WAREKI_DATE, WAREKI_DATETIME, xlsx_bytes
from tests.factories import make_company, make_section, make_user
from tests.inspection.factories import make_contract


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def test_header_is_frozen_bold_filtered_and_columns_are_sized():
    ws = _sheet(xlsx_bytes(["契約番号", "件名"], [["A-1", "とても長い件名の業務委託契約"]]))

    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B2"
    assert ws["A1"].font.b
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def test_dates_are_real_dates_shown_in_wareki():
    ws = _sheet(
        xlsx_bytes(
            ["開始", "日時", "日付"],
            [["2025-04-01", "2026-05-12 09:30", datetime(2026, 5, 12, 0, 30, tzinfo=UTC)]],
        )
    )

    assert ws["A2"].value == datetime(2025, 4, 1)
    assert ws["A2"].number_format == WAREKI_DATE
    assert ws["B2"].value == datetime(2026, 5, 12, 9, 30)
    assert ws["B2"].number_format == WAREKI_DATETIME
    # A UTC timestamp is written in Japan time (Excel has no time zones).
    assert ws["C2"].value == datetime(2026, 5, 12, 9, 30)


def test_a_fiscal_year_column_is_added_from_the_first_date_when_missing():
    ws = _sheet(xlsx_bytes(["件名", "開始"], [["A", date(2026, 3, 31)], ["B", date(2026, 4, 1)]]))

    assert [c.value for c in ws[1]] == ["件名", "開始", "年度"]
    assert (ws["C2"].value, ws["C3"].value) == ("令和7年度", "令和8年度")


def test_text_that_looks_like_a_formula_stays_text():
    ws = _sheet(xlsx_bytes(["件名"], [['=HYPERLINK("http://evil.example","x")'], ["+1"], ["-"]]))

    assert [(c.value, c.data_type) for (c,) in ws.iter_rows(min_row=2)] == [
        ('=HYPERLINK("http://evil.example","x")', "s"),
        ("+1", "s"),
        ("-", "s"),
    ]


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _as_csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.strftime("%Y-%m-%d %H:%M")
        )
    return str(value)


@pytest.mark.parametrize(
    "url",
    [
        "/contracts/export.csv",
        "/subcontracts/chains.csv",
        "/inspections/status.csv",
        "/erasure/export.csv",
        "/exchange/access-records.csv",
        "/audit/export.csv",
    ],
)
def test_every_csv_export_has_an_xlsx_twin_with_the_same_cells(db, login_as, url):
    section = make_section()
    company = make_company()
    make_contract(
        section=section,
        company=company,
        status=ContractStatus.ACTIVE,
        title="=危険な件名",
        period_start=date(2025, 4, 1),
        period_end=date(2026, 3, 31),
    )
    client = login_as(make_user(Role.CHIEF if "access-records" in url else Role.AUDITOR))

    as_csv = client.get(url)
    as_xlsx = client.get(url + "?format=xlsx")

    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in as_xlsx.headers["Content-Disposition"]
    expected = _csv_cells(as_csv.data)
    ws = _sheet(as_xlsx.data)
    rows = [[_as_csv_text(c.value) for c in row] for row in ws.iter_rows()]
    header = rows[0]
    assert header[: len(expected[0])] == expected[0]
    assert len(rows) == len(expected)
    for got, want in zip(rows[1:], expected[1:], strict=True):
        # The CSV quotes formula-like text with a leading '; the workbook stores it as text.
        assert got[: len(want)] == [w[1:] if w.startswith("'") else w for w in want]
