"""Clean OCR text of Japanese contracts before the clause check reads it.

Tesseract reads Japanese with spaces between characters, confuses katakana with look-alike
kanji (ロ/口, カ/力, ー/一, エ/工, タ/夕) and breaks a sentence wherever the line wraps. Each rule
here decides from the neighbouring characters only (no dictionary), and only where the script
of the neighbours leaves no doubt: a katakana word does not contain a kanji, and a kanji
compound does not contain a lone katakana.
"""

from __future__ import annotations

import re

_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆"
_KATA = "\u30a1-\u30fa\u30fc\u30fd\u30fe"
_HIRA = "\u3041-\u3096\u309d\u309e"
_CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_CJK = f"{_KANJI}{_KATA}{_HIRA}{_CJK_PUNCT}"

_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}])")
# Latin/digit next to CJK: tesseract adds a space that the original does not have
# (第 2 条, 平成 17 年).
_SPACE_BRACKET_CJK = re.compile(
    rf"(?<=[{_CJK}])[ \t]+(?=[(\[「『])|(?<=[)\]」』])[ \t]+(?=[{_CJK}])"
    r"|(?<=[(\[])[ \t]+|[ \t]+(?=[)\]])"
)
_SPACE_DIGIT_CJK = re.compile(
    rf"(?<=[{_CJK}])[ \t]+(?=[0-9０-９])|(?<=[0-9０-９])[ \t]+(?=[{_CJK}])"
)

# (katakana form, kanji form)
CONFUSABLES: tuple[tuple[str, str], ...] = (
    ("ロ", "口"),
    ("カ", "力"),
    ("ー", "一"),
    ("エ", "工"),
    ("タ", "夕"),
)
_TO_KANJI = {kana: kanji for kana, kanji in CONFUSABLES}
_TO_KANA = {kanji: kana for kana, kanji in CONFUSABLES}
_KANJI_RE = re.compile(f"[{_KANJI}]")
_KATA_RE = re.compile(f"[{_KATA}]")
_DIGIT = re.compile(r"[0-9０-９一二三四五六七八九十]")

# A paragraph that ends like this is complete; one that does not was broken by the layout.
_SENTENCE_END = ("。", "」", "）", ")", "：", ":")
# A line that starts like this opens a new provision (第3条, 2, （1）, ア, 一 ...).
_NEW_PROVISION = re.compile(
    r"^\s*(第[0-9０-９一二三四五六七八九十百]+条|[0-9０-９]+[ 　.．]"
    r"|[（(][0-9０-９一二三四五六七八九十]+[）)]"
    r"|[一二三四五六七八九十]+[ 　]|[アイウエオカキクケコ][ 　]|別記)"
)


# Misreads that are not words at all, so replacing them cannot hurt a correct text: tesseract's
# Japanese model takes 目 for 日 and 禁 for 侍 at copier resolution.
_NON_WORDS: tuple[tuple[str, str], ...] = (
    ("日的", "目的"),
    ("侍止", "禁止"),
    ("事改", "事故"),
    ("減失", "滅失"),
    ("択害", "損害"),
    ("損央", "損害"),
    # 返本 is a word of the book trade, never of a contract: it is 返還 read at low resolution.
    ("返本し", "返還し"),
    ("返量し", "返還し"),
)

# An item marker at the start of a line (ア 受託者は…, カ …): kept apart from the text so the
# space is not dropped and the look-alike rules do not make 工 of エ next to the first kanji.
_ITEM_MARKER = re.compile(
    r"^([アイウエオカキクケコサシスセソ工力口夕]|[（(][アイウエオカキクケコ][）)])[ \u3000]+"
)
_MARKER_KANA = {"工": "エ", "力": "カ", "口": "ロ", "夕": "タ"}


# 甲/乙 contracts: tesseract reads the thin 乙 as 選 (or 耳 for 甲) in front of a particle. Only
# where the page names the other party and the character stands alone as the subject, after a
# boundary and before a particle (選任, 耳鼻 are untouched).
_PARTY_MISREADS = {"選": "乙", "耳": "甲"}
_PARTY_SLOT = re.compile(r"(?:(?<=^)|(?<=[、。「（(\s]))([選耳])(?=[はがにのをへと])", re.MULTILINE)


# 者 at the end of a party name is read as one of these (受託寿は、受託了は): only after the
# first two characters of a party name the page spells correctly elsewhere, and before a
# particle, so no real word (受託料は) is touched.
_SHA_MISREADS = "寿震才了吉著香"
_PARTY_NAMES = ("受託者", "委託者", "受注者", "発注者", "第三者")


def _fix_parties(text: str) -> str:
    for name in _PARTY_NAMES:
        if name in text:
            text = re.sub(f"{name[:2]}[{_SHA_MISREADS}](?=[はがにのをへと、])", name, text)
    if "甲" not in text and "乙" not in text:
        return text
    return _PARTY_SLOT.sub(lambda m: _PARTY_MISREADS[m.group(1)], text)


def _is_kanji(ch: str) -> bool:
    return bool(ch) and bool(_KANJI_RE.fullmatch(ch))


def _is_kata(ch: str) -> bool:
    return bool(ch) and bool(_KATA_RE.fullmatch(ch))


def _fix_confusables(line: str) -> str:
    # Pass 1 trusts only unambiguous neighbours; pass 2 reads the neighbours as pass 1 left
    # them, so a chain (デー夕: ー is settled by デ, then 夕 by ー) resolves.
    for strict in (True, False):
        chars = list(line)
        for i, ch in enumerate(line):
            if ch not in _TO_KANJI and ch not in _TO_KANA:
                continue
            around = [line[j] for j in (i - 1, i + 1) if 0 <= j < len(line)]
            if strict:
                around = [c for c in around if c not in _TO_KANJI and c not in _TO_KANA]
            kanji_near = any(_is_kanji(c) for c in around)
            kata_near = any(_is_kata(c) for c in around)
            if ch in _TO_KANJI and kanji_near and not kata_near:
                # 3カ所 (箇所) keeps its katakana.
                if ch == "カ" and i > 0 and _DIGIT.fullmatch(line[i - 1]):
                    continue
                chars[i] = _TO_KANJI[ch]
            elif ch in _TO_KANA and kata_near and not kanji_near:
                chars[i] = _TO_KANA[ch]
        line = "".join(chars)
    return line


def _join_broken_paragraphs(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    out: list[str] = []
    for para in paragraphs:
        if out and not out[-1].rstrip().endswith(_SENTENCE_END) and not _NEW_PROVISION.match(para):
            out[-1] = out[-1].rstrip() + "\n" + para.lstrip()
        else:
            out.append(para.strip())
    return "\n\n".join(out)


def clean_ocr_text(text: str) -> str:
    """The OCR text of one page in the page-text conventions of the extractor.

    A single ``\\n`` is a soft break (a wrapped line), an empty line a paragraph boundary;
    a paragraph that the layout broke mid-sentence is joined back to the one before.
    """
    text = text.replace("\r\n", "\n").replace("\f", "\n")
    lines = []
    for raw in text.split("\n"):
        raw = raw.strip()
        marker = _ITEM_MARKER.match(raw)
        prefix = ""
        if marker:
            prefix = _MARKER_KANA.get(marker.group(1), marker.group(1)) + " "
            raw = raw[marker.end() :]
        line = _SPACE_BETWEEN_CJK.sub("", raw)
        line = _SPACE_DIGIT_CJK.sub("", line)
        line = _SPACE_BRACKET_CJK.sub("", line)
        line = _fix_confusables(line)
        for wrong, right in _NON_WORDS:
            line = line.replace(wrong, right)
        lines.append(prefix + line)
    return _join_broken_paragraphs(_fix_parties("\n".join(lines)))


__all__ = ["CONFUSABLES", "clean_ocr_text"]
