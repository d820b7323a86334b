"""Draft the 個人情報取扱特記事項 of a contract from its particulars, as DOCX or PDF.

The text is the clause set's standard text (``contract_templates/texts/<set>/tokki_jiko.txt``)
with the contract's particulars filled in (``${contract_title}`` …). The PDF embeds a Japanese
TrueType font (IPAex 明朝, Debian package fonts-ipaexfont-mincho, or ``$PORTAL_PDF_FONT``) so it
renders and extracts the same everywhere. Checking a drafted document gives eight `present`
(tests/clausecheck/test_clausecheck_draft.py).
"""

from __future__ import annotations

import io
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from string import Template
from typing import Literal
from xml.sax.saxutils import escape

from portal.clausecheck.clauseset import ClauseSet
from portal.wareki import wareki_date

FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-mincho.ttf"),
)
_FONT_NAME = "PortalJapanese"
_font_lock = threading.Lock()
_registered_font: Path | None = None

BlockKind = Literal["note", "title", "heading", "body", "item"]
# Control characters, lone surrogates and non-characters: not allowed in XML 1.0.
_UNWRITABLE = frozenset({"Cc", "Cs", "Cn"})


class FontNotFoundError(RuntimeError):
    """No Japanese TrueType font is installed, so a PDF cannot be drafted."""


class DraftError(ValueError):
    """The standard text or the particulars cannot make a document."""


@dataclass(frozen=True)
class DraftParticulars:
    """What the 特記事項 states about one contract (DOMAIN.md: Contracts and their life)."""

    contract_title: str
    city_name: str
    contractor_name: str
    period_start: date
    period_end: date
    personal_info: str
    handling_place: str
    sensitive: bool = False
    data_subjects: int | None = None
    cloud_provider_country: str | None = None
    server_country: str | None = None
    # 「入間市保有個人情報管理規程第37条第1項の規定」: the city's own rule, for texts shared by
    # several profiles (四日市市 uses the 入間市 texts; its rule is cited, not 入間市's).
    rule_basis: str = ""
    dispatch_basis: str = ""

    def values(self) -> dict[str, str]:
        place = self.handling_place
        if self.cloud_provider_country or self.server_country:
            # 入間市規程 第18条: the provider's country and the server's country are stated
            place += (
                f"（クラウドサービス：提供事業者の所在国 {self.cloud_provider_country or '未定'}、"
                f"サーバの所在国 {self.server_country or '未定'}）"
            )
        values = {
            "contract_title": self.contract_title,
            "city_name": self.city_name,
            "contractor_name": self.contractor_name,
            "period": f"{wareki_date(self.period_start)}から{wareki_date(self.period_end)}まで",
            "personal_info": self.personal_info,
            "sensitive": "あり" if self.sensitive else "なし",
            "data_subjects": (
                f"約{self.data_subjects:,}人" if self.data_subjects is not None else "別途協議"
            ),
            "handling_place": place,
            "rule_basis": self.rule_basis or "関係法令",
            "dispatch_basis": self.dispatch_basis or "関係法令",
        }
        return {k: _plain(v) for k, v in values.items()}


def _plain(text: str) -> str:
    """One line without control characters: the values come from contract fields, and Word
    (XML) refuses a document with a control character anywhere in it."""
    text = re.sub(r"\s+", " ", text).strip()
    return "".join(ch for ch in text if unicodedata.category(ch) not in _UNWRITABLE)


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


def render_tokki_text(
    particulars: DraftParticulars, clause_set: ClauseSet, *, template: str = "tokki_jiko"
) -> str:
    """The standard text of `clause_set` with the particulars filled in."""
    path = clause_set.text_path(template)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DraftError(f"standard text not found: {path}") from exc
    try:
        return Template(raw).substitute(particulars.values())
    except (KeyError, ValueError) as exc:
        raise DraftError(f"{path}: unknown or malformed placeholder {exc}") from exc


_ARTICLE = re.compile(
    r"^(第[0-9０-９一二三四五六七八九十]+条?|[0-9０-９]{1,2}|[(（][0-9０-９]{1,2}[)）])[\s　]"
)


def parse_blocks(text: str) -> list[Block]:
    """Split a standard text into layout blocks (title lines, headings, articles, items)."""
    blocks: list[Block] = []
    seen_body = False
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip().strip("　")
        if not stripped:
            continue
        if stripped in ("別記", "別紙"):
            blocks.append(Block("note", stripped))
        elif re.fullmatch(r"[（(][^）)]{1,30}[）)]", stripped):
            blocks.append(Block("heading", stripped))
            seen_body = True
        elif re.match(r"^[(（][0-9０-９]{1,2}[)）]", stripped):
            blocks.append(Block("item", stripped))
        elif not seen_body and len(stripped) <= 30 and "。" not in stripped:
            blocks.append(Block("title", stripped))
        else:
            blocks.append(Block("body", line.strip()))
            seen_body = seen_body or bool(_ARTICLE.match(stripped))
    return blocks


def draft_tokki_docx(
    particulars: DraftParticulars, clause_set: ClauseSet, *, template: str = "tokki_jiko"
) -> bytes:
    """The 特記事項 as a Word document (A4, 明朝), ready to attach to the contract."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    text = render_tokki_text(particulars, clause_set, template=template)
    values = particulars.values()
    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(25))
    normal = document.styles["Normal"]
    normal.font.name = "IPAexMincho"
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), "IPAex明朝")
    section.footer.paragraphs[0].text = values["contract_title"]
    section.footer.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    for block in parse_blocks(text):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(block.text)
        fmt = paragraph.paragraph_format
        if block.kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(14)
        elif block.kind == "heading":
            run.bold = True
            fmt.space_before = Pt(6)
            fmt.keep_with_next = True
        elif block.kind == "item":
            fmt.left_indent = Mm(7)
            fmt.first_line_indent = Mm(-4)
        elif block.kind == "body":
            fmt.left_indent = Mm(4)
            fmt.first_line_indent = Mm(-4)
    core = document.core_properties
    core.title = f"個人情報取扱特記事項（{values['contract_title']}）"
    core.author = values["city_name"]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def find_japanese_font() -> Path:
    """A Japanese TrueType font file: ``$PORTAL_PDF_FONT`` or a known system path."""
    env = os.environ.get("PORTAL_PDF_FONT")
    candidates = ((Path(env),) if env else ()) + FONT_CANDIDATES
    for path in candidates:
        if path.is_file():
            return path
    raise FontNotFoundError(
        "日本語フォント（TrueType）が見つからないため、PDFを作成できません。"
        "Debian/Ubuntu では fonts-ipaexfont-mincho を導入するか、"
        "環境変数 PORTAL_PDF_FONT にTTFファイルのパスを指定してください。"
    )


def register_japanese_font(path: Path | None = None) -> str:
    """Register the Japanese TTF with reportlab (once) and return its font name."""
    return _register_font(path or find_japanese_font())


def _register_font(path: Path) -> str:
    global _registered_font
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if _registered_font != path:
            pdfmetrics.registerFont(TTFont(_FONT_NAME, str(path)))
            _registered_font = path
    return _FONT_NAME


def draft_tokki_pdf(
    particulars: DraftParticulars,
    clause_set: ClauseSet,
    *,
    template: str = "tokki_jiko",
    font_path: Path | None = None,
) -> bytes:
    """The 特記事項 as an A4 PDF with the Japanese font embedded (subset)."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    text = render_tokki_text(particulars, clause_set, template=template)
    values = particulars.values()
    font = _register_font(font_path or find_japanese_font())
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    styles: dict[BlockKind, ParagraphStyle] = {
        "note": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=14, leading=22, alignment=TA_CENTER, spaceAfter=8
        ),
        "heading": ParagraphStyle("heading", parent=base, spaceBefore=6),
        "body": ParagraphStyle("body", parent=base, leftIndent=4 * mm, firstLineIndent=-4 * mm),
        "item": ParagraphStyle("item", parent=base, leftIndent=8 * mm, firstLineIndent=-4 * mm),
    }
    story: list[object] = []
    for block in parse_blocks(text):
        story.append(Paragraph(escape(block.text), styles[block.kind]))
        if block.kind == "title":
            story.append(Spacer(1, 2 * mm))

    def footer(canvas: object, doc: object) -> None:
        page = canvas.getPageNumber()  # type: ignore[attr-defined]
        canvas.setFont(font, 9)  # type: ignore[attr-defined]
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {page} -")  # type: ignore[attr-defined]

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=22 * mm,
        title=f"個人情報取扱特記事項（{values['contract_title']}）",
        author=values["city_name"],
        creator="委託先監督ポータル",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
