"""Forms of the erasure screens: shape only; the rules live in services."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from portal.erasure.models import MEDIA_TYPE_LABELS, METHOD_LABELS
from portal.erasure.services import MAX_REVIEW_REASON
from portal.forms import NFKC, JapaneseDateField, SingleLine

E = TypeVar("E", bound=StrEnum)
MAX_ROWS = 30
DEFAULT_ROWS = 3


def _max(label: str, n: int) -> Length:
    """WTForms' own message is English; the review forms flash this one without the field."""
    return Length(max=n, message=f"{label}は{n}文字以内で入力してください。")


def _select(label: str, labels: Mapping[E, str], message: str) -> SelectField:
    """A list to choose from (empty allowed) whose refusal of a tampered value is Japanese."""
    return SelectField(
        label,
        choices=[("", "（選択）")] + [(k.value, v) for k, v in labels.items()],
        validate_choice=False,
        validators=[Optional(), AnyOf([k.value for k in labels], message=message)],
    )


class MediaRowForm(Form):
    """One media row; a row left completely empty is ignored."""

    media_type = _select("媒体の種類", MEDIA_TYPE_LABELS, "媒体の種類を一覧から選んでください。")
    identifier = StringField(
        "識別番号・シリアル番号",
        validators=[SingleLine(), Optional(), _max("識別番号・シリアル番号", 200)],
        filters=NFKC,
    )
    # A text field (NFKC: full-width digits accepted) so a wrong entry gets a Japanese message.
    count = StringField(
        "数量",
        validators=[Optional(), Regexp(r"^[0-9]{1,6}$", message="数量は数字で入力してください。")],
        filters=NFKC,
    )
    method = _select(
        "消去・廃棄の方法", METHOD_LABELS, "消去・廃棄の方法を一覧から選んでください。"
    )
    photos = MultipleFileField("この媒体の写真")


class CertificateForm(FlaskForm):
    media = FieldList(FormField(MediaRowForm), min_entries=DEFAULT_ROWS, max_entries=MAX_ROWS)
    erased_on = JapaneseDateField(
        "消去・廃棄の実施日",
        validators=[DataRequired("実施日を正しい日付（年-月-日）で入力してください。")],
    )
    place = StringField(
        "実施場所",
        validators=[
            SingleLine(),
            DataRequired("実施場所を入力してください。"),
            _max("実施場所", 200),
        ],
        filters=NFKC,
    )
    operator = StringField(
        "作業者（氏名・所属）",
        validators=[SingleLine(), DataRequired("作業者を入力してください。"), _max("作業者", 100)],
        filters=NFKC,
    )
    witnessed = BooleanField("市職員が立ち会った")
    witness_name = StringField(
        "立ち会った市職員の氏名",
        validators=[SingleLine(), Optional(), _max("立会者の氏名", 100)],
        filters=NFKC,
    )
    certificate_pdf = FileField("署名済みの消去証明書（PDF）")
    extra_photos = MultipleFileField("その他の写真（媒体を特定しないもの）")
    note = TextAreaField("備考", validators=[Optional(), _max("備考", 2000)], filters=NFKC)


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "差戻しの理由",
        validators=[
            DataRequired("差戻しの理由を入力してください。"),
            _max("差戻しの理由", MAX_REVIEW_REASON),
        ],
        filters=NFKC,
    )


class AcceptForm(FlaskForm):
    note = TextAreaField(
        "確認メモ",
        validators=[Optional(), _max("確認メモ", MAX_REVIEW_REASON)],
        filters=NFKC,
    )


class CloseForm(FlaskForm):
    pass
