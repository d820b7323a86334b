"""The eight-clause check of 委託 contracts: extraction, normalisation, matching.

Pure package: no Flask, no database. Public API::

    extract_document(data, *, filename, max_bytes, max_pages) -> ExtractedDocument  # sandboxed
    check_documents(docs, clause_set) -> CheckResult              # pure, in process
    check_documents_limited(docs, clause_set) -> CheckResult      # same, sandboxed
    load_clause_set(name, templates_dir) -> ClauseSet
    list_clause_sets(templates_dir) -> list[str]
    draft_tokki_docx(particulars, clause_set) -> bytes
    draft_tokki_pdf(particulars, clause_set) -> bytes
"""

from portal.clausecheck.clauseset import (
    CLAUSE_KEYS,
    Clause,
    ClauseSet,
    Element,
    default_templates_dir,
    list_clause_sets,
    load_clause_set,
    resolve_clause_set_name,
)
from portal.clausecheck.draft import (
    DraftError,
    DraftParticulars,
    FontNotFoundError,
    draft_tokki_docx,
    draft_tokki_pdf,
    find_japanese_font,
    render_tokki_text,
)
from portal.clausecheck.errors import (
    DEFAULT_MESSAGES,
    ERROR_CODES,
    ClauseSetError,
    DocumentError,
    ErrorCode,
)
from portal.clausecheck.extract import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PAGES,
    ExtractedDocument,
    extract_document,
)
from portal.clausecheck.matcher import (
    CheckResult,
    ClauseResult,
    Evidence,
    Status,
    check_documents,
    check_documents_limited,
)

__all__ = [
    "CLAUSE_KEYS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MESSAGES",
    "ERROR_CODES",
    "CheckResult",
    "Clause",
    "ClauseResult",
    "ClauseSet",
    "ClauseSetError",
    "DocumentError",
    "DraftError",
    "DraftParticulars",
    "Element",
    "ErrorCode",
    "Evidence",
    "ExtractedDocument",
    "FontNotFoundError",
    "Status",
    "check_documents",
    "check_documents_limited",
    "default_templates_dir",
    "draft_tokki_docx",
    "draft_tokki_pdf",
    "extract_document",
    "find_japanese_font",
    "list_clause_sets",
    "load_clause_set",
    "render_tokki_text",
    "resolve_clause_set_name",
]
