"""Errors of the clause check, each with a stable code and a Japanese message for people."""

from __future__ import annotations

from typing import Literal, get_args

ErrorCode = Literal["encrypted", "no_text", "malformed", "too_large", "unsupported_type", "empty"]
ERROR_CODES: tuple[str, ...] = get_args(ErrorCode)

DEFAULT_MESSAGES: dict[str, str] = {
    "encrypted": (
        "ファイルが暗号化（パスワード保護）されているため、内容を読み取れません。"
        "パスワード保護を解除したファイルを登録してください。"
    ),
    "no_text": (
        "文字情報（テキスト）が含まれていないため、条項を確認できません。"
        "紙をスキャンした画像だけのPDFと思われます。"
        "OCR（文字認識）処理をしたPDFか、Word・テキスト形式の版を登録してください。"
    ),
    "malformed": (
        "ファイルが壊れているか途中で切れているため、読み取れません。"
        "元のファイルから保存し直して、もう一度登録してください。"
    ),
    "too_large": "ファイルが大きすぎるため、処理できません。",
    "unsupported_type": (
        "対応していないファイル形式です。PDF、Word（.docx）、テキスト（UTF-8 又は Shift_JIS）の"
        "いずれかを登録してください。形式はファイル名ではなく中身から判定しています。"
    ),
    "empty": "ファイルが空です（本文がありません）。内容のあるファイルを登録してください。",
}


class DocumentError(Exception):
    """A document cannot be read; `code` is one of ERROR_CODES, `message` is for people."""

    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown document error code {code!r}")
        text = message if message is not None else DEFAULT_MESSAGES[code]
        super().__init__(code, text)
        self.code: ErrorCode = code
        self.message: str = text

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ClauseSetError(Exception):
    """A clause set file is missing or malformed (a configuration error, not a user error)."""
