"""Forms of the 再委託 screens. Forms check the shape of input; services enforce the rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.contract.models import HandlingLocation
from portal.forms import NFKC, JapaneseDateField, SingleLine
from portal.org.corporate_number import is_valid_corporate_number, normalize_corporate_number
from portal.org.models import CERTIFICATE_LABELS
from portal.subcontract.models import LOCATION_LABELS

NEW_COMPANY = 0
TEXT_MAX = 4000
CHOICE_MESSAGE = "選択肢の中から選んでください。"


def _optional_corporate_number(form: object, field: StringField) -> None:
    field.data = normalize_corporate_number(field.data or "")
    if field.data and not is_valid_corporate_number(field.data):
        raise ValidationError(
            "法人番号は13桁の数字で、先頭のチェックデジットが正しいものを入力してください。"
        )


class SubcontractForm(FlaskForm):
    """Request screen (new and correction): 入間市 第37条第1項(2)・第4項, 広島市 第10 2(2)."""

    subcontractor_id = SelectField(
        "再委託先",
        coerce=int,
        default=NEW_COMPANY,
        invalid_value_message=CHOICE_MESSAGE,
        invalid_choice_message=CHOICE_MESSAGE,
    )
    new_name = StringField(
        "事業者名（新規）", validators=[SingleLine(), Optional(), Length(max=200)], filters=NFKC
    )
    new_corporate_number = StringField(
        "法人番号（新規）", validators=[Optional(), _optional_corporate_number]
    )
    new_address = StringField(
        "所在地（新規）", validators=[SingleLine(), Optional(), Length(max=300)], filters=NFKC
    )
    certificate_kind = SelectField(
        "認証（任意）",
        choices=[("", "（なし）")] + [(k.value, v) for k, v in CERTIFICATE_LABELS.items()],
        default="",
        invalid_choice_message=CHOICE_MESSAGE,
    )
    certificate_number = StringField(
        "認証の登録番号", validators=[SingleLine(), Optional(), Length(max=100)], filters=NFKC
    )
    certificate_expires_on = JapaneseDateField("認証の有効期限", validators=[Optional()])
    is_subsidiary = BooleanField("再委託先は当社の子会社である（会社法第2条第3号）")
    work_part = TextAreaField(
        "再委託する業務の範囲", validators=[Optional(), Length(max=TEXT_MAX)], filters=NFKC
    )
    pi_description = TextAreaField(
        "取り扱わせる個人情報の項目",
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=NFKC,
    )
    people_count = IntegerField(
        "対象となる人数（概数）",
        validators=[
            Optional(),
            NumberRange(0, 200_000_000, "人数は0以上の整数で入力してください。"),
        ],
        default=0,
        invalid_value_message="人数は0以上の整数で入力してください。",
    )
    sensitive = BooleanField("要配慮個人情報を含む")
    location = SelectField(
        "取扱場所",
        choices=[(k.value, v) for k, v in LOCATION_LABELS.items()],
        default=HandlingLocation.CONTRACTOR_SITE.value,
        invalid_choice_message=CHOICE_MESSAGE,
    )
    location_detail = StringField(
        "取扱場所の所在地・名称",
        validators=[SingleLine(), Optional(), Length(max=300)],
        filters=NFKC,
    )
    cloud_provider = StringField(
        "クラウドサービス事業者",
        validators=[SingleLine(), Optional(), Length(max=200)],
        filters=NFKC,
    )
    cloud_provider_country = StringField(
        "クラウド事業者の所在国",
        validators=[SingleLine(), Optional(), Length(max=100)],
        filters=NFKC,
    )
    cloud_server_country = StringField(
        "サーバの所在国", validators=[SingleLine(), Optional(), Length(max=100)], filters=NFKC
    )
    reason = TextAreaField(
        "再委託が必要な理由", validators=[Optional(), Length(max=TEXT_MAX)], filters=NFKC
    )
    safeguards = TextAreaField(
        "再委託先の安全管理措置", validators=[Optional(), Length(max=TEXT_MAX)], filters=NFKC
    )
    same_measures_pledged = BooleanField(
        "再委託先にも当社と同等の措置（契約書に定める8項目）を講じさせることを誓約します"
    )
    document = FileField("再委託契約書又は誓約書（PDF・Word・テキスト、任意）")
    save = SubmitField("下書き保存")
    submit_request = SubmitField("申請する")


class DecisionForm(FlaskForm):
    """承認・却下・差戻し: always with a reason; approval may carry conditions."""

    reason = TextAreaField(
        "理由",
        validators=[
            DataRequired("理由を入力してください。"),
            Length(max=TEXT_MAX),
        ],
        filters=NFKC,
    )
    conditions = TextAreaField(
        "承認の条件（任意。例: 年度内に再委託先の実地検査を行う）",
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=NFKC,
    )
    acknowledge_risks = BooleanField("警告を確認したうえで承認する")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "取下げの理由",
        validators=[DataRequired("取下げの理由を入力してください。"), Length(max=TEXT_MAX)],
        filters=NFKC,
    )


class SubmitForm(FlaskForm):
    """Empty form: the 申請 button carries only the CSRF token."""
