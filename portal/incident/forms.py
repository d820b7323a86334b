"""Forms of the incident screens: shape only; the rules live in services and assessment."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import JapaneseDateField, PortalForm, text_field
from portal.incident.assessment import SENSITIVE_KINDS, Facts, People
from portal.incident.description import MAX_PEOPLE
from portal.incident.models import CAUSE_LABELS

YES_NO = [("yes", "はい"), ("no", "いいえ")]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _date(label: str, *, required: str | None = None) -> JapaneseDateField:
    return JapaneseDateField(
        label, validators=[DataRequired(required)] if required else [Optional()]
    )


def _people(label: str, *, required: bool) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired("本人の数を入力してください（推計の場合は下限）。")
            if required
            else Optional(),
            NumberRange(min=0, max=MAX_PEOPLE, message="本人の数は0以上の整数で入力してください。"),
        ],
    )


class FactsFields(PortalForm):
    """What reportability is decided from (広島市要綱 別表)."""

    sensitive = MultiCheckboxField(
        "含まれる要配慮個人情報（おそれを含む）", choices=[(k, k) for k in SENSITIVE_KINDS]
    )
    ordinance_sensitive = BooleanField("条例要配慮個人情報が含まれる（おそれを含む）")
    people_min = _people("本人の数（確定数、又は推計の下限）", required=True)
    people_max = _people("推計の上限（推計の場合のみ）", required=False)
    financial_damage_risk = BooleanField(
        "不正に利用されることにより財産的被害が生じるおそれがある（口座番号、クレジットカード番号等）"
    )
    unlawful_purpose_risk = BooleanField(
        "不正の目的をもって行われたおそれがある（不正アクセス、ランサムウェア、盗難、内部不正等）"
    )
    encrypted = RadioField(
        "漏えい等した情報は高度な暗号化等で保護され、復号の鍵は漏えいしていないか",
        choices=[("no", "いいえ・不明"), ("yes", "はい（暗号化されており鍵は安全）")],
        default="no",
        validators=[InputRequired("暗号化の有無を選んでください。")],
    )

    def validate_people_max(self, field: Any) -> None:
        from wtforms.validators import ValidationError

        low = self.people_min.data
        if field.data is not None and low is not None and field.data < low:
            raise ValidationError("推計の上限が下限より小さくなっています。")

    def facts(self) -> Facts:
        low = int(self.people_min.data or 0)
        high = self.people_max.data
        return Facts(
            sensitive=tuple(k for k in SENSITIVE_KINDS if k in (self.sensitive.data or [])),
            ordinance_sensitive=bool(self.ordinance_sensitive.data),
            people=People(low, int(high) if high is not None else low),
            financial_damage_risk=bool(self.financial_damage_risk.data),
            unlawful_purpose_risk=bool(self.unlawful_purpose_risk.data),
            encrypted_key_safe=self.encrypted.data == "yes",
        )


class ReportForm(FactsFields):
    contract_id = SelectField(
        "契約",
        coerce=int,
        validators=[DataRequired("契約を選んでください。")],
        validate_choice=False,
    )
    tier = SelectField("発生した事業者", coerce=int, default=0, validate_choice=False)
    title = text_field("件名", required="件名を入力してください。", max_length=200)
    summary = text_field(
        "何が起きたか（事案の概要）",
        required="事案の概要を入力してください。",
        max_length=10_000,
        area=True,
    )
    occurred_on = _date("発生日（分かる場合）")
    discovered_on = _date(
        "把握した日", required="把握した日を正しい日付（年-月-日）で入力してください。"
    )
    known_on = _date("市が把握した日（報告日と異なる場合のみ・市の職員）")
    known_on_reason = text_field("市が把握した日を変える理由", max_length=1000)
    categories = text_field("個人情報の項目（例: 氏名、住所、生年月日）", max_length=2000)
    cause = SelectField(
        "原因",
        choices=[(k.value, v) for k, v in CAUSE_LABELS.items()],
        validators=[DataRequired("原因を選んでください。")],
    )
    cause_detail = text_field("原因の詳細", max_length=10_000, area=True)
    containment = text_field("被害拡大の防止のために行ったこと", max_length=10_000, area=True)
    files = MultipleFileField("添付ファイル（PDF・写真、10件まで）")


class FactsForm(FactsFields):
    reason = text_field(
        "更新の理由", required="更新の理由を入力してください。", max_length=2000, area=True
    )


class DecisionForm(PortalForm):
    reportable = RadioField(
        "個人情報保護委員会への報告",
        choices=[("yes", "報告を要する"), ("no", "報告を要しない")],
        validators=[InputRequired("報告の要否を選んでください。")],
    )
    reason = text_field(
        "判断の理由", required="判断の理由を入力してください。", max_length=5000, area=True
    )


class KnownOnForm(PortalForm):
    known_on = _date(
        "市が把握した日（1日目）", required="日付を正しく入力してください（例: 2026-12-05）。"
    )
    reason = text_field(
        "理由", required="把握日を変更する理由を入力してください。", max_length=1000
    )


class FilingForm(PortalForm):
    kind = SelectField("報告", choices=[("sokuho", "速報"), ("kakuho", "確報")])
    filed_on = _date(
        "委員会へ報告した日", required="報告日を正しく入力してください（例: 2026-12-09）。"
    )


class ResponseForm(PortalForm):
    notify_individuals = RadioField(
        "本人への通知・連絡",
        choices=YES_NO,
        validators=[InputRequired("本人への通知について選んでください。")],
    )
    notify_note = text_field("通知の方法・しない理由", max_length=5000, area=True)
    individuals_notified_on = _date("通知した日")
    publish = RadioField(
        "事実関係及び再発防止策の公表",
        choices=YES_NO,
        validators=[InputRequired("公表について選んでください。")],
    )
    publication_note = text_field("公表の方法・しない理由", max_length=5000, area=True)
    published_on = _date("公表した日")


class AnalysisForm(PortalForm):
    analysis = text_field(
        "原因の分析", required="原因の分析を入力してください。", max_length=10_000, area=True
    )


class MeasureForm(PortalForm):
    description = text_field(
        "再発防止策", required="再発防止策を入力してください。", max_length=5000, area=True
    )
    owner = text_field("担当", required="担当を入力してください。", max_length=100)
    due_on = _date("期限", required="期限を正しい日付で入力してください。")


class MeasureDoneForm(PortalForm):
    done_on = _date("完了日", required="完了日を正しい日付で入力してください。")


class ShareForm(PortalForm):
    section_ids = MultiCheckboxField(
        "共有する課（同種の業務を実施している課）", coerce=int, validate_choice=False
    )


class CloseForm(PortalForm):
    note = text_field(
        "完了の所見", required="完了の所見を入力してください。", max_length=5000, area=True
    )


class FilesForm(PortalForm):
    files = MultipleFileField("添付ファイル（PDF・写真）")
