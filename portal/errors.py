"""Domain errors and the Japanese error pages."""

from __future__ import annotations

from flask import Flask, flash, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

from portal.extensions import db


class PortalError(Exception):
    """A business rule refused the action; the message is shown to the user (Japanese).

    `code` (e.g. a file check's "encrypted") is appended to the message, so the person can
    quote it to the help desk (HELPERS.md: a clear message plus an error code).
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code:
            message = f"{message}（エラーコード: {code}）"
        super().__init__(message)
        self.message = message
        self.code = code


class InputRefused(BadRequest):
    """400 whose Japanese `description` tells the person what was wrong with the request."""


def flash_refusal(err: PortalError) -> None:
    """A service refused: drop whatever it flushed before raising, and show the reason."""
    db.session.rollback()
    flash(err.message, "error")


ERROR_TEXT = {
    400: ("リクエストが正しくありません", "入力内容を確認して、もう一度お試しください。"),
    403: ("この操作は許可されていません", "この画面・操作を利用する権限がありません。"),
    404: ("ページが見つかりません", "指定されたページは存在しないか、閲覧できません。"),
    405: ("この操作は許可されていません", "この方法でのアクセスはできません。"),
    413: (
        "ファイルが大きすぎます",
        "アップロードできるサイズの上限を超えています。ファイルを分割するか、小さくしてください。",
    ),
    429: ("リクエストが多すぎます", "しばらく待ってから再度お試しください。"),
    500: (
        "システムエラーが発生しました",
        "処理を完了できませんでした。時間をおいて再度お試しください。",
    ),
}


def _page(code: int, detail: str | None = None) -> ResponseReturnValue:
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> ResponseReturnValue:
        return _page(
            400, "画面の有効期限が切れたか、不正な送信です。画面を開き直してから操作してください。"
        )

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> ResponseReturnValue:
        if isinstance(err, InputRefused):
            return _page(400, err.description)
        if err.code in ERROR_TEXT:
            return _page(err.code or 500)
        return err

    @app.errorhandler(500)
    def _internal(err: Exception) -> ResponseReturnValue:
        return _page(500)
