"""What the exchange accepts and how it is served back.

Every file goes through the shared intake (portal.uploads): HTML, SVG, XML, scripts,
executables and macro-enabled Office files are refused; PDFs are stored without properties,
XMP, しおり, JavaScript and actions, photos re-encoded without EXIF/GPS. A version stored before
cleaning was introduced, with active content, is only ever served as an attachment.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from portal.filecheck.pdf import PdfMetadataReport
from portal.filecheck.policy import download_headers, inline_allowed
from portal.filecheck.sniff import FileKind
from portal.filestore import FileStore

ALLOWED_KINDS = frozenset(
    {
        FileKind.PDF,
        FileKind.DOCX,
        FileKind.XLSX,
        FileKind.PPTX,
        FileKind.CSV,
        FileKind.TEXT,
        FileKind.JPEG,
        FileKind.PNG,
    }
)
"""仕様書, data hand-over lists, signed forms, reports and minutes."""

KIND_LABELS = {
    FileKind.PDF: "PDF",
    FileKind.DOCX: "Word",
    FileKind.XLSX: "Excel",
    FileKind.PPTX: "PowerPoint",
    FileKind.CSV: "CSV",
    FileKind.TEXT: "テキスト",
    FileKind.JPEG: "JPEG画像",
    FileKind.PNG: "PNG画像",
}

INFO_LABELS = {
    "/Title": "タイトル",
    "/Author": "作成者",
    "/Subject": "サブタイトル（件名）",
    "/Keywords": "キーワード",
    "/Creator": "作成アプリケーション",
    "/Producer": "PDF変換ソフト",
    "/CreationDate": "作成日時",
    "/ModDate": "更新日時",
}


def findings_of(report: PdfMetadataReport) -> dict[str, Any]:
    """What the uploader is shown: labelled properties, XMP values, しおり, active content."""
    active = []
    if report.has_javascript:
        active.append("JavaScript")
    if report.has_open_action:
        active.append("開いたときに実行される動作（OpenAction）")
    if report.has_additional_actions:
        active.append("ページ・注釈の自動動作（AA）")
    if report.has_launch_action:
        active.append("外部プログラムの起動（Launch）")
    if report.has_embedded_files:
        active.append("添付（埋め込み）ファイル")
    if report.has_xfa:
        active.append("XFA フォーム")
    hidden = report.hidden_text
    info = [(key, text) for key, text in hidden if key.startswith("/")]
    xmp = [(prop, text) for prop, text in hidden if not prop.startswith("/") and prop != "しおり"]
    shown = {key for key, _text in info}
    technical = [(key, text) for key, text in report.info if key not in shown]
    return {
        "info": [[INFO_LABELS.get(key, key.lstrip("/")), text] for key, text in info],
        "info_keys": [key for key, _text in info],
        "xmp": [[prop, text] for prop, text in xmp[:50]],
        "xmp_count": len(xmp),
        "outline": list(report.outline_titles[:50]),
        "outline_count": len(report.outline_titles),
        "technical": [[INFO_LABELS.get(key, key.lstrip("/")), text] for key, text in technical],
        "active": active,
    }


def kind_of(value: str) -> FileKind:
    try:
        return FileKind(value)
    except ValueError:
        return FileKind.UNKNOWN


def serve_version(
    store: FileStore,
    *,
    key: str,
    filename: str,
    file_kind: str,
    has_active_content: bool,
    inline: bool,
    size: int,
) -> tuple[Response, bool]:
    """Stream a stored version; returns (response, served inline).

    Only a PDF without active content may be inline (filecheck.policy); everything else, and
    anything requested as a download, is an attachment with nosniff, a CSP sandbox and an RFC
    5987 `filename*`. The blob is streamed by the file store in chunks (never read whole).
    """
    kind = kind_of(file_kind)
    sanitized = kind is FileKind.PDF and not has_active_content
    as_inline = inline and inline_allowed(kind, sanitized=sanitized)
    headers = download_headers(kind, filename, inline=as_inline, sanitized=sanitized)
    response = store.download_response(
        key,
        filename=filename,
        content_type=headers["Content-Type"],
        inline=as_inline,
        size=size,
    )
    for name, value in headers.items():
        if name != "Content-Type":
            response.headers[name] = value
    return response, as_inline
