from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from portal.contract.models import (
    CLAUSE_STATUS_LABELS,
    KIND_LABELS,
    LOCATION_LABELS,
    ROLE_LABELS,
    HandlingLocation,
)
from portal.forms import JapaneseDateField, PortalForm, text_field
from portal.profile import current_profile
from portal.wareki import fiscal_year_label


def fiscal_year_choices(around: int, extra: int | None = None) -> list[tuple[int, str]]:
    """年度 choices shown in 和暦 (令和8年度), five years back and two ahead."""
    years = set(range(around - 5, around + 3))
    if extra is not None:
        years.add(extra)
    return [(y, fiscal_year_label(y)) for y in sorted(years, reverse=True)]


class ContractForm(PortalForm):
    number = text_field("契約番号", required="契約番号を入力してください。", max_length=50)
    title = text_field("件名", required="件名を入力してください。", max_length=200)
    company_id = SelectField(
        "委託先事業者", coerce=int, validators=[DataRequired("委託先事業者を選択してください。")]
    )
    kind = SelectField("契約の種類", choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    fiscal_year = SelectField("年度", coerce=int)
    period_start = JapaneseDateField(
        "契約期間（開始）", validators=[InputRequired("開始日を入力してください。")]
    )
    period_end = JapaneseDateField(
        "契約期間（終了）", validators=[InputRequired("終了日を入力してください。")]
    )
    pi_categories = text_field(
        "取り扱う個人情報の項目",
        required="取り扱う個人情報の項目を入力してください。",
        max_length=2000,
        area=True,
        description="例: 氏名、住所、生年月日、電話番号",
    )
    sensitive = BooleanField("要配慮個人情報を含む")
    people_count = IntegerField(
        "本人の数（概数）",
        validators=[
            InputRequired("本人の数を入力してください（不明な場合は概数）。"),
            NumberRange(min=0, max=100_000_000, message="0以上の数を入力してください。"),
        ],
    )
    location = SelectField("取扱場所", choices=[(k.value, v) for k, v in LOCATION_LABELS.items()])
    cloud_provider = text_field("クラウドサービス事業者名", max_length=200)
    cloud_provider_country = text_field("クラウドサービス事業者の所在国", max_length=100)
    cloud_server_country = text_field("サーバの所在国", max_length=100)
    minimum_scope = text_field(
        "必要最小限の範囲とする理由",
        required="取り扱う範囲が必要最小限である理由を入力してください。",
        area=True,
    )
    anonymised = BooleanField("引渡し前に匿名化・仮名化の措置をとる")
    anonymisation_note = text_field("匿名化・仮名化の内容", max_length=2000, area=True)
    retention_years = IntegerField(
        "契約終了後の記録の保存年数",
        default=5,
        validators=[
            InputRequired("保存年数を入力してください。"),
            NumberRange(min=0, max=30, message="0から30までの数を入力してください。"),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The labels cite the active city's own articles (profile [citations]).
        profile = current_profile()
        self.minimum_scope.label.text += profile.article_note("minimum_scope")
        self.anonymised.label.text += profile.article_note("anonymisation")

    def validate(self, extra_validators: Any = None) -> bool:
        ok: bool = super().validate(extra_validators)
        start, end = self.period_start.data, self.period_end.data
        if start and end and end < start:
            self.period_end.errors.append("終了日は開始日以降の日付にしてください。")
            ok = False
        if self.location.data == HandlingLocation.CLOUD.value:
            for f in (self.cloud_provider, self.cloud_provider_country, self.cloud_server_country):
                if not f.data:
                    # 入間市 第18条: the provider's country and the server's country.
                    f.errors.append(
                        "クラウドサービスで取り扱う場合は入力してください"
                        f"{current_profile().article_note('foreign')}。"
                    )
                    ok = False
        return ok


class UploadForm(PortalForm):
    role = SelectField("文書の種類", choices=[(k.value, v) for k, v in ROLE_LABELS.items()])
    document = FileField(
        "ファイル（PDF・Word（.docx）・テキスト）",
        validators=[FileRequired("ファイルを選択してください。")],
    )


class OverrideForm(PortalForm):
    status = SelectField("判断", choices=[(k.value, v) for k, v in CLAUSE_STATUS_LABELS.items()])
    reason = text_field(
        "判断の理由",
        required="判断の理由を入力してください。",
        max_length=4000,
        area=True,
        description=(
            "例: 契約書の「秘密の保持」の条に記載あり。条文の表現が定型と異なるため確認した。"
        ),
    )


class ConfirmationRequestForm(PortalForm):
    reason = text_field(
        "依頼の理由",
        required="確認を依頼する理由を入力してください（どこに書かれているか等）。",
        max_length=2000,
        area=True,
        description="例: 「再委託の禁止」の条に「他の者に行わせてはならない」と書かれています。",
    )
