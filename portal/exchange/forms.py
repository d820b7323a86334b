from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from portal.forms import NFKC, SingleLine


def _no_slash(form: object, field: StringField) -> None:
    if field.data and any(ch in field.data for ch in "/\\"):
        raise ValidationError("フォルダ名に「/」「\\」は使えません。")


class FolderForm(FlaskForm):
    name = StringField(
        "フォルダ名",
        validators=[
            SingleLine(),
            DataRequired("フォルダ名を入力してください。"),
            Length(max=100, message="フォルダ名は100文字以内で入力してください。"),
            _no_slash,
        ],
        filters=NFKC,
    )


def _folder_id(value: object) -> int:
    """The submitted id as an int; garbage becomes -1 (no such folder: the view refuses it)."""
    try:
        return int(str(value))
    except ValueError:
        return -1


class UploadForm(FlaskForm):
    file = FileField("ファイル", validators=[FileRequired("ファイルを選んでください。")])
    # The view checks the id belongs to the space (WTForms' own message would be English).
    folder_id = SelectField("フォルダ", coerce=_folder_id, default=0, validate_choice=False)
    personal_info = BooleanField(
        "個人情報を含む（閲覧・ダウンロードはすべてアクセス記録に残ります）"
    )


class VersionForm(FlaskForm):
    file = FileField("新しい版のファイル", validators=[FileRequired("ファイルを選んでください。")])


class CommentForm(FlaskForm):
    body = TextAreaField(
        "コメント",
        validators=[
            DataRequired("コメントを入力してください。"),
            Length(max=4000, message="コメントは4000文字以内で入力してください。"),
        ],
        filters=NFKC,
    )


class PersonalInfoForm(FlaskForm):
    value = StringField(validators=[AnyOf(["1", "0"], message="指定が正しくありません。")])


class StagedDecisionForm(FlaskForm):
    choice = StringField(
        validators=[AnyOf(["cleaned", "original", "cancel"], message="選択が正しくありません。")]
    )
