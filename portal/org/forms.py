from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import NFKC
from portal.org.corporate_number import is_valid_corporate_number, normalize_corporate_number
from portal.org.models import CERTIFICATE_LABELS


def _corporate_number(form: object, field: StringField) -> None:
    field.data = normalize_corporate_number(field.data or "")
    if not is_valid_corporate_number(field.data):
        raise ValidationError(
            "法人番号は13桁の数字で、先頭のチェックデジットが正しいものを入力してください。"
        )


class SectionForm(FlaskForm):
    code = StringField(
        "課コード",
        validators=[DataRequired("課コードを入力してください。"), Length(max=20)],
        filters=NFKC,
    )
    name = StringField(
        "課名", validators=[DataRequired("課名を入力してください。"), Length(max=100)], filters=NFKC
    )


class CompanyForm(FlaskForm):
    name = StringField(
        "事業者名",
        validators=[DataRequired("事業者名を入力してください。"), Length(max=200)],
        filters=NFKC,
    )
    corporate_number = StringField(
        "法人番号", validators=[DataRequired("法人番号を入力してください。"), _corporate_number]
    )
    address = StringField("所在地", validators=[Optional(), Length(max=300)], filters=NFKC)
    parent_id = SelectField("親会社（資本関係）", coerce=int, validators=[Optional()])


class CertificateForm(FlaskForm):
    kind = SelectField("認証の種類", choices=[(k.value, v) for k, v in CERTIFICATE_LABELS.items()])
    number = StringField(
        "登録番号",
        validators=[DataRequired("登録番号を入力してください。"), Length(max=100)],
        filters=NFKC,
    )
    expires_on = DateField("有効期限", validators=[Optional()])
