"""The one place the contract feature calls the clause-check engine (portal.clausecheck).

Keeping the engine's names here means a change in its API touches one module, and the rest of
the feature deals in portal types only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app

from portal.clausecheck.clauseset import ClauseSet, load_clause_set
from portal.clausecheck.errors import ClauseSetError, DocumentError
from portal.clausecheck.extract import ExtractedDocument, extract_document
from portal.clausecheck.matcher import CheckResult, check_documents
from portal.config import Config
from portal.contract.models import ContractKind

__all__ = [
    "CheckResult",
    "ClauseSet",
    "ClauseSetError",
    "DocumentError",
    "ExtractedDocument",
    "Limits",
    "check",
    "clause_set_for",
    "extract",
]


@dataclass(frozen=True)
class Limits:
    """Upload limits (Config.max_content_length, Config.max_document_pages)."""

    max_bytes: int
    max_pages: int

    @classmethod
    def from_config(cls, config: Config) -> Limits:
        return cls(max_bytes=config.max_content_length, max_pages=config.max_document_pages)


def _config() -> Config:
    config: Config = current_app.extensions["portal_config"]
    return config


def current_limits() -> Limits:
    return Limits.from_config(_config())


# The check runs while the uploader waits, inside the server's 120 s request timeout
# (PORTAL_TIMEOUT, nginx proxy_read_timeout). OCR costs about 10 CPU seconds a page, so a scan
# longer than this is refused with a message asking for the pages that matter.
UPLOAD_OCR_MAX_PAGES = 8


def extract(data: bytes, *, filename: str, limits: Limits) -> ExtractedDocument:
    """Judge the type from the bytes and extract the text per page in the sandbox.

    Image-only pages (scans) and page photos are read by OCR. Raises DocumentError (code +
    Japanese message) for anything that cannot be read.
    """
    return extract_document(
        data,
        filename=filename,
        max_bytes=limits.max_bytes,
        max_pages=limits.max_pages,
        ocr="auto",
        ocr_max_pages=UPLOAD_OCR_MAX_PAGES,
    )


def clause_set_for(kind: ContractKind, clause_set_name: str) -> ClauseSet:
    """The clause set a contract of `kind` is checked against under the active profile.

    A 労働者派遣 contract (入間市 第37条第5項) is checked against `<set>_haken` when the profile
    ships one; otherwise against the profile's set like a 委託 contract.
    """
    templates_dir = _config().templates_dir
    if kind == ContractKind.HAKEN:
        haken = f"{clause_set_name}_haken"
        if (templates_dir / "clauses" / f"{haken}.toml").is_file():
            return load_clause_set(haken, templates_dir)
    return load_clause_set(clause_set_name, templates_dir)


def check(docs: Sequence[ExtractedDocument], clause_set: ClauseSet) -> CheckResult:
    """Decide the eight clauses over all current documents (pure, no I/O)."""
    return check_documents(docs, clause_set)
