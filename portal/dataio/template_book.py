"""The downloadable template of each kind: the headers the import always recognises (in
Japanese), drop-down lists for the choices, and a sheet explaining each column."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.dataio.kinds import (
    CERTIFICATE_CHOICES,
    IMPORTERS,
    KIND_CHOICES,
    LOCATION_CHOICES,
    SENSITIVE_CHOICES,
)
from portal.dataio.models import KIND_LABELS, ImportKind

DATE_NOTE = "令和7年4月1日、R7.4.1、2025/4/1 のいずれでも可（日付のセルも可）"
NOTES: dict[ImportKind, dict[str, str]] = {
    ImportKind.COMPANIES: {
        "法人番号": "必須。13桁（チェックデジットを確認します）。"
        "この列で既存の事業者を探し、あれば更新します",
        "名称": "必須",
        "認証種別": "任意。" + " / ".join(CERTIFICATE_CHOICES),
        "認証番号": "認証種別を入れた行は必須",
        "認証有効期限": "任意。" + DATE_NOTE,
    },
    ImportKind.CONTRACTS: {
        "契約番号": "必須。この列で既存の契約を探し、あれば更新します",
        "担当課": "必須。登録済みの課名または課コード（課の職員は自分の課のみ）",
        "委託先法人番号": "必須。先に委託先事業者として登録されていること",
        "契約開始日": "必須。" + DATE_NOTE + "。年度は開始日から決まります",
        "契約終了日": "必須。開始日以降",
        "契約種別": " / ".join(KIND_CHOICES),
        "要配慮個人情報": " / ".join(SENSITIVE_CHOICES),
        "本人の数": "0以上の整数（1,200 のようなカンマ可）",
        "取扱場所": " / ".join(LOCATION_CHOICES)
        + "。クラウドの場合は右の3列も必須（外国での取扱いの確認）",
    },
    ImportKind.USERS: {
        "メールアドレス": "必須。この列で既存の利用者を探し、あれば更新します"
        "（大文字・小文字は区別しません）",
        "役割": "この市の役割名",
        "所属": "課の職員は課名、委託先担当者は委託先の法人番号、その他の役割は空欄",
    },
}


def template_workbook(kind: ImportKind, role_titles: dict[str, str]) -> bytes:
    columns = IMPORTERS[kind].columns
    book = Workbook()
    ws = book.create_sheet(KIND_LABELS[kind], 0)
    book.remove(book.worksheets[1])
    ws.title = KIND_LABELS[kind]
    ws.append([c.header for c in columns])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        ws.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) * 2.4)
    ws.freeze_panes = "A2"
    choices = {
        "認証種別": list(CERTIFICATE_CHOICES),
        "契約種別": list(KIND_CHOICES),
        "要配慮個人情報": list(SENSITIVE_CHOICES),
        "取扱場所": list(LOCATION_CHOICES),
        "役割": list(role_titles.values()),
    }
    for index, column in enumerate(columns, start=1):
        if column.header in choices:
            letter = get_column_letter(index)
            listed = ",".join(choices[column.header])
            rule = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            rule.add(f"{letter}2:{letter}10001")
            ws.add_data_validation(rule)
    notes = book.create_sheet("記入方法")
    notes.append(["見出し", "入力のしかた"])
    for column in columns:
        text = NOTES[kind].get(column.header, "任意" if not column.required else "")
        notes.append([column.header, text])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 90
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
