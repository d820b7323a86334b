"""Forms of the erasure screens: shape only; the rules live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.erasure.models import MEDIA_TYPE_LABELS, METHOD_LABELS
from portal.forms import NFKC

MAX_ROWS = 30
DEFAULT_ROWS = 3


class MediaRowForm(Form):
    """One media row; a row left completely empty is ignored."""

    media_type = SelectField(
        "媒体の種類",
        choices=[("", "（選択）")] + [(k.value, v) for k, v in MEDIA_TYPE_LABELS.items()],
        validators=[Optional()],
    )
    identifier = StringField(
        "識別番号・シリアル番号", validators=[Optional(), Length(max=200)], filters=NFKC
    )
    # A text field (NFKC: full-width digits accepted) so a wrong entry gets a Japanese message.
    count = StringField(
        "数量",
        validators=[Optional(), Regexp(r"^[0-9]{1,6}$", message="数量は数字で入力してください。")],
        filters=NFKC,
    )
    method = SelectField(
        "消去・廃棄の方法",
        choices=[("", "（選択）")] + [(k.value, v) for k, v in METHOD_LABELS.items()],
        validators=[Optional()],
    )
    photos = MultipleFileField("この媒体の写真")


class CertificateForm(FlaskForm):
    media = FieldList(FormField(MediaRowForm), min_entries=DEFAULT_ROWS, max_entries=MAX_ROWS)
    erased_on = DateField(
        "消去・廃棄の実施日",
        validators=[DataRequired("実施日を正しい日付（年-月-日）で入力してください。")],
    )
    place = StringField(
        "実施場所",
        validators=[DataRequired("実施場所を入力してください。"), Length(max=200)],
        filters=NFKC,
    )
    operator = StringField(
        "作業者（氏名・所属）",
        validators=[DataRequired("作業者を入力してください。"), Length(max=100)],
        filters=NFKC,
    )
    witnessed = BooleanField("市職員が立ち会った")
    witness_name = StringField(
        "立ち会った市職員の氏名", validators=[Optional(), Length(max=100)], filters=NFKC
    )
    certificate_pdf = FileField("署名済みの消去証明書（PDF）")
    extra_photos = MultipleFileField("その他の写真（媒体を特定しないもの）")
    note = TextAreaField("備考", validators=[Optional(), Length(max=2000)], filters=NFKC)


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "差戻しの理由",
        validators=[DataRequired("差戻しの理由を入力してください。"), Length(max=2000)],
        filters=NFKC,
    )


class AcceptForm(FlaskForm):
    note = TextAreaField(
        "確認メモ（任意）", validators=[Optional(), Length(max=2000)], filters=NFKC
    )


class CloseForm(FlaskForm):
    pass
