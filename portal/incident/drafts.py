"""Drafts of the PPC's 速報 and 確報 filled from the case, as a printable PDF and as a CSV of
the fields, for staff to copy into the PPC's own form. The portal sends nothing outside.

The items follow 個人情報保護法施行規則 第44条第1項 (概要, 項目, 本人の数, 原因, 二次被害,
本人への対応, 公表, 再発防止策, その他); what is not known yet reads 「（調査中）」, as the
速報 allows.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from portal.errors import PortalError
from portal.incident.assessment import GROUND_LABELS, GROUND_SOURCES, Ground
from portal.incident.clocks import Deadlines
from portal.incident.display import wareki_weekday
from portal.incident.models import Incident
from portal.incident.rules import LAW_CRITERIA, LAW_DEADLINES, IncidentRules
from portal.wareki import jst_datetime, wareki_date

FONT_PATH = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
FONT_NAME = "IPAexGothic"
KINDS = {"sokuho": "速報", "kakuho": "確報"}
PENDING = "（調査中）"


class DraftFontMissing(PortalError):
    """The Japanese font is not installed; the PDF would show empty boxes."""


def _or_pending(text: str) -> str:
    return text.strip() or PENDING


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    if value is None:
        return PENDING
    return yes if value else no


def draft_fields(
    incident: Incident, *, kind: str, rules: IncidentRules, deadlines: Deadlines
) -> list[tuple[str, str]]:
    """(項目, 内容) rows of one draft, in the order of 施行規則 第44条第1項."""
    if kind not in KINDS:
        raise PortalError("報告の種類は速報か確報を指定してください。")
    contract = incident.contract
    grounds = [Ground(g) for g in incident.auto_grounds]
    where = incident.company.name + (
        f"（再委託 第{incident.tier}次）" if incident.tier else "（委託先）"
    )
    measures = "\n".join(
        f"・{m.description}（担当: {m.owner}、期限: {wareki_date(m.due_on)}"
        + (f"、{wareki_date(m.done_on)}完了" if m.done_on else "")
        + "）"
        for m in incident.measures
    )
    notice = _yes_no(incident.notify_individuals, "通知する", "通知しない")
    if incident.individuals_notified_on:
        notice += f"（{wareki_date(incident.individuals_notified_on)}実施）"
    if incident.notify_note:
        notice += f"\n{incident.notify_note}"
    publication = _yes_no(incident.publish, "公表する", "公表しない")
    if incident.published_on:
        publication += f"（{wareki_date(incident.published_on)}実施）"
    if incident.publication_note:
        publication += f"\n{incident.publication_note}"
    secondary = []
    if incident.financial_damage_risk:
        secondary.append("不正に利用されることにより財産的被害が生じるおそれがある。")
    if incident.unlawful_purpose_risk:
        secondary.append("不正の目的をもって行われたおそれがある。")
    sensitive = "、".join(incident.sensitive_kinds) or "なし"
    return [
        ("報告の種類", KINDS[kind]),
        ("報告機関", f"{rules.city} {incident.section.name}"),
        ("事案番号", incident.number),
        (
            f"報告対象事態（{LAW_CRITERIA}）",
            "\n".join(f"{GROUND_LABELS[g]}（{GROUND_SOURCES[g]}）" for g in grounds) or "該当なし",
        ),
        (
            "市の判断",
            _yes_no(incident.reportable, "報告を要する", "報告を要しない")
            + (f"\n{incident.decision_reason}" if incident.decision_reason else ""),
        ),
        ("(1) 概要 件名", incident.title),
        ("(1) 概要 発生日", wareki_date(incident.occurred_on) or "不明"),
        ("(1) 概要 発覚日（委託先）", wareki_date(incident.discovered_on)),
        ("(1) 概要 市が把握した日（1日目）", wareki_weekday(incident.known_on)),
        ("(1) 概要 発生場所", f"{where} 契約: {contract.title}（{contract.number}）"),
        ("(1) 概要 内容", incident.summary),
        ("(2) 漏えい等した保有個人情報の項目", _or_pending(incident.categories)),
        ("(2) 要配慮個人情報", sensitive),
        ("(2) 条例要配慮個人情報", "含む" if incident.ordinance_sensitive else "含まない"),
        ("(3) 本人の数", incident.people.label),
        (
            "(4) 原因",
            "\n".join(
                x
                for x in (incident.cause_label, incident.cause_detail, incident.cause_analysis)
                if x
            ),
        ),
        ("(5) 二次被害又はそのおそれ", "\n".join(secondary) or "現時点で確認されていない"),
        ("(6) 本人への対応の実施状況", notice),
        ("(7) 公表の実施状況", publication),
        (
            "(8) 再発防止のための措置",
            _or_pending("\n".join(x for x in (incident.containment, measures) if x)),
        ),
        (
            "(9) その他参考となる事項",
            "高度な暗号化等の措置あり（鍵の漏えいなし）" if incident.encrypted_key_safe else "",
        ),
        (
            f"報告期限（{LAW_DEADLINES}）",
            f"速報 {wareki_weekday(deadlines.sokuho_due)}（目安） / "
            f"確報 {wareki_weekday(deadlines.kakuho_due)}",
        ),
    ]


CSV_HEADER = ["項目", "内容"]


@cache
def _register_font(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not Path(path).is_file():
        raise DraftFontMissing(
            "PDFの作成に必要な日本語フォント（IPAexゴシック）がサーバーにありません。"
            "システム管理者に fonts-ipaexfont-gothic の導入を依頼してください。"
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    return FONT_NAME


def _para(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    # User text is never reportlab markup: escaped, newlines as line breaks.
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def draft_pdf(
    fields: Sequence[tuple[str, str]],
    *,
    kind: str,
    city: str,
    generated_at: datetime,
    font_path: Path = FONT_PATH,
) -> bytes:
    """A4 portrait: a title, a note that this is a draft, and a two-column table of fields."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font(str(font_path))
    title = ParagraphStyle("title", fontName=font, fontSize=14, leading=20)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    label = ParagraphStyle("label", fontName=font, fontSize=8.5, leading=12)
    rows = [[_para(k, label), _para(v or "", body)] for k, v in fields]
    table = Table(rows, colWidths=[52 * mm, 124 * mm], repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.94, 0.94, 0.94)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        _para(f"個人情報保護委員会への漏えい等報告（{KINDS[kind]}）下書き", title),
        Spacer(1, 2 * mm),
        _para(
            f"{city} ・ 作成 {jst_datetime(generated_at)} ・ この下書きの内容を委員会の報告様式に"
            "転記してください（ポータルからは送信されません）。",
            body,
        ),
        Spacer(1, 4 * mm),
        table,
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=17 * mm,
        rightMargin=17 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"漏えい等報告（{KINDS[kind]}）下書き",
        author=city,
    )
    doc.build(story)
    return buf.getvalue()


def draft_filename(incident: Incident, kind: str, ext: str, today: date) -> str:
    return f"漏えい等報告_{KINDS[kind]}_{incident.number}_{today.isoformat()}.{ext}"
