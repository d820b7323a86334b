"""The status report as CSV rows, JSON (CLI) and a PDF with an embedded Japanese font.

The PDF embeds IPAexGothic (Debian fonts-ipaexfont-gothic, installed by `make system-fonts`)
as a TrueType subset, so it prints the same on any PC and its text can be searched and
extracted. User-entered text is never interpreted as reportlab markup (escaped).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from portal.errors import PortalError
from portal.inspection.models import METHOD_LABELS, RESULT_SYMBOLS, ItemResult
from portal.inspection.rules import TARGET_STATUS_LABELS, TargetStatus
from portal.inspection.status import Matrix, StatusReport, StatusRow, build_matrix
from portal.wareki import fiscal_year_label, jst_datetime, wareki_date

FONT_PATH = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
FONT_NAME = "IPAexGothic"
MATRIX_COLUMNS_PER_TABLE = 12
LEGEND = "○：適正　△：指導により改善　×：改善を要する　-：該当なし"


class ReportFontMissing(PortalError):
    """The Japanese font is not installed; the PDF would show empty boxes."""


def _base_header() -> list[str]:
    return [
        "年度",
        "課",
        "契約番号",
        "件名",
        "区分",
        "検査対象事業者",
        "委託先（元請）",
        "状況",
        "期限超過の理由",
        "計画期限",
        "検査予定日",
        "方法",
        "検査者",
        "実施日",
        "是正措置（未了）",
        "是正措置（期限超過）",
    ]


def csv_header(report: StatusReport) -> list[str]:
    return _base_header() + [f"{i.key}:{i.label}" for i in report.profile.inspection.checklist]


def _base_cells(report: StatusReport, r: StatusRow) -> list[Any]:
    insp = r.inspection
    return [
        fiscal_year_label(report.fiscal_year),
        r.section_name,
        r.contract_number,
        r.contract_title,
        r.tier_label,
        r.company_name,
        r.contractor_name,
        r.status_label,
        r.overdue_reason_label,
        r.deadlines.schedule_by.isoformat(),
        insp.scheduled_on.isoformat() if insp else "",
        METHOD_LABELS[insp.method] if insp else "",
        insp.inspector_name if insp else "",
        insp.performed_on.isoformat() if insp and insp.performed_on else "",
        insp.open_actions if insp else 0,
        insp.past_due_actions if insp else 0,
    ]


# portal.csvexport quotes any cell starting with "-" against formula injection, which would
# show 該当なし as '- in Excel; the full-width hyphen reads the same and is left alone.
CSV_SYMBOLS = {**RESULT_SYMBOLS, ItemResult.NOT_APPLICABLE: "－"}


def csv_rows(
    report: StatusReport, rows: Sequence[StatusRow], results: dict[int, dict[str, ItemResult]]
) -> Iterator[list[Any]]:
    keys = [i.key for i in report.profile.inspection.checklist]
    for r in rows:
        cells = results.get(r.inspection.id, {}) if r.inspection else {}
        yield _base_cells(report, r) + [CSV_SYMBOLS[cells[k]] if k in cells else "" for k in keys]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def row_dict(r: StatusRow, results: dict[int, dict[str, ItemResult]]) -> dict[str, Any]:
    insp = r.inspection
    cells = results.get(insp.id, {}) if insp else {}
    return {
        "contract_id": r.contract_id,
        "contract_number": r.contract_number,
        "contract_title": r.contract_title,
        "section": r.section_name,
        "subcontract_id": r.subcontract_id,
        "tier": r.tier,
        "company_id": r.company_id,
        "company": r.company_name,
        "contractor": r.contractor_name,
        "status": r.status.value,
        "status_label": r.status_label,
        "severity": r.severity or None,
        "overdue_reason": r.overdue_reason.value if r.overdue_reason else None,
        "schedule_by": _iso(r.deadlines.schedule_by),
        "complete_by": _iso(r.deadlines.complete_by),
        "record_late": r.record_late,
        "near_year_end": r.near_year_end,
        "inspection_id": insp.id if insp else None,
        "inspection_fiscal_year": insp.fiscal_year if insp else None,
        "scheduled_on": _iso(insp.scheduled_on) if insp else None,
        "method": insp.method.value if insp else None,
        "performed_on": _iso(insp.performed_on) if insp else None,
        "open_actions": insp.open_actions if insp else 0,
        "past_due_actions": insp.past_due_actions if insp else 0,
        "results": {k: RESULT_SYMBOLS[v] for k, v in cells.items()},
    }


def report_dict(report: StatusReport, results: dict[int, dict[str, ItemResult]]) -> dict[str, Any]:
    counts = report.counts()
    return {
        "fiscal_year": report.fiscal_year,
        "label": fiscal_year_label(report.fiscal_year),
        "profile": report.profile.name,
        "article": report.profile.inspection.article,
        "as_of": report.today.isoformat(),
        "overdue_is_violation": report.profile.inspection.overdue_is_violation,
        "total": len(report.rows),
        "counts": {s.value: counts.get(s, 0) for s in TargetStatus},
        "sections": [
            {
                "section": name,
                "total": total,
                "counts": {s.value: c.get(s, 0) for s in TargetStatus},
            }
            for name, c, total in report.counts_by_section()
        ],
        "targets": [row_dict(r, results) for r in report.rows],
    }


# --- PDF -------------------------------------------------------------------------------

# Beyond these, the PDF shows the first rows/columns and says so; the CSV has everything.
# (reportlab draws roughly 10,000 cells a second in pure Python: 2,000 rows ≈ 2 s.)
MAX_PDF_ROWS = 2000
MAX_PDF_MATRIX_COLUMNS = 480


@cache
def _register_font(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not Path(path).is_file():
        raise ReportFontMissing(
            "PDFの作成に必要な日本語フォント（IPAexゴシック）がサーバーにありません。"
            "システム管理者に fonts-ipaexfont-gothic の導入を依頼してください。"
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    return FONT_NAME


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: max(1, n - 1)] + "…"


def _grid_class() -> type:
    """A plain grid flowable: one text object per page part, no per-cell layout work.

    platypus tables measure and wrap every cell (seconds for a few thousand rows); this
    draws pre-clipped strings at fixed column positions and splits across pages.
    """
    from reportlab.lib import colors
    from reportlab.platypus import Flowable

    class Grid(Flowable):  # type: ignore[misc]
        def __init__(
            self,
            header: list[str],
            rows: list[list[str]],
            widths: list[float],
            *,
            font: str,
            size: float = 7.5,
            centre_from: int | None = None,
        ) -> None:
            super().__init__()
            self.header, self.rows, self.widths = header, rows, widths
            self.font, self.size, self.leading = font, size, size * 1.6
            self.centre_from = centre_from

        def _height(self, n_rows: int) -> float:
            return self.leading * (n_rows + 1)

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return sum(self.widths), self._height(len(self.rows))

        def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
            fit = int(avail_height // self.leading) - 1
            if fit < 1:
                return []
            if fit >= len(self.rows):
                return [self]

            def part(rows: list[list[str]]) -> Grid:
                return Grid(
                    self.header,
                    rows,
                    self.widths,
                    font=self.font,
                    size=self.size,
                    centre_from=self.centre_from,
                )

            return [part(self.rows[:fit]), part(self.rows[fit:])]

        def draw(self) -> None:
            canv = self.canv
            total_w = sum(self.widths)
            total_h = self._height(len(self.rows))
            canv.setFillColor(colors.HexColor("#e8eef5"))
            canv.rect(0, total_h - self.leading, total_w, self.leading, stroke=0, fill=1)
            canv.setFillColor(colors.black)
            canv.setStrokeColor(colors.grey)
            canv.setLineWidth(0.4)
            for n in range(len(self.rows) + 2):
                canv.line(0, n * self.leading, total_w, n * self.leading)
            x = 0.0
            for w in [*self.widths, 0.0]:
                canv.line(x, 0, x, total_h)
                x += w
            text = canv.beginText()
            text.setFont(self.font, self.size)
            pad = self.size * 0.4
            widths: dict[str, float] = {}  # centred cells repeat (○ △ × -, counts)
            for r, cells in enumerate([self.header, *self.rows]):
                y = total_h - (r + 1) * self.leading + self.leading * 0.3
                x = 0.0
                for c, (cell, w) in enumerate(zip(cells, self.widths, strict=False)):
                    if cell:
                        if self.centre_from is not None and c >= self.centre_from and r:
                            width = widths.get(cell)
                            if width is None:
                                width = widths[cell] = canv.stringWidth(cell, self.font, self.size)
                            offset = (w - width) / 2
                            text.setTextOrigin(x + max(pad, offset), y)
                        else:
                            text.setTextOrigin(x + pad, y)
                        text.textOut(cell)
                    x += w
            canv.drawText(text)

    return Grid


def _fit(cells: list[Any], widths: list[float], size: float) -> list[str]:
    """Clip each cell to roughly what its column holds (a full-width character ≈ `size`)."""
    return [
        _clip(str(v), max(1, int((w - size) // size))) for v, w in zip(cells, widths, strict=True)
    ]


def status_pdf(
    report: StatusReport,
    rows: Sequence[StatusRow],
    results: dict[int, dict[str, ItemResult]],
    *,
    generated_at: datetime,
    filters: str = "",
    font_path: Path = FONT_PATH,
) -> bytes:
    """The 年度 report: counts per section, each target's status and the ○△×- matrix
    (the first MAX_PDF_ROWS / MAX_PDF_MATRIX_COLUMNS; the CSV has everything)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    font = _register_font(str(font_path))
    grid = _grid_class()
    size = 7.5
    title_style = ParagraphStyle("title", fontName=font, fontSize=15, leading=20)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11.5, leading=16, spaceBefore=6)
    label = fiscal_year_label(report.fiscal_year)
    profile = report.profile

    story: list[Any] = [
        Paragraph(escape(f"{label} 委託先の個人情報取扱状況の検査 実施状況報告"), title_style),
        Spacer(1, 3 * mm),
        Paragraph(
            escape(
                f"{profile.city}{profile.cite_note('inspection')}"
                f" ・ 基準日 {wareki_date(report.today)} ・ 作成 {jst_datetime(generated_at)}"
            ),
            body,
        ),
    ]
    if filters:
        story.append(Paragraph(escape(f"絞り込み: {filters}"), body))
    if not profile.inspection.overdue_is_violation:
        story.append(
            Paragraph(
                escape(
                    f"{profile.cite('inspection') or profile.rule_title}は「努める」規定のため、"
                    "期限超過は警告として示します。"
                ),
                body,
            )
        )

    statuses = list(TargetStatus)
    story.append(Paragraph("課別の件数", h2))
    widths = [45 * mm] + [22 * mm] * (len(statuses) + 1)
    section_rows = [
        _fit([name, *[counts.get(s, 0) for s in statuses], total], widths, size)
        for name, counts, total in report.counts_by_section()
    ]
    all_counts = report.counts()
    section_rows.append(
        _fit(["合計", *[all_counts.get(s, 0) for s in statuses], len(report.rows)], widths, size)
    )
    story.append(
        grid(
            _fit(["課", *[TARGET_STATUS_LABELS[s] for s in statuses], "計"], widths, size),
            section_rows,
            widths,
            font=font,
            size=size,
            centre_from=1,
        )
    )

    story.append(Paragraph(escape(f"対象別の状況（{len(rows)}件）"), h2))
    if len(rows) > MAX_PDF_ROWS:
        story.append(
            Paragraph(
                escape(
                    f"件数が多いため先頭の{MAX_PDF_ROWS}件を掲載しています。"
                    "全件は CSV 出力を利用するか、課・事業者・状況で絞り込んでください。"
                ),
                body,
            )
        )
    widths = [w * mm for w in (28, 30, 58, 16, 44, 24, 26, 14, 26, 14)]
    listing = []
    for r in rows[:MAX_PDF_ROWS]:
        insp = r.inspection
        listing.append(
            _fit(
                [
                    r.section_name,
                    r.contract_number,
                    r.contract_title,
                    r.tier_label,
                    r.company_name,
                    r.status_label,
                    wareki_date(insp.scheduled_on) if insp else "",
                    METHOD_LABELS[insp.method] if insp else "",
                    wareki_date(insp.performed_on) if insp and insp.performed_on else "",
                    insp.open_actions if insp and insp.open_actions else "",
                ],
                widths,
                size,
            )
        )
    header = [
        "課",
        "契約番号",
        "件名",
        "区分",
        "検査対象事業者",
        "状況",
        "検査日",
        "方法",
        "実施日",
        "是正未了",
    ]
    story.append(grid(_fit(header, widths, size), listing, widths, font=font, size=size))

    matrix: Matrix = build_matrix(profile, rows, results)
    if matrix.columns:
        story += [PageBreak(), Paragraph("確認項目別の結果（○△×-）", h2), Paragraph(LEGEND, body)]
        shown = min(len(matrix.columns), MAX_PDF_MATRIX_COLUMNS)
        if shown < len(matrix.columns):
            story.append(
                Paragraph(
                    escape(
                        f"結果を記録した{len(matrix.columns)}件のうち先頭の{shown}件を掲載しています。"
                    ),
                    body,
                )
            )
        widths = [80 * mm] + [15 * mm] * MATRIX_COLUMNS_PER_TABLE
        for start in range(0, shown, MATRIX_COLUMNS_PER_TABLE):
            cols = list(range(start, min(start + MATRIX_COLUMNS_PER_TABLE, shown)))
            head = ["確認項目"] + [
                matrix.columns[c].contract_number
                + ("" if matrix.columns[c].tier == 0 else f"/再{matrix.columns[c].tier}")
                for c in cols
            ]
            data = [
                [item.label] + [matrix.cell(item.key, c) for c in cols] for item in matrix.items
            ]
            w = widths[: len(cols) + 1]
            story += [
                Spacer(1, 3 * mm),
                grid(
                    _fit(head, w, 6),
                    [_fit(d, w, size) for d in data],
                    w,
                    font=font,
                    size=size,
                    centre_from=1,
                ),
            ]

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{label} 検査実施状況報告",
        author=profile.city,
    )
    doc.build(story)
    return buf.getvalue()
