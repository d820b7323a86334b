from __future__ import annotations

from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.forms import NFKC, JapaneseDateField, PortalForm, text_field
from portal.org.corporate_number import is_valid_corporate_number, normalize_corporate_number
from portal.org.models import CERTIFICATE_LABELS


def _corporate_number(form: object, field: StringField) -> None:
    field.data = normalize_corporate_number(field.data or "")
    if not is_valid_corporate_number(field.data):
        raise ValidationError(
            "法人番号は13桁の数字で、先頭のチェックデジットが正しいものを入力してください。"
        )


class SectionForm(PortalForm):
    code = text_field("課コード", required="課コードを入力してください。", max_length=20)
    name = text_field("課名", required="課名を入力してください。", max_length=100)


class CompanyForm(PortalForm):
    name = text_field("事業者名", required="事業者名を入力してください。", max_length=200)
    corporate_number = StringField(
        "法人番号", validators=[DataRequired("法人番号を入力してください。"), _corporate_number]
    )
    address = text_field("所在地", max_length=300)
    parent_id = SelectField("親会社（資本関係）", coerce=int, validators=[Optional()])


class CertificateForm(PortalForm):
    kind = SelectField("認証の種類", choices=[(k.value, v) for k, v in CERTIFICATE_LABELS.items()])
    number = text_field("登録番号", required="登録番号を入力してください。", max_length=100)
    expires_on = JapaneseDateField("有効期限", validators=[Optional()])


class ContactForm(PortalForm):
    """What a contractor changes itself (the city is told through the company's history)."""

    contact_name = text_field(
        "担当者氏名", required="担当者氏名を入力してください。", max_length=100
    )
    contact_email = EmailField(
        "担当者メールアドレス",
        filters=NFKC,
        validators=[
            DataRequired("担当者メールアドレスを入力してください。"),
            Length(max=254, message="254文字以内で入力してください。"),
            Email("メールアドレスの形式が正しくありません。", check_deliverability=False),
        ],
    )
    address = text_field("所在地", required="所在地を入力してください。", max_length=300)


class SelfCertificateForm(PortalForm):
    kind = SelectField("認証の種類", choices=[(k.value, v) for k, v in CERTIFICATE_LABELS.items()])
    number = text_field("登録番号", required="登録番号を入力してください。", max_length=100)
    scope = text_field(
        "適用範囲",
        max_length=300,
        description="認証書に書かれた範囲（例: 本社 情報システム事業部）。",
    )
    expires_on = JapaneseDateField(
        "有効期限", validators=[DataRequired("有効期限を入力してください。")]
    )


class ChangeRequestForm(PortalForm):
    name = text_field("新しい事業者名", required="事業者名を入力してください。", max_length=200)
    corporate_number = StringField(
        "新しい法人番号",
        validators=[DataRequired("法人番号を入力してください。"), _corporate_number],
    )
    reason = text_field(
        "変更の理由",
        required="変更の理由を入力してください（例: 商号変更、合併）。",
        max_length=2000,
        area=True,
    )


class ChangeDecisionForm(PortalForm):
    decision = SelectField("判断", choices=[("accept", "反映する"), ("reject", "差し戻す")])
    note = text_field(
        "メモ", max_length=2000, area=True, description="差し戻す場合は理由を書いてください。"
    )
