"""Reading an untrusted spreadsheet (.xlsx or CSV) into plain rows.

The bytes come from a person's upload or the command line, so everything here assumes a
hostile file: the format is decided from the bytes (never the file name), a zip package is
judged from its declared sizes before anything is inflated (Python's zipfile never inflates a
member beyond its declared size, so the check bounds the work), macro-enabled packages are
refused, and the parse itself runs in a child process limited in time and memory
(`portal.sandbox.run_limited`), so a file that still manages to explode only kills the child.

openpyxl runs in read-only mode: the sheet XML is streamed row by row instead of building the
whole workbook in memory (openpyxl docs, "Optimised Modes").
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from portal.errors import UploadRejected
from portal.sandbox import SandboxError, SandboxMemoryExceeded, SandboxTimeout, run_limited

MAX_FILE_BYTES = 20 * 1024 * 1024
# A real 10,000-row register inflates to a few MB; these bound a hostile package.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 200
MAX_MEMBERS = 2000
MAX_PHYSICAL_ROWS = 60_000
MAX_DATA_ROWS = 20_000
MAX_COLUMNS = 200
SANDBOX_TIMEOUT_S = 60.0
SANDBOX_MEMORY_MB = 1024

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


class ReadError(UploadRejected):
    """The file cannot be read as a spreadsheet; `code` for machines, `message` in Japanese."""

    code: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula: imported values must be values, not calculations."""

    text: str


Value = str | int | float | bool | date | datetime | Formula | None


@dataclass(frozen=True)
class Table:
    """The non-empty rows of one sheet, each with the row number a person sees (Excel's row
    number; in a CSV the line the record starts on)."""

    format: str  # "xlsx" | "csv"
    sheet: str | None
    encoding: str | None
    rows: list[tuple[int, tuple[Value, ...]]] = field(default_factory=list)


def sniff(data: bytes) -> str:
    """'xlsx' (a zip package), 'csv' (text), or raise ReadError for anything else."""
    if not data:
        raise ReadError("empty", "ファイルが空です。")
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # OLE2: Excel 97-2003 (.xls), or an .xlsx encrypted with a password.
        raise ReadError(
            "legacy_or_encrypted",
            "Excel 97-2003形式（.xls）またはパスワード付きのファイルは読み込めません。"
            "パスワードを外し、Excelブック（.xlsx）またはCSVで保存し直してください。",
        )
    head = data[:8192]
    if b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise ReadError(
            "not_spreadsheet",
            "表計算ファイルではありません。Excelブック（.xlsx）またはCSVを指定してください。",
        )
    return "csv"


def check_package(data: bytes) -> None:
    """Refuse a zip package that is no plain workbook, before inflating any member."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ReadError("corrupt", "ファイルが壊れているため読み込めません。") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _bomb()
        total = 0
        for info in members:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > MAX_MEMBER_RATIO:
                raise _bomb()
        if total > MAX_UNPACKED_BYTES:
            raise _bomb()
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names:
            raise _not_workbook()
        # The content types part is small (bounded above) and names the package's main part.
        types = archive.read("[Content_Types].xml")
        if MACRO_MAIN.encode() in types or any(n.lower().endswith("vbaproject.bin") for n in names):
            raise ReadError(
                "macro",
                "マクロを含むブックは読み込めません。マクロなしのExcelブック（.xlsx）"
                "として保存し直してください。",
            )
        if XLSX_MAIN.encode() not in types:
            raise _not_workbook()


def _bomb() -> ReadError:
    return ReadError(
        "zip_bomb", "展開後のサイズが異常に大きいファイルのため読み込めません（圧縮爆弾の疑い）。"
    )


def _not_workbook() -> ReadError:
    return ReadError(
        "not_spreadsheet",
        "Excelブック（.xlsx）ではありません。Excelブック（.xlsx）またはCSVを指定してください。",
    )


def _too_many_rows() -> ReadError:
    return ReadError(
        "too_many_rows", f"行数が多すぎます（上限{MAX_DATA_ROWS:,}行）。ファイルを分けてください。"
    )


def _cell_value(cell: Any) -> Value:
    value = cell.value
    if value is None:
        return None
    if getattr(cell, "data_type", None) == "f" or not isinstance(
        value, str | int | float | bool | date | datetime | time
    ):
        return Formula(str(value))
    if isinstance(value, time):
        return value.isoformat()
    return value


def _nfkc(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip()


def _read_xlsx(data: bytes, sheet: str | None) -> Table:
    import openpyxl

    check_package(data)
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except ReadError:
        raise
    except Exception:
        raise ReadError("corrupt", "ファイルが壊れているため読み込めません。") from None
    try:
        sheets = book.worksheets
        ws: Any
        if sheet is not None:
            # Exact name first; else the same name after NFKC (a form field normalises it).
            names = [n for n in book.sheetnames if n == sheet] or [
                n for n in book.sheetnames if _nfkc(n) == _nfkc(sheet)
            ]
            if not names:
                raise ReadError(
                    "sheet_not_found",
                    f"シート「{sheet}」がありません（シート: {'、'.join(book.sheetnames)}）。",
                )
            ws = book[names[0]]
        elif sheets:
            ws = sheets[0]
        else:
            raise ReadError("no_sheet", "ワークシートがありません。")
        if not hasattr(ws, "reset_dimensions"):
            raise ReadError("no_sheet", f"「{ws.title}」はワークシートではありません。")
        # The declared dimension of a sheet may lie; read what is really there.
        ws.reset_dimensions()
        rows: list[tuple[int, tuple[Value, ...]]] = []
        try:
            for number, cells in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
                if number > MAX_PHYSICAL_ROWS:
                    raise _too_many_rows()
                values = tuple(_cell_value(c) for c in cells)
                if any(v is not None and v != "" for v in values):
                    rows.append((number, values))
                    if len(rows) > MAX_DATA_ROWS:
                        raise _too_many_rows()
        except ReadError:
            raise
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError, SyntaxError):
            raise ReadError("corrupt", "ファイルが壊れているため読み込めません。") from None
        return Table(format="xlsx", sheet=ws.title, encoding=None, rows=rows)
    finally:
        book.close()


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, else CP932 (Shift_JIS with the NEC and
    IBM extensions Windows writes, e.g. 髙 and 﨑); anything else is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError:
            pass
    raise ReadError(
        "encoding",
        "文字コードを判別できません。UTF-8またはShift_JIS（CP932）のCSVで保存してください。",
    )


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, tuple[Value, ...]]] = []
    start = 1
    try:
        for record in reader:
            if reader.line_num > MAX_PHYSICAL_ROWS:
                raise _too_many_rows()
            values = tuple(v if v != "" else None for v in record[:MAX_COLUMNS])
            if any(v is not None for v in values):
                rows.append((start, values))
                if len(rows) > MAX_DATA_ROWS:
                    raise _too_many_rows()
            start = reader.line_num + 1
    except csv.Error:
        raise ReadError(
            "corrupt", "CSVの形式が正しくありません（引用符の閉じ忘れなど）。"
        ) from None
    return Table(format="csv", sheet=None, encoding=encoding, rows=rows)


def parse_table(data: bytes, sheet: str | None = None) -> Table:
    """Parse in this process (the sandboxed child calls this); every failure is a ReadError."""
    try:
        return _parse(data, sheet)
    except (ReadError, MemoryError):
        raise
    except Exception:
        # openpyxl raises whatever its XML parser or zip layer meets in a broken package.
        raise ReadError("corrupt", "ファイルが壊れているため読み込めません。") from None


def _parse(data: bytes, sheet: str | None) -> Table:
    if len(data) > MAX_FILE_BYTES:
        raise ReadError(
            "too_large",
            f"ファイルが大きすぎます（上限{MAX_FILE_BYTES // (1024 * 1024)}MB）。"
            "ファイルを分けてください。",
        )
    kind = sniff(data)
    if kind == "xlsx":
        return _read_xlsx(data, sheet)
    return _read_csv(data)


def read_table(data: bytes, sheet: str | None = None) -> Table:
    """Parse `data` in a limited child process; every failure is a ReadError."""
    # Cheap refusals first, without starting a child.
    if len(data) > MAX_FILE_BYTES or not data:
        return parse_table(data, sheet)
    sniff(data)
    try:
        return run_limited(
            parse_table, data, sheet, timeout_s=SANDBOX_TIMEOUT_S, memory_mb=SANDBOX_MEMORY_MB
        )
    except ReadError:
        raise
    except SandboxTimeout:
        raise ReadError(
            "timeout", "ファイルの読み込みに時間がかかりすぎたため中止しました。"
        ) from None
    except SandboxMemoryExceeded:
        raise ReadError(
            "too_complex", "ファイルの読み込みに必要なメモリが上限を超えたため中止しました。"
        ) from None
    except SandboxError:
        raise ReadError("corrupt", "ファイルが壊れているため読み込めません。") from None
