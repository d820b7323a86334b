"""Clause sets: the eight clauses a city's rule requires, as data.

A clause set is ``contract_templates/clauses/<name>.toml``. It lists the eight clauses (keys and
numbers fixed by DOMAIN.md), the elements of meaning each clause needs (``require``) and the
weaker elements that only make it partial (``partial_if``). Elements — the phrasings that
express one element of meaning — live in ``_common.toml`` (pulled in with ``extends``) and may
be overridden per set. A ``scope = "haken"`` set (``<set>_haken.toml``, used for 労働者派遣
contracts) lists only the clauses a 派遣 contract must carry. Adding a city is adding files:
``<city>.toml`` here, its texts under ``contract_templates/texts/<city>/`` and its policy
profile.

Element phrasings are regular expressions over the canonical text (see normalize.py): ``.``
never crosses a sentence, ``{name}`` expands a macro from ``[macros]``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from portal.clausecheck.errors import ClauseSetError
from portal.config import resource_dir

CLAUSE_KEYS: tuple[str, ...] = (
    "confidentiality",
    "subcontracting",
    "copying",
    "safeguards",
    "incident",
    "return_erasure",
    "termination_liability",
    "reporting_audit",
)
HAKEN_SUFFIX = "_haken"
_MACRO = re.compile(r"\{([a-z_]+)\}")
_MAX_EXTENDS = 5


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    context: Literal["required", "preferred"]
    sentence: tuple[re.Pattern[str], ...]
    groups: tuple[tuple[re.Pattern[str], ...], ...]
    window: int
    negate: tuple[re.Pattern[str], ...]
    sentence_also: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Clause:
    no: int
    key: str
    title: str
    article: str
    require: tuple[str, ...]
    partial_if: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Rules:
    """Document-wide rules: negations right after a match and clauses switched off."""

    negation_after: re.Pattern[str]
    local_nullify: tuple[re.Pattern[str], ...]
    reference_nullify: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ClauseSet:
    name: str
    title: str
    source: str
    texts: str
    templates_dir: Path
    clauses: tuple[Clause, ...]
    elements: dict[str, Element]  # shared by the cache: read only
    rules: Rules

    def element_label(self, key: str) -> str:
        element = self.elements.get(key)
        return element.label if element else key

    def text_path(self, template: str) -> Path:
        return self.templates_dir / "texts" / self.texts / f"{template}.txt"


def default_templates_dir() -> Path:
    """``$PORTAL_TEMPLATES_DIR``, else the installed or checked-out ``contract_templates``."""
    env = os.environ.get("PORTAL_TEMPLATES_DIR")
    if env:
        return Path(env)
    return resource_dir("contract_templates")


def list_clause_sets(templates_dir: Path) -> list[str]:
    """Names of the selectable clause sets (files starting with ``_`` are shared parts;
    ``<set>_haken`` is chosen by the contract's kind, not selected)."""
    folder = templates_dir / "clauses"
    if not folder.is_dir():
        return []
    return sorted(
        p.stem
        for p in folder.glob("*.toml")
        if not p.name.startswith("_") and not p.stem.endswith(HAKEN_SUFFIX)
    )


def resolve_clause_set_name(profile: str, templates_dir: Path) -> str:
    """A clause set name, or the ``clause_set`` named by ``profiles/<profile>.toml``."""
    if (templates_dir / "clauses" / f"{profile}.toml").is_file() and not profile.startswith("_"):
        return profile
    profile_file = templates_dir / "profiles" / f"{profile}.toml"
    if profile_file.is_file():
        try:
            data = tomllib.loads(profile_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ClauseSetError(f"{profile_file}: {exc}") from exc
        name = data.get("clause_set")
        if isinstance(name, str) and name:
            return name
    known = ", ".join(list_clause_sets(templates_dir)) or "(none)"
    raise ClauseSetError(f"unknown profile or clause set {profile!r}; known clause sets: {known}")


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClauseSetError(f"clause set file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ClauseSetError(f"{path}: {exc}") from exc


def _merged(name: str, folder: Path, depth: int = 0) -> dict[str, Any]:
    if depth > _MAX_EXTENDS:
        raise ClauseSetError(f"clause set {name!r}: 'extends' nests too deeply (cycle?)")
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", name):
        raise ClauseSetError(f"invalid clause set name {name!r}")
    data = _read(folder / f"{name}.toml")
    base_name = data.get("extends")
    if base_name is None:
        return data
    if not isinstance(base_name, str):
        raise ClauseSetError(f"{name}.toml: 'extends' must be a string")
    base = _merged(base_name, folder, depth + 1)
    merged = {**base, **{k: v for k, v in data.items() if k not in ("macros", "elements", "rules")}}
    for table in ("macros", "elements", "rules"):
        merged[table] = {**base.get(table, {}), **data.get(table, {})}
    return merged


def _expand(pattern: str, macros: dict[str, str], where: str) -> str:
    for _ in range(5):
        if not _MACRO.search(pattern):
            return pattern

        def repl(m: re.Match[str]) -> str:
            key = m.group(1)
            if key not in macros:
                raise ClauseSetError(f"{where}: unknown macro {{{key}}}")
            return f"(?:{macros[key]})"

        pattern = _MACRO.sub(repl, pattern)
    raise ClauseSetError(f"{where}: macros nest too deeply")


def _compile(pattern: Any, macros: dict[str, str], where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise ClauseSetError(f"{where}: a pattern must be a non-empty string")
    try:
        return re.compile(_expand(pattern, macros, where))
    except re.error as exc:
        raise ClauseSetError(f"{where}: invalid regular expression {pattern!r}: {exc}") from exc


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ClauseSetError(f"{where}: expected a list of strings")
    return list(value)


def _element(key: str, raw: Any, macros: dict[str, str]) -> Element:
    where = f"elements.{key}"
    if not isinstance(raw, dict):
        raise ClauseSetError(f"{where}: expected a table")
    context = raw.get("context", "preferred")
    if context not in ("required", "preferred"):
        raise ClauseSetError(f"{where}: context must be 'required' or 'preferred'")
    sentence = tuple(
        _compile(p, macros, f"{where}.sentence") for p in _str_list(raw.get("sentence"), where)
    )
    groups_raw = raw.get("groups", [])
    if not isinstance(groups_raw, list):
        raise ClauseSetError(f"{where}.groups: expected a list of lists")
    groups = tuple(
        tuple(_compile(p, macros, f"{where}.groups") for p in _str_list(g, f"{where}.groups"))
        for g in groups_raw
    )
    if any(len(g) < 2 for g in groups):
        raise ClauseSetError(f"{where}.groups: each group needs at least two patterns")
    if not sentence and not groups:
        raise ClauseSetError(f"{where}: no phrasings (sentence or groups)")
    window = raw.get("window", 200)
    if not isinstance(window, int) or window <= 0:
        raise ClauseSetError(f"{where}.window: expected a positive integer")
    return Element(
        key=key,
        label=str(raw.get("label", key)),
        context=context,
        sentence=sentence,
        groups=groups,
        window=window,
        negate=tuple(
            _compile(p, macros, f"{where}.negate") for p in _str_list(raw.get("negate"), where)
        ),
        sentence_also=tuple(
            _compile(p, macros, f"{where}.sentence_also")
            for p in _str_list(raw.get("sentence_also"), where)
        ),
    )


def _clause(raw: Any, index: int) -> Clause:
    where = f"clauses[{index}]"
    if not isinstance(raw, dict):
        raise ClauseSetError(f"{where}: expected a table")
    try:
        clause = Clause(
            no=int(raw["no"]),
            key=str(raw["key"]),
            title=str(raw["title"]),
            article=str(raw.get("article", "")),
            require=tuple(_str_list(raw.get("require"), where)),
            partial_if=tuple(_str_list(raw.get("partial_if"), where)),
            note=str(raw.get("note", "")),
        )
    except KeyError as exc:
        raise ClauseSetError(f"{where}: missing {exc.args[0]!r}") from exc
    if not clause.require:
        raise ClauseSetError(f"{where}: 'require' names no element")
    return clause


def _rules(raw: Any, macros: dict[str, str]) -> Rules:
    if not isinstance(raw, dict):
        raw = {}
    negation = raw.get("negation_after", r"(?!)")
    return Rules(
        negation_after=_compile(negation, macros, "rules.negation_after"),
        local_nullify=tuple(
            _compile(p, macros, "rules.local_nullify")
            for p in _str_list(raw.get("local_nullify"), "rules.local_nullify")
        ),
        reference_nullify=tuple(
            _compile(p, macros, "rules.reference_nullify")
            for p in _str_list(raw.get("reference_nullify"), "rules.reference_nullify")
        ),
    )


def load_clause_set(name: str, templates_dir: Path) -> ClauseSet:
    """Load and validate ``clauses/<name>.toml`` (with what it extends); ClauseSetError if bad.

    Compiled sets are cached until a file under ``clauses/`` changes.
    """
    folder = templates_dir / "clauses"
    try:
        signature = tuple(
            sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.toml"))
        )
    except OSError:
        signature = ()
    return _load_cached(name, templates_dir, signature)


@lru_cache(maxsize=32)
def _load_cached(
    name: str, templates_dir: Path, signature: tuple[tuple[str, int, int], ...]
) -> ClauseSet:
    folder = templates_dir / "clauses"
    data = _merged(name, folder)
    macros_raw = data.get("macros", {})
    if not isinstance(macros_raw, dict) or not all(isinstance(v, str) for v in macros_raw.values()):
        raise ClauseSetError(f"{name}: [macros] must map names to strings")
    macros: dict[str, str] = dict(macros_raw)
    elements_raw = data.get("elements", {})
    if not isinstance(elements_raw, dict):
        raise ClauseSetError(f"{name}: [elements] must be a table")
    elements = {key: _element(key, raw, macros) for key, raw in elements_raw.items()}
    clauses_raw = data.get("clauses")
    if not isinstance(clauses_raw, list):
        raise ClauseSetError(f"{name}: [[clauses]] is missing")
    clauses = tuple(sorted((_clause(c, i) for i, c in enumerate(clauses_raw)), key=lambda c: c.no))
    found = tuple((c.no, c.key) for c in clauses)
    wanted = tuple(enumerate(CLAUSE_KEYS, start=1))
    scope = data.get("scope", "itaku")
    if scope == "haken":
        # 労働者派遣 (入間市規程 第37条第5項, 広島市要綱 第10 6): only what the 派遣 contract must
        # state (秘密保持義務等); the other matters of a 委託 are not asked for.
        if not found or not set(found) <= set(wanted):
            raise ClauseSetError(f"{name}: a haken set lists some of {wanted}, found {found}")
    elif scope != "itaku":
        raise ClauseSetError(f"{name}: scope must be 'itaku' or 'haken'")
    elif found != wanted:
        raise ClauseSetError(f"{name}: clauses must be exactly {wanted}, found {found}")
    for clause in clauses:
        for ref in clause.require + clause.partial_if:
            if ref not in elements:
                raise ClauseSetError(f"{name}: clause {clause.key} names unknown element {ref!r}")
    return ClauseSet(
        name=name,
        title=str(data.get("title", name)),
        source=str(data.get("source", "")),
        texts=str(data.get("texts", name)),
        templates_dir=templates_dir,
        clauses=clauses,
        elements=elements,
        rules=_rules(data.get("rules"), macros),
    )
