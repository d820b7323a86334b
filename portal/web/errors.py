"""The Japanese error pages. A `PortalError` that no view handled becomes its own page (its
status, its text), so a refusal is never a 500."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.errors import PortalError
from portal.extensions import db
from portal.formatting import file_size

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


def error_page(status: int, detail: str | None = None) -> ResponseReturnValue:
    """The error page for `status`, with `detail` instead of the standard text when given."""
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    return render_template(
        "errors/error.html", code=status, title=title, text=detail or text
    ), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> ResponseReturnValue:
        return error_page(
            400, "画面の有効期限が切れたか、不正な送信です。画面を開き直してから操作してください。"
        )

    @app.errorhandler(PortalError)
    def _refused(err: PortalError) -> ResponseReturnValue:
        db.session.rollback()
        return error_page(err.status, err.text)

    @app.errorhandler(413)
    def _too_large(err: HTTPException) -> ResponseReturnValue:
        limit = file_size(int(app.config["MAX_CONTENT_LENGTH"]))
        return error_page(
            413,
            f"1回の送信でアップロードできるのは合計{limit}までです。ブラウザの「戻る」で入力画面に"
            "戻り、ファイルを小さくするか分けて送ってください（入力した内容はそのまま残ります）。",
        )

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> ResponseReturnValue:
        if err.code in ERROR_TEXT:
            return error_page(err.code or 500)
        return err

    @app.errorhandler(500)
    def _internal(err: Exception) -> ResponseReturnValue:
        return error_page(500)
