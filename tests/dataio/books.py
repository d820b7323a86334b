"""Writes the workbooks and CSV files the import tests read, awkward cases included."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from portal.org.corporate_number import with_check_digit

COMPANY_HEADER = [
    "法人番号",
    "名称",
    "所在地",
    "担当者氏名",
    "担当者メールアドレス",
    "認証種別",
    "認証番号",
    "認証有効期限",
]
CONTRACT_HEADER = [
    "契約番号",
    "件名",
    "担当課",
    "委託先法人番号",
    "契約開始日",
    "契約終了日",
    "契約種別",
    "個人情報の項目",
    "要配慮個人情報",
    "本人の数",
    "取扱場所",
]
USER_HEADER = ["氏名", "メールアドレス", "役割", "所属"]

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def corporate_number(n: int) -> str:
    return with_check_digit(f"{n + 700000000000:012d}")


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    above: Sequence[Sequence[Any]] = (),
    sheet: str = "Sheet1",
    merges: Sequence[str] = (),
    extra_sheets: Sequence[str] = (),
) -> bytes:
    """A workbook whose first sheet holds `above` (title/note rows) then `rows`."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in [*above, *rows]:
        ws.append(list(row))
    for cells in merges:
        ws.merge_cells(cells)
    for name in extra_sheets:
        book.create_sheet(name).append(["別のシート"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)


def company_row(n: int, **overrides: Any) -> list[Any]:
    values = {
        "法人番号": corporate_number(n),
        "名称": f"株式会社テスト{n}",
        "所在地": f"埼玉県入間市豊岡{n}丁目",
        "担当者氏名": f"担当 {n}",
        "担当者メールアドレス": f"tanto{n}@example.co.jp",
        "認証種別": "",
        "認証番号": "",
        "認証有効期限": "",
    }
    values.update(overrides)
    return [values[h] for h in COMPANY_HEADER]


def contract_row(n: int, *, section: str, company: str, **overrides: Any) -> list[Any]:
    values = {
        "契約番号": f"R7-{n:05d}",
        "件名": f"住民情報システム運用保守業務委託{n}",
        "担当課": section,
        "委託先法人番号": company,
        "契約開始日": "令和7年4月1日",
        "契約終了日": "令和8年3月31日",
        "契約種別": "委託",
        "個人情報の項目": "氏名、住所、生年月日",
        "要配慮個人情報": "無",
        "本人の数": "1,200",
        "取扱場所": "委託先",
    }
    values.update(overrides)
    return [values[h] for h in CONTRACT_HEADER]


def user_row(n: int, *, role: str, affiliation: str, **overrides: Any) -> list[Any]:
    values = {
        "氏名": f"取込 太郎{n}",
        "メールアドレス": f"import{n}@city.example.jp",
        "役割": role,
        "所属": affiliation,
    }
    values.update(overrides)
    return [values[h] for h in USER_HEADER]


def realistic_companies(count: int, *, start: int = 1) -> bytes:
    """A register as cities keep it: a title and a note above, a two-row header with a merged
    group label, unknown columns, full-width digits and spaces, 和暦 and Excel dates, empty
    rows. Every data row is valid."""
    group = ["", "", "", "担当者", "", "", "認証", "", "", ""]
    header = [
        "法人番号",
        "名称",
        "所在地",
        "氏名",
        "メールアドレス",
        "備考",
        "種別",
        "番号",
        "有効期限",
        "更新日",
    ]
    # 担当者 + 氏名 = 担当者氏名, 認証 + 種別 = 認証種別 ... after the group labels are joined.
    rows: list[list[Any]] = [group, header]
    kinds = ["ISMS", "プライバシーマーク", "ISMAP", "その他", ""]
    expiries: list[Any] = [
        "令和9年3月31日",
        "R8.9.30",
        "2027/12/31",
        datetime(2028, 1, 31),  # noqa: DTZ001 - Excel date cells carry no zone
        "２０２８年６月３０日",
    ]
    for i in range(count):
        n = start + i
        number = corporate_number(n)
        if n % 7 == 0:
            number = number.translate(FULL_WIDTH)  # typed with a Japanese IME
        if n % 11 == 0:
            number = f"{number[:1]}-{number[1:5]}-{number[5:9]}-{number[9:]}"
        kind = kinds[n % 5]
        rows.append(
            [
                int(number) if n % 5 == 1 and number.isascii() and number.isdigit() else number,
                f"　株式会社テスト{n} " if n % 3 == 0 else f"株式会社テスト{n}",
                f"埼玉県入間市豊岡{n}丁目",
                f"担当 {n}",
                f"Tanto{n}@Example.co.jp" if n % 4 == 0 else f"tanto{n}@example.co.jp",
                "旧システムより移行" if n % 9 == 0 else None,
                kind,
                f"IS-{n:05d}" if kind else "",
                expiries[n % 5] if kind else "",
                date(2025, 4, 1),
            ]
        )
        if n % 250 == 0:
            rows.append([None] * 10)
    return xlsx_bytes(
        rows,
        above=[
            ["委託先事業者一覧（令和7年度）"],
            ["※ 法人番号は国税庁の法人番号公表サイトで確認"],
            [],
        ],
        sheet="委託先一覧",
        merges=["D4:E4", "G4:I4"],
    )


def realistic_contracts(count: int, *, sections: Sequence[str], companies: Sequence[str]) -> bytes:
    """Contracts in Excel: dates as cells, 和暦 and R7.4.1 text, full-width digits, a note row."""
    rows: list[list[Any]] = [[*CONTRACT_HEADER, "備考"]]
    starts: list[Any] = [
        "令和7年4月1日",
        "R7.4.1",
        "2025/4/1",
        date(2025, 4, 1),
        "２０２５－０４－０１",
    ]
    for i in range(count):
        n = i + 1
        rows.append(
            [
                f"R7-{n:05d}" if n % 6 else f"Ｒ７－{n:05d}".translate(FULL_WIDTH),
                f"業務委託{n}（個人情報を含む）",
                sections[n % len(sections)],
                companies[n % len(companies)],
                starts[n % 5],
                date(2026, 3, 31) if n % 2 else "令和8年3月31日",
                "派遣" if n % 10 == 0 else "委託",
                "氏名、住所、電話番号",
                "有" if n % 8 == 0 else "無",
                f"{n * 3:,}" if n % 4 else str(n * 3).translate(FULL_WIDTH),
                ["庁内", "委託先"][n % 2],
                "",
            ]
        )
    return xlsx_bytes(rows, above=[["委託契約一覧"], ["※ 金額は税込"]], sheet="契約")


def realistic_users(
    count: int, *, roles: dict[str, str], sections: Sequence[str], companies: Sequence[str]
) -> bytes:
    """Accounts: the profile's role titles, sections by name, contractors by 法人番号."""
    rows: list[list[Any]] = [[*USER_HEADER, "内線"]]
    for i in range(count):
        n = i + 1
        pick = n % 4
        if pick == 0:
            role, affiliation = roles["contractor"], companies[n % len(companies)]
        elif pick == 1:
            role, affiliation = roles["procurement"], sections[n % len(sections)]
        elif pick == 2:
            role, affiliation = roles["protection_manager"], sections[n % len(sections)]
        else:
            role, affiliation = roles["auditor"], ""
        email = f"Import{n}@City.Example.JP" if n % 5 == 0 else f"import{n}@city.example.jp"
        rows.append([f"取込　花子{n}", email, role, affiliation, f"{1000 + n}"])
    return xlsx_bytes(rows, sheet="職員")


def macro_workbook() -> bytes:
    """An .xlsm package (vbaProject.bin, macro-enabled content type) under any name."""
    plain = xlsx_bytes([COMPANY_HEADER])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            dst.writestr(info, data)
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return out.getvalue()


def zip_bomb(inflated_mb: int = 2048) -> bytes:
    """An .xlsx-looking package whose sheet inflates to `inflated_mb` MB of zeros."""
    plain = xlsx_bytes([COMPANY_HEADER])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(chunk)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
