"""Normalise extracted page text into a structured, searchable document.

Two texts are kept:

- ``display``: what a person sees as evidence. NFKC (full-width digits and letters, half-width
  kana), spaces that PDF extraction puts between Japanese characters removed, lines broken
  inside a sentence joined (also across page breaks, so a heading at the foot of a page stays
  with its body), page numbers and repeated page headers/footers dropped. One line per
  structural unit: title, chapter, heading ``(秘密の保持)``, paragraph (第N条 / 第N / 2 …) or
  item ((1) / ① / ア …).
- ``canon``: what the clause patterns search. ``display`` with spelling variants unified
  (漏洩→漏えい, 毀損→き損, 返却→返還, 取り扱い→取扱い, および→及び …) and a newline after every
  sentence-final 「。」 outside brackets, so a regex ``.`` never crosses a sentence. Each list
  item is also repeated after the main text together with its lead-in sentence
  (「乙は、次に掲げる行為をしてはならない。」), so an item such as 「(2) 目的外に利用すること」
  is read with the prohibition that governs it.

`canon_to_display` maps every canon index back to ``display``; `page_at` gives the page.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from portal.clausecheck.extract import ExtractedDocument

UnitKind = Literal["title", "chapter", "heading", "para", "item"]

_JP = (
    r"\u3005-\u3007\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\u3000-\u303f\uff00-\uffef"
)
_SPACE_JJ = re.compile(f"(?<=[{_JP}])[ \\t]+(?=[{_JP}0-9(\\[])")
_SPACE_DJ = re.compile(f"(?<=[0-9)\\]])[ \\t]+(?=[{_JP}])")
_COMMA = re.compile(f"(?<=[{_JP}]),|,(?=[{_JP}])")
_PERIOD = re.compile(f"(?<=[{_JP}])\\.(?![0-9])")
_WS = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff\x00-\x08\x0b-\x1f\x7f]")

_CIRCLED = {chr(0x2460 + i): f"({i + 1})" for i in range(20)}  # ①..⑳
_CIRCLED.update({chr(0x2776 + i): f"({i + 1})" for i in range(10)})  # ❶..❿
_CIRCLED.update({chr(0x24EB + i): f"({i + 11})" for i in range(10)})  # ⓫..⓴
_CIRCLED_TABLE = str.maketrans(_CIRCLED)

PI_PATTERN = re.compile(
    r"個人(?:情報|データ|番号|に関する情報)|住民(?:情報|記録)|特定個人情報|要配慮|マイナンバー"
)

_KANJI_NUM = "〇一二三四五六七八九十百"
_NUM = f"(?:[0-9]{{1,3}}|[{_KANJI_NUM}]{{1,4}})"
_ARTICLE = re.compile(
    rf"^第\s*({_NUM})\s*(条)?\s*(?:の\s*({_NUM}))?"
    r"(?:(?<=条)(?![のにをはがでとへ、。や及並又若第各まかよ,])|(?=\s|\(|$))"
)
_INLINE_HEADING = re.compile(r"^\s*\(([^()]{1,30})\)\s*")
_CHAPTER = re.compile(rf"^第\s*{_NUM}\s*[章節款](?:\s|$|[^のにをはがでと])")
_HEADING = re.compile(r"^[(\[【〔<]([^()\[\]【】〔〕<>。]{1,30})[)\]】〕>]$")
_HEADING_BEFORE_ARTICLE = re.compile(
    r"^\(([^()。]{1,30})\)\s*(?=第\s*[0-9〇一二三四五六七八九十百])"
)
_NOT_HEADING = re.compile(r"^(?:以下|注|※|昭和|平成|令和|[0-9]+$)|という|参照")
_PARA_NO = re.compile(r"^([0-9]{1,2})(?:\s+|[.、](?![0-9])\s*)(?=\S)")
_ITEM_PAREN = re.compile(r"^\(([0-9]{1,2})\)\s*")
_ITEM_HALF = re.compile(r"^([0-9]{1,2})\)\s*")
_IROHA = "アイウエオカキクケコサシスセソタチツテトナニヌネノ"
_ITEM_KATA = re.compile(rf"^\(?([{_IROHA}])(?:\)\s*|\s+|\.\s*)(?=\S)")
_ITEM_KANJI = re.compile(r"^([一二三四五六七八九十]{1,3})\s+(?=\S)")
_BULLET = re.compile(r"^[・•●◆■\-－‐]\s*(?=\S)")
_TITLE_WORDS = re.compile(r"特記事項|契約書|覚書|別記|別紙|別添|仕様書|約款|協定書|合意書|誓約書")
_TITLE_RESETS = re.compile(r"仕様書|契約書|約款|別紙|別添|協定書")
_PAGE_FURNITURE = re.compile(
    r"^(?:[-‐－–—―ー~〜]?\s*[0-9]{1,4}\s*[-‐－–—―ー~〜]?"
    r"|[0-9]{1,4}\s*/\s*[0-9]{1,4}|(?:p|P|page|Page|PAGE|ページ|頁)\.?\s*[0-9]{1,4}"
    r"|[0-9]{1,4}\s*(?:ページ|頁)|第\s*[0-9]{1,4}\s*(?:ページ|頁))$"
)

# display spelling → canonical spelling (the clause patterns are written in canonical spelling)
_VARIANTS: dict[str, str] = {
    "漏洩": "漏えい",
    "漏泄": "漏えい",
    "ろうえい": "漏えい",
    "洩": "漏",
    "毀損": "き損",
    "棄損": "き損",
    "きそん": "き損",
    "めっ失": "滅失",
    "返却": "返還",
    "取り扱": "取扱",
    "および": "及び",
    "または": "又は",
    "もしくは": "若しくは",
    "ならびに": "並びに",
    "すみやかに": "速やかに",
    "ただちに": "直ちに",
    "但し": "ただし",
    "但書": "ただし書",
    "出来": "でき",
    "恐れ": "おそれ",
    "虞": "おそれ",
    "行なう": "行う",
    "行ない": "行い",
    "行なわ": "行わ",
    "行なっ": "行っ",
    "行なえ": "行え",
    "立ち入": "立入",
    "引き渡": "引渡",
    "申し出": "申出",
    "受け取": "受取",
    "届け出": "届出",
    "取り決": "取決",
    "コピー": "複写",
    "再委任": "再委託",
}
_VARIANT_RX = re.compile("|".join(sorted(map(re.escape, _VARIANTS), key=len, reverse=True)))
_OPEN = "([「『【〔{"
_CLOSE = ")]」』】〕}"
_PAREN_RX = re.compile(r"[()\[\]「」『』【】〔〕{}。]")
_MAX_PAREN_RUN = 250


@dataclass
class Unit:
    kind: UnitKind
    text: str
    page: int
    article: int  # -1 before the first article group
    paragraph: int  # -1 for titles, chapters and headings
    line_pages: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page)


@dataclass
class Article:
    label: str | None  # 第7条 → "7"; None when unnumbered
    headings: list[int]  # unit indexes
    pi_context: bool


@dataclass
class Paragraph:
    article: int
    units: list[int]


@dataclass
class NormalizedDocument:
    name: str
    kind: str
    page_count: int
    units: list[Unit]
    articles: list[Article]
    paragraphs: list[Paragraph]
    display: str
    unit_starts: list[int]  # display offset of each unit
    canon: str
    canon_to_display: array[int]
    unit_canon_starts: list[int]  # canon offset of each unit (main part)
    main_canon_end: int  # canon offsets >= this are repeated items
    virtual_starts: list[int]  # canon offset of each repeated item
    virtual_units: list[int]  # its unit index
    paragraph_pi: list[bool] = field(default_factory=list)

    def unit_at_canon(self, pos: int) -> int:
        if pos >= self.main_canon_end:
            k = bisect_right(self.virtual_starts, pos) - 1
            return self.virtual_units[max(k, 0)]
        return max(bisect_right(self.unit_canon_starts, pos) - 1, 0)

    def unit_at_display(self, pos: int) -> int:
        return max(bisect_right(self.unit_starts, pos) - 1, 0)

    def page_at(self, display_pos: int) -> int:
        unit_no = self.unit_at_display(display_pos)
        unit = self.units[unit_no]
        offset = display_pos - self.unit_starts[unit_no]
        page = unit.page
        for start, line_page in unit.line_pages:
            if start <= offset:
                page = line_page
            else:
                break
        return page

    def display_span(self, canon_start: int, canon_end: int) -> tuple[int, int]:
        start = self.canon_to_display[canon_start]
        end = self.canon_to_display[max(canon_end - 1, canon_start)] + 1
        return start, max(end, start)

    def unit_display_range(self, unit: int) -> tuple[int, int]:
        start = self.unit_starts[unit]
        return start, start + len(self.units[unit].text)

    def paragraph_canon_range(self, paragraph: int) -> tuple[int, int]:
        units = self.paragraphs[paragraph].units
        return self.unit_canon_range(units[0])[0], self.unit_canon_range(units[-1])[1]

    def unit_canon_range(self, unit: int) -> tuple[int, int]:
        start = self.unit_canon_starts[unit]
        end = (
            self.unit_canon_starts[unit + 1]
            if unit + 1 < len(self.unit_canon_starts)
            else self.main_canon_end
        )
        return start, end


def has_pi(text: str) -> bool:
    return PI_PATTERN.search(text) is not None


# --- line preparation -------------------------------------------------------------------------


def prepare_line(raw: str) -> str:
    """NFKC and whitespace clean-up of one physical line (structure markers still spaced)."""
    line = raw.translate(_CIRCLED_TABLE)
    line = unicodedata.normalize("NFKC", line)
    line = _INVISIBLE.sub("", line)
    if _is_letter_spaced(line):
        # 「第 1 2 条 乙 は 、」: some PDF producers space every character; a wider gap stays
        line = _SINGLE_SPACE.sub("", line)
    line = _WS.sub(" ", line).strip()
    line = _COMMA.sub("、", line)
    return _PERIOD.sub("。", line)


_SINGLE_SPACE = re.compile(r"(?<=[^ \t]) (?=[^ \t])")


def _is_letter_spaced(line: str) -> bool:
    tokens = line.strip().split(" ")
    if len(tokens) < 4:
        return False
    short = sum(1 for t in tokens if len(t) <= 1)
    return short / len(tokens) >= 0.8


def strip_jp_spaces(text: str) -> str:
    """Remove spaces PDF extraction inserts between Japanese characters (and around digits)."""
    text = _SPACE_JJ.sub("", text)
    return _SPACE_DJ.sub("", text)


@dataclass
class _Line:
    text: str
    page: int
    hard: bool  # preceded by a paragraph boundary


def _page_lines(pages: list[str]) -> list[list[tuple[str, bool]]]:
    result: list[list[tuple[str, bool]]] = []
    for number, page in enumerate(pages):
        lines: list[tuple[str, bool]] = []
        # A page break is not a paragraph break: a sentence (or a heading and its body) may
        # continue on the next page. An empty line at the top of a page makes it one.
        hard = number == 0
        for raw in page.split("\n"):
            line = prepare_line(raw)
            if not line:
                hard = True
                continue
            lines.append((line, hard))
            hard = False
        result.append(lines)
    return result


def _drop_furniture(pages: list[list[tuple[str, bool]]]) -> None:
    """Drop page numbers and running headers/footers (first/last lines repeated on most pages)."""
    edge = Counter[str]()
    for lines in pages:
        keys = {_furniture_key(t) for t, _ in lines[:2] + lines[-2:]}
        edge.update(keys)
    # On 2-3 pages a running header must be on every page; on more, on half of them.
    threshold = len(pages) if len(pages) < 4 else max(3, (len(pages) + 1) // 2)
    repeated = {k for k, n in edge.items() if n >= threshold and len(pages) >= 2}
    for lines in pages:
        n = len(lines)
        keep: list[tuple[str, bool]] = []
        for i, (text, hard) in enumerate(lines):
            at_edge = i < 2 or i >= n - 2
            if at_edge and (_PAGE_FURNITURE.match(text) or _furniture_key(text) in repeated):
                continue
            keep.append((text, hard))
        lines[:] = keep


def _furniture_key(text: str) -> str:
    return re.sub(r"[0-9]+", "#", text.replace(" ", ""))


# --- structure --------------------------------------------------------------------------------


def _num_value(token: str) -> int:
    if token.isdigit():
        return int(token)
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    total, current = 0, 0
    for ch in token:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = digits.get(ch, 0)
    return total + current


_MARKER_ONLY = re.compile(r"(?:第[0-9]+(?:の[0-9]+)?条?|[0-9]+)? ?")


def _with_marker(marker: str, rest: str) -> str:
    return f"{marker} {rest}".rstrip() if rest else marker


class _Builder:
    def __init__(self) -> None:
        self.units: list[Unit] = []
        self.articles: list[Article] = []
        self.paragraphs: list[Paragraph] = []
        self.open_unit: int | None = None
        self.pending_headings: list[int] = []
        self.region_pi = False
        self.chapter_pi = False
        self.para_no = 0
        self.item_no = 0
        self.article_has_body = False
        self.seen_structure = False

    # units ------------------------------------------------------------------------------
    def _add(self, kind: UnitKind, text: str, page: int, *, paragraph: int = -1) -> int:
        article = len(self.articles) - 1
        self.units.append(Unit(kind, text, page, article, paragraph, [(0, page)]))
        return len(self.units) - 1

    def close(self) -> None:
        self.open_unit = None

    def _new_article(self, label: str | None, inline_heading: str | None, page: int) -> None:
        headings = list(self.pending_headings)
        self.pending_headings = []
        self.articles.append(Article(label, headings, False))
        article = len(self.articles) - 1
        for h in headings:
            self.units[h].article = article
        if inline_heading:
            headings.append(self._add("heading", inline_heading, page))
        heading_text = "".join(self.units[h].text for h in headings)
        self.articles[-1].pi_context = self.region_pi or self.chapter_pi or has_pi(heading_text)
        self.para_no = 0
        self.item_no = 0
        self.article_has_body = False

    def _new_paragraph(self, text: str, page: int) -> None:
        if not self.articles or self.pending_headings:
            self._new_article(None, None, page)
        self.paragraphs.append(Paragraph(len(self.articles) - 1, []))
        p = len(self.paragraphs) - 1
        u = self._add("para", text, page, paragraph=p)
        self.paragraphs[p].units.append(u)
        self.open_unit = u
        self.item_no = 0
        if _MARKER_ONLY.fullmatch(text) is None:
            self.article_has_body = True

    def _new_item(self, text: str, page: int) -> None:
        if not self.paragraphs or self.pending_headings:
            self._new_paragraph("", page)
        p = len(self.paragraphs) - 1
        u = self._add("item", text, page, paragraph=p)
        self.paragraphs[p].units.append(u)
        self.open_unit = u
        self.article_has_body = True

    def _append(self, text: str, page: int) -> None:
        if self.open_unit is None:
            return
        unit = self.units[self.open_unit]
        if not unit.text:
            unit.text = text
            unit.line_pages = [(0, page)]
            return
        joiner = " " if unit.text[-1].isascii() and text[0].isascii() else ""
        if _MARKER_ONLY.fullmatch(unit.text):
            joiner = " "
        if joiner == "" and unit.text[-1] == " ":
            unit.text = unit.text.rstrip()
        offset = len(unit.text) + len(joiner)
        unit.text = unit.text + joiner + text
        if page != unit.line_pages[-1][1]:
            unit.line_pages.append((offset, page))
        self.article_has_body = True

    # lines ------------------------------------------------------------------------------
    def feed(self, line: str, page: int, hard: bool) -> None:
        fresh = hard or self.open_unit is None or self._open_ends_sentence()

        m = _HEADING_BEFORE_ARTICLE.match(line)
        if m and not _NOT_HEADING.search(m.group(1)):
            self.close()
            self.pending_headings.append(self._add("heading", m.group(1).strip(), page))
            line = line[m.end() :]

        if _CHAPTER.match(line) and len(line) <= 40 and "。" not in line:
            self.close()
            self.chapter_pi = has_pi(line)
            self._add("chapter", strip_jp_spaces(line), page)
            self.seen_structure = True
            return

        m = _HEADING.match(line)
        if m and not _NOT_HEADING.search(m.group(1)):
            self.close()
            heading = strip_jp_spaces(m.group(1)).strip()
            self.pending_headings.append(self._add("heading", heading, page))
            self.seen_structure = True
            return

        m = _ARTICLE.match(line)
        if m:
            self.close()
            label = str(_num_value(m.group(1)))
            if m.group(3):
                label += f"の{_num_value(m.group(3))}"
            rest = line[m.end() :]
            inline = _INLINE_HEADING.match(rest)
            inline_heading = None
            if inline and not _NOT_HEADING.search(inline.group(1)):
                inline_heading = strip_jp_spaces(inline.group(1))
                rest = rest[inline.end() :]
            elif 0 < len(rest.strip()) <= 25 and not re.search(r"[、。,はがを]", rest):
                # 「第二 秘密等の保持」: a title after the number, the body follows on its own
                # line (「第2条 乙は業務上知り得た…」 wrapped in a PDF is a body, not a title)
                inline_heading = strip_jp_spaces(rest.strip())
                rest = ""
            self._new_article(label, inline_heading, page)
            marker = f"第{label}条" if m.group(2) else f"第{label}"
            self._new_paragraph(_with_marker(marker, strip_jp_spaces(rest.strip())), page)
            self.para_no = 1
            self.seen_structure = True
            return

        m = _PARA_NO.match(line)
        if m:
            n = int(m.group(1))
            if n == self.para_no + 1 or (n == 1 and not self.article_has_body):
                self.close()
                self._new_paragraph(_with_marker(str(n), strip_jp_spaces(line[m.end() :])), page)
                self.para_no = n
                self.seen_structure = True
                return

        item = self._item_number(line)
        if item is not None:
            n, end = item
            if n == self.item_no + 1 or n == 1:
                self.close()
                self._new_item(f"({n}) " + strip_jp_spaces(line[end:].strip()), page)
                self.item_no = n
                self.seen_structure = True
                return

        bullet = _BULLET.match(line)
        if bullet and (hard or fresh):
            self.close()
            self._new_item("・" + strip_jp_spaces(line[bullet.end() :]), page)
            return

        text = strip_jp_spaces(line)
        if fresh and self._is_title(text):
            self.close()
            if has_pi(text):
                self.region_pi = True
            elif _TITLE_RESETS.search(text):
                self.region_pi = False
            self._add("title", text, page)
            return

        if self.open_unit is not None and not hard:
            self._append(text, page)
            return
        self.close()
        self._new_paragraph(text, page)

    def _open_ends_sentence(self) -> bool:
        if self.open_unit is None:
            return True
        text = self.units[self.open_unit].text
        return not text or text.endswith(("。", ")", "」"))

    def _is_title(self, text: str) -> bool:
        if len(text) > 40 or "、" in text or "。" in text:
            return False
        if _TITLE_WORDS.search(text):
            return True
        return not self.seen_structure and not self.paragraphs

    @staticmethod
    def _item_number(line: str) -> tuple[int, int] | None:
        for rx in (_ITEM_PAREN, _ITEM_HALF):
            m = rx.match(line)
            if m:
                return int(m.group(1)), m.end()
        m = _ITEM_KATA.match(line)
        if m:
            return _IROHA.index(m.group(1)) + 1, m.end()
        m = _ITEM_KANJI.match(line)
        if m:
            return _num_value(m.group(1)), m.end()
        return None


# --- canon ------------------------------------------------------------------------------------


def _sentence_ends(text: str) -> list[int]:
    """Indexes of sentence-final 「。」 outside brackets (unbalanced brackets time out)."""
    ends: list[int] = []
    depth = 0
    opened_at = 0
    for m in _PAREN_RX.finditer(text):
        ch = m.group()
        pos = m.start()
        if ch in _OPEN:
            if depth == 0:
                opened_at = pos
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif depth == 0 or pos - opened_at > _MAX_PAREN_RUN:
            depth = 0
            ends.append(pos)
    return ends


def _canon_piece(text: str, base: int, out: list[str], cmap: array[int]) -> None:
    """Append the canonical form of `text` (display offset `base`) to out/cmap."""
    events: list[tuple[int, int, str]] = [
        (m.start(), m.end(), _VARIANTS[m.group()]) for m in _VARIANT_RX.finditer(text)
    ]
    events.extend((p + 1, p + 1, "\n") for p in _sentence_ends(text) if p + 1 < len(text))
    events.sort(key=lambda e: (e[0], e[1]))
    pos = 0
    for start, end, repl in events:
        if start < pos:
            continue
        if start > pos:
            out.append(text[pos:start])
            cmap.extend(range(base + pos, base + start))
        out.append(repl)
        span = max(end - start, 1)
        for i in range(len(repl)):
            cmap.append(base + start + min(i * span // max(len(repl), 1), span - 1))
        pos = end
    if pos < len(text):
        out.append(text[pos:])
        cmap.extend(range(base + pos, base + len(text)))


_LEAD_IN = re.compile(r"次の|次に|各号|以下の|下記")


def _lead_in_start(text: str) -> int:
    """Start of the sentence that introduces a list (「次に掲げる…」), else of the last one."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for start in reversed(starts):
        end = text.find("\n", start)
        if _LEAD_IN.search(text[start : end if end >= 0 else len(text)]):
            return start
    return starts[-1]


def normalize_document(doc: ExtractedDocument) -> NormalizedDocument:
    """Build display text, structure and canonical search text for one extracted document."""
    pages = _page_lines(doc.pages)
    _drop_furniture(pages)
    builder = _Builder()
    for number, lines in enumerate(pages, start=1):
        for text, hard in lines:
            builder.feed(text, number, hard)
    # Indexes must stay stable, so empty para units (item lists without a lead-in) remain.
    units = builder.units

    display_parts: list[str] = []
    unit_starts: list[int] = []
    pos = 0
    for unit in units:
        unit_starts.append(pos)
        display_parts.append(unit.text)
        pos += len(unit.text) + 1
    display = "\n".join(display_parts)

    canon_parts: list[str] = []
    cmap: array[int] = array("l")
    unit_canon_starts: list[int] = []
    cpos = 0
    unit_canon_text: list[str] = []
    for unit, dstart in zip(units, unit_starts, strict=True):
        unit_canon_starts.append(cpos)
        piece: list[str] = []
        _canon_piece(unit.text, dstart, piece, cmap)
        piece.append("\n")
        cmap.append(dstart + len(unit.text))
        joined = "".join(piece)
        unit_canon_text.append(joined)
        canon_parts.append(joined)
        cpos += len(joined)
    main_end = cpos

    virtual_starts: list[int] = []
    virtual_units: list[int] = []
    for paragraph in builder.paragraphs:
        lead_unit = paragraph.units[0]
        if units[lead_unit].kind != "para" or not units[lead_unit].text:
            continue
        lead_text = unit_canon_text[lead_unit].rstrip("\n")
        cut = _lead_in_start(lead_text)
        lead = lead_text[cut:].split("\n", 1)[0]
        lead_base = unit_canon_starts[lead_unit] + cut
        for u in paragraph.units[1:]:
            # the item's first sentence is what the lead-in governs (neither holds a newline)
            item_text = unit_canon_text[u].rstrip("\n").split("\n", 1)[0]
            virtual_starts.append(cpos)
            virtual_units.append(u)
            ubase = unit_canon_starts[u]
            item_last = cmap[ubase + max(len(item_text) - 1, 0)]
            stop = "" if item_text.endswith("。") else "。"
            canon_parts += [item_text, stop, lead, "\n"]
            cmap.extend(cmap[ubase : ubase + len(item_text)])
            cmap.extend([item_last] * len(stop))
            cmap.extend(cmap[lead_base : lead_base + len(lead)])
            cmap.append(item_last)
            cpos += len(item_text) + len(stop) + len(lead) + 1
    canon = "".join(canon_parts)
    cmap.append(len(display))

    normalized = NormalizedDocument(
        name=doc.name,
        kind=doc.kind,
        page_count=doc.page_count,
        units=units,
        articles=builder.articles,
        paragraphs=builder.paragraphs,
        display=display,
        unit_starts=unit_starts,
        canon=canon,
        canon_to_display=cmap,
        unit_canon_starts=unit_canon_starts,
        main_canon_end=main_end,
        virtual_starts=virtual_starts,
        virtual_units=virtual_units,
    )
    normalized.paragraph_pi = [
        has_pi(canon[slice(*normalized.paragraph_canon_range(i))])
        for i in range(len(builder.paragraphs))
    ]
    return normalized
