"""Reading scanned contract pages by OCR (Tesseract, Japanese horizontal and vertical).

Pure package: no Flask, no database. Used by `portal.clausecheck.extract.extract_document`
(parameter ``ocr="auto" | "always" | "never"``); see docs/ocr.md.
"""

from portal.ocr.engine import (
    DEFAULT_MAX_OCR_PAGES,
    IMAGE_CONTENT_TYPES,
    OCR_MODES,
    ImageKind,
    OcrMode,
    OcrPage,
    available,
    image_kind,
    ocr_pages,
)
from portal.ocr.textfix import clean_ocr_text

__all__ = [
    "DEFAULT_MAX_OCR_PAGES",
    "IMAGE_CONTENT_TYPES",
    "OCR_MODES",
    "ImageKind",
    "OcrMode",
    "OcrPage",
    "available",
    "clean_ocr_text",
    "image_kind",
    "ocr_pages",
]
