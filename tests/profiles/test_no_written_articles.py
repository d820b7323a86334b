"""No city's article number is written in the code: every citation comes from the profile.

Templates and Python string literals under portal/ are scanned (docstrings are documentation,
like comments, and may cite the article they implement). A national law's article
(個人情報保護法 第68条, 会社法第2条第3号, 施行規則 第44条 …) is the same in every city and
is allowed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

# 第37条 / 第３７条 / 第 14 条, and the 広島市要綱 style 「第6 7」「第10 2」.
ARTICLE = re.compile(r"第\s*[0-9０-９]+\s*条|第[0-9０-９]+ [0-9０-９]+")
# A rule's own name written out instead of profile().rule_title.
RULE_NAME = re.compile(r"(入間市|広島市|沖縄市|龍ヶ崎市|四日市市)\S{0,20}?(規程|要綱)")
# The article belongs to a national law named right before it.
LAW_BEFORE = re.compile(r"(法|規則|施行令|省令|法律)\s*(（[^）]*）)?\s*$")


def _offences(text: str) -> list[str]:
    found = []
    for m in ARTICLE.finditer(text):
        if LAW_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        found.append(m.group(0))
    found += [m.group(0) for m in RULE_NAME.finditer(text)]
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            ids.add(id(body[0].value))
    return ids


def python_offences() -> list[str]:
    out = []
    for path in sorted(PORTAL.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docs:
                    continue
                for hit in _offences(node.value):
                    out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {hit}")
    return out


def template_offences() -> list[str]:
    out = []
    for path in sorted(PORTAL.rglob("*.html")) + sorted(PORTAL.rglob("*.txt")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            # Jinja comments are comments.
            line = re.sub(r"\{#.*?#\}", "", line)
            for hit in _offences(line):
                out.append(f"{path.relative_to(ROOT)}:{n}: {hit}")
    return out


def test_the_scanner_finds_a_written_article_and_lets_a_law_pass() -> None:
    assert _offences("必要最小限とする理由（第37条第2項）") == ["第37条"]
    assert _offences("付加情報に注意（広島市要綱 第6 7）") == ["第6 7", "広島市要綱"]
    assert _offences("個人情報保護法 第68条第2項、会社法第2条第3号、施行規則 第44条") == []


def test_no_python_string_outside_contract_templates_writes_an_article() -> None:
    assert python_offences() == []


def test_no_template_writes_an_article() -> None:
    assert template_offences() == []
