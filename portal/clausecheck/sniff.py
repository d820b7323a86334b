"""Judge a contract document's type from its bytes (never from its name).

Supported: PDF, DOCX, plain text in UTF-8 (with or without BOM), UTF-16 with BOM and
Shift_JIS/CP932. Everything else is `unsupported_type`, with a message naming what it looks
like (a PNG renamed .pdf is still a PNG).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Literal

from portal.clausecheck.errors import DocumentError

DocumentKind = Literal["pdf", "docx", "text", "image"]  # image: a page photo read by OCR

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# (magic at offset 0, what people call it)
_BINARY_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG画像"),
    (b"\xff\xd8\xff", "JPEG画像"),
    (b"GIF87a", "GIF画像"),
    (b"GIF89a", "GIF画像"),
    (b"II*\x00", "TIFF画像"),
    (b"MM\x00*", "TIFF画像"),
    (b"BM", "BMP画像"),
    (b"\x1f\x8b", "gzip圧縮ファイル"),
    (b"7z\xbc\xaf\x27\x1c", "7z圧縮ファイル"),
    (b"Rar!\x1a\x07", "RAR圧縮ファイル"),
    (b"\x7fELF", "実行ファイル"),
    (b"MZ", "実行ファイル"),
    (b"{\\rtf", "RTF文書"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000画像"),
)

_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Sniffed:
    kind: DocumentKind
    encoding: str | None = None  # text only


def _unsupported(what: str) -> DocumentError:
    return DocumentError(
        "unsupported_type",
        f"このファイルは{what}です（中身から判定しました）。"
        "契約書はPDF、Word（.docx）又はテキスト（UTF-8 又は Shift_JIS）で登録してください。",
    )


def _binary_kind(head: bytes) -> str | None:
    for magic, label in _BINARY_MAGICS:
        if head.startswith(magic):
            return label
    if head[4:8] == b"ftyp":
        return "HEIC/MP4等の画像・動画ファイル"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP画像"
    return None


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DocumentError(
            "malformed",
            "ZIP形式（Word文書等）のファイルが壊れているか途中で切れているため、読み取れません。"
            "元のファイルから保存し直して、もう一度登録してください。",
        ) from exc
    if "word/document.xml" in names:
        return Sniffed("docx")
    if "xl/workbook.xml" in names:
        return _raise(_unsupported("Excel（.xlsx）ファイル"))
    if any(n.startswith("ppt/") for n in names):
        return _raise(_unsupported("PowerPoint（.pptx）ファイル"))
    if "mimetype" in names:
        return _raise(_unsupported("OpenDocument形式のファイル"))
    return _raise(_unsupported("ZIP圧縮ファイル"))


def _raise(exc: DocumentError) -> Sniffed:
    raise exc


def _decode_text(data: bytes) -> Sniffed:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        if b"\x00" in data[:65536]:
            raise _unsupported("テキストではないバイナリファイル")
        candidates = ("utf-8", "cp932")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        if sample and len(_TEXT_CONTROL.findall(sample)) > max(8, len(sample) // 200):
            continue
        return Sniffed("text", encoding)
    raise _unsupported("対応していない文字コードのテキスト又はバイナリファイル")


def sniff(data: bytes) -> Sniffed:
    """Return the document kind of `data` or raise DocumentError (empty / unsupported_type)."""
    if not data or not data.strip():
        raise DocumentError("empty")
    head = data[:1024]
    if _PDF_MAGIC in head:
        return Sniffed("pdf")
    if head.startswith(_ZIP_MAGICS):
        return _sniff_zip(data)
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data[:1_000_000]:
            raise DocumentError(
                "encrypted",
                "Word文書がパスワードで保護（暗号化）されているため、内容を読み取れません。"
                "パスワード保護を解除して保存し直したファイルを登録してください。",
            )
        raise _unsupported("古い形式のOffice文書（.doc等）")
    label = _binary_kind(head)
    if label is not None:
        raise _unsupported(label)
    return _decode_text(data)
