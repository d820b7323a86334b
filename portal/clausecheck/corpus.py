"""The labelled clause corpus: documents cut into provisions, each labelled per element.

A corpus file is TOML (``tests/clausecheck/labelled/<set>/*.toml``)::

    source = "where the text comes from"      # a public body or 書き下ろし
    group = "a-itaku-jutaku"                  # texts of one source share a group
    kind = "tokki"                            # tokki / contract / shiyosho / haken / …
    haken = false
    complete = true                           # false: an excerpt, absent clauses unknown
    [[provisions]]
    text = "第1 受託者は、…"
    elements = ["secrecy"]                    # elements of meaning the provision carries
    weak = ["secrecy"]                        # optional: said, but too weakly to count

Files without ``[[provisions]]`` (real excerpts labelled per clause only, under ``[labels]``)
are read by the evaluation, not by training.

Pure: no Flask, no scikit-learn.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from portal.config import PACKAGE_DIR

DEFAULT_CORPUS_DIR = PACKAGE_DIR.parent / "tests" / "clausecheck" / "labelled"
TRAINING_SETS = ("a",)


@dataclass(frozen=True)
class Provision:
    text: str
    elements: tuple[str, ...]
    weak: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelledDocument:
    name: str  # "<set>/<file stem>"
    source: str
    group: str
    kind: str
    haken: bool
    complete: bool
    provisions: tuple[Provision, ...]
    labels: dict[str, str] = field(default_factory=dict)  # clause key -> Y / P / N / ?
    text: str = ""

    @property
    def elements(self) -> set[str]:
        return {e for p in self.provisions for e in p.elements}


def _read(path: Path, name: str) -> LabelledDocument:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    provisions = tuple(
        Provision(
            text=str(p["text"]).strip(),
            elements=tuple(sorted(p.get("elements", []))),
            weak=tuple(sorted(p.get("weak", []))),
        )
        for p in data.get("provisions", [])
    )
    return LabelledDocument(
        name=name,
        source=str(data.get("source", "")),
        group=str(data.get("group", name)),
        kind=str(data.get("kind", "")),
        haken=bool(data.get("haken", False)),
        complete=bool(data.get("complete", True)),
        provisions=provisions,
        labels={str(k): str(v) for k, v in data.get("labels", {}).items()},
        text=str(data.get("text", "")),
    )


def corpus_files(
    root: Path = DEFAULT_CORPUS_DIR, sets: tuple[str, ...] = TRAINING_SETS
) -> list[Path]:
    """The corpus files of `sets`, sorted (training reads them in this order)."""
    return sorted(p for s in sets for p in (root / s).glob("*.toml"))


def load_corpus(
    root: Path = DEFAULT_CORPUS_DIR, sets: tuple[str, ...] = TRAINING_SETS
) -> list[LabelledDocument]:
    return [_read(p, f"{p.parent.name}/{p.stem}") for p in corpus_files(root, sets)]


def corpus_sha256(root: Path = DEFAULT_CORPUS_DIR, sets: tuple[str, ...] = TRAINING_SETS) -> str:
    """Hash of the training files (relative names and bytes, in sorted order)."""
    digest = hashlib.sha256()
    for path in corpus_files(root, sets):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
