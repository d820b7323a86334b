"""The 「今すぐ督促」 form (one optional message)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.forms import NFKC


class RemindForm(FlaskForm):
    message = TextAreaField(
        "メッセージ",
        filters=NFKC,
        validators=[Length(max=500, message="メッセージは500文字以内で入力してください。")],
    )
