"""The one exception an upload check raises, with a stable code and a Japanese message."""

from __future__ import annotations

from enum import StrEnum

from portal.errors import UploadRejected


class RejectCode(StrEnum):
    """Why an upload was refused; stable keys for logs, tests and the UI."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    NOT_AN_IMAGE = "not_an_image"
    MALFORMED = "malformed"
    TRUNCATED = "truncated"
    ENCRYPTED = "encrypted"
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    TOO_MANY_PAGES = "too_many_pages"
    ACTIVE_CONTENT = "active_content"
    RESOURCE_LIMIT = "resource_limit"
    TIMEOUT = "timeout"
    PROCESSING_FAILED = "processing_failed"
    POLYGLOT = "polyglot"


DEFAULT_MESSAGES: dict[RejectCode, str] = {
    RejectCode.EMPTY: "ファイルが空です。内容のあるファイルを選んでください。",
    RejectCode.TOO_LARGE: "ファイルが大きすぎます。",
    RejectCode.UNSUPPORTED_TYPE: "この種類のファイルは受け付けていません。",
    RejectCode.NOT_AN_IMAGE: (
        "画像ファイルではありません。JPEG・PNG・HEIC・WebP 形式の写真を選んでください。"
    ),
    RejectCode.MALFORMED: "ファイルが壊れているか、形式が正しくありません。",
    RejectCode.TRUNCATED: (
        "ファイルが途中で切れています（壊れています）。元のファイルをもう一度アップロードしてください。"
    ),
    RejectCode.ENCRYPTED: (
        "パスワードで保護（暗号化）された PDF は受け付けられません。"
        "保護を解除してからアップロードしてください。"
    ),
    RejectCode.IMAGE_TOO_MANY_PIXELS: "画像の画素数が多すぎます。",
    RejectCode.TOO_MANY_PAGES: "ページ数が多すぎます。",
    RejectCode.ACTIVE_CONTENT: (
        "プログラム・スクリプト・マクロなど実行される内容を含むファイルは受け付けられません。"
    ),
    RejectCode.RESOURCE_LIMIT: (
        "ファイルの展開に必要な容量が上限を超えました。"
        "圧縮爆弾など不正なファイルの可能性があるため受け付けられません。"
    ),
    RejectCode.TIMEOUT: (
        "ファイルの検査が制限時間内に終わりませんでした。"
        "ファイルが複雑すぎるか、壊れている可能性があります。"
    ),
    RejectCode.PROCESSING_FAILED: (
        "ファイルを処理できませんでした。ファイルが壊れている可能性があります。"
    ),
    RejectCode.POLYGLOT: (
        "ファイルの後ろに別のファイル（ZIP 書庫など）が付け足されています。"
        "不正なファイルの可能性があるため受け付けられません。元のファイルを保存し直してください。"
    ),
}


class FileRejected(UploadRejected):
    """An upload failed a byte-level check; `message` is shown to the user as is, `code` (a
    RejectCode) is for logic."""

    code: RejectCode

    def __init__(self, code: RejectCode | str, message: str | None = None) -> None:
        reject = RejectCode(code)
        super().__init__(message if message is not None else DEFAULT_MESSAGES[reject], code=reject)
        self.code = reject


def megabytes(n_bytes: int) -> str:
    """Human-readable size for messages, e.g. 20971520 -> '20 MB'."""
    mb = n_bytes / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"
