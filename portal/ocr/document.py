"""OCR as a step of text extraction: which pages to read, and the document that results.

A page with a usable text layer keeps it (its text is what the author typed; OCR could only make
it worse). A page without one that carries an image is read by OCR in mode ``auto``; in mode
``always`` every page of a PDF is read by OCR (for a PDF whose text layer is garbage, e.g. a bad
OCR of another tool); ``never`` keeps the old behaviour.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from portal.clausecheck.errors import DocumentError
from portal.clausecheck.extract import ExtractedDocument
from portal.clausecheck.sniff import sniff
from portal.ocr.engine import (
    DEFAULT_MAX_OCR_PAGES,
    MIN_PAGE_CHARS,
    ImageKind,
    OcrMode,
    count_image_frames,
    ocr_pages,
)

Progress = Callable[[int, int], None]

# Smaller than this (long side, pixels) is an icon or a logo, not the photo of a page: even at
# 100 dpi an A4 page is 827×1169.
MIN_PAGE_IMAGE_PX = 800


def nothing_read_error() -> DocumentError:
    return DocumentError(
        "no_text",
        "紙をスキャンした画像だけのページを文字認識（OCR）しましたが、文字を読み取れませんでした。"
        "白紙か、画像が不鮮明です。300dpi程度でスキャンし直すか、"
        "Word・テキスト形式の版を登録してください。",
    )


def pages_to_read(document: ExtractedDocument, mode: OcrMode) -> list[int]:
    if mode == "never":
        return []
    if mode == "always":
        return list(range(1, document.page_count + 1))
    return list(document.image_pages)


def apply_ocr(
    document: ExtractedDocument,
    data: bytes,
    *,
    mode: OcrMode,
    max_pages: int = DEFAULT_MAX_OCR_PAGES,
    progress: Progress | None = None,
) -> ExtractedDocument:
    """The document with its image-only pages replaced by their OCR text."""
    if document.kind != "pdf":
        return document
    wanted = pages_to_read(document, mode)
    if not wanted:
        if not any(p.strip() for p in document.pages):
            raise DocumentError("no_text")
        return document
    read = ocr_pages(data, source="pdf", pages=wanted, max_pages=max_pages, progress=progress)
    pages = list(document.pages)
    done: list[int] = []
    for page in read:
        if len(page.text.strip()) >= MIN_PAGE_CHARS:
            pages[page.number - 1] = page.text
            done.append(page.number)
    if not any(p.strip() for p in pages):
        raise nothing_read_error()
    textless = tuple(n for n, p in enumerate(pages, start=1) if len(p.strip()) < MIN_PAGE_CHARS)
    return dataclasses.replace(
        document, pages=pages, ocr_pages=tuple(done), textless_pages=textless
    )


def read_page_image(
    data: bytes,
    kind: ImageKind,
    *,
    filename: str,
    max_pages: int = DEFAULT_MAX_OCR_PAGES,
    progress: Progress | None = None,
) -> ExtractedDocument:
    """A photo or scan of pages (JPEG, PNG, one or more TIFF pages) read by OCR."""
    frames, long_side = count_image_frames(data, kind)
    if long_side < MIN_PAGE_IMAGE_PX:
        sniff(data)  # raises the usual "this file is a PNG image" refusal
        raise DocumentError("unsupported_type")
    read = ocr_pages(
        data, source=kind, pages=list(range(1, frames + 1)), max_pages=max_pages, progress=progress
    )
    pages = [p.text if len(p.text.strip()) >= MIN_PAGE_CHARS else "" for p in read]
    if not any(pages):
        raise nothing_read_error()
    return ExtractedDocument(
        filename,
        "image",
        pages,
        textless_pages=tuple(n for n, p in enumerate(pages, start=1) if not p),
        image_pages=tuple(range(1, frames + 1)),
        ocr_pages=tuple(n for n, p in enumerate(pages, start=1) if p),
    )


__all__ = ["MIN_PAGE_IMAGE_PX", "apply_ocr", "nothing_read_error", "read_page_image"]
