"""Forms of the inspection screens. Checklist screens have one field per profile item, so
those values are read by `parse_*` helpers from the posted form (after CSRF validation)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.errors import PortalError
from portal.forms import NFKC, JapaneseDateField, SingleLine, nfkc
from portal.inspection.models import (
    INSPECTOR_KIND_LABELS,
    METHOD_LABELS,
    InspectionItem,
    ItemResult,
)
from portal.inspection.services import MAX_ANSWER, MAX_FINDINGS, MAX_REASON, ActionInput
from portal.wareki import DateParseError, parse_date


def _max(label: str, n: int) -> Length:
    """WTForms' own message is English; the view flashes this one without the field."""
    return Length(max=n, message=f"{label}は{n}文字以内で入力してください。")


def _user_id(value: Any) -> int:
    """A posted user id; 0 (nobody) for anything that is not a 32-bit id."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0


def _one_of(allowed: Iterable[str], message: str) -> Any:
    """A choice check with a Japanese message (used instead of WTForms' English one)."""
    values = set(allowed)

    def check(form: Any, field: Any) -> None:
        if field.data not in values:
            raise ValidationError(message)

    return check


class ScheduleForm(FlaskForm):
    scheduled_on = JapaneseDateField(
        "検査日",
        validators=[InputRequired("検査日を入力してください。")],
    )
    method = RadioField(
        "方法",
        choices=[(k.value, v) for k, v in METHOD_LABELS.items()],
        default="onsite",
        validate_choice=False,
        validators=[
            DataRequired("方法を選んでください。"),
            _one_of([m.value for m in METHOD_LABELS], "方法は実地検査又は書面から選んでください。"),
        ],
    )
    written_reason = TextAreaField(
        "書面による理由", validators=[Optional(), _max("書面による理由", MAX_REASON)], filters=NFKC
    )
    inspector_kind = RadioField(
        "検査者",
        choices=[(k.value, v) for k, v in INSPECTOR_KIND_LABELS.items()],
        default="city",
        validate_choice=False,
        validators=[
            DataRequired("検査者の区分を選んでください。"),
            _one_of([k.value for k in INSPECTOR_KIND_LABELS], "検査者の区分を選んでください。"),
        ],
    )
    # Checked by the service (section staff only): a tampered id gets a Japanese message.
    inspector_id = SelectField(
        "検査を行う職員", coerce=_user_id, validate_choice=False, validators=[Optional()]
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "中止の理由",
        validators=[DataRequired("中止の理由を入力してください。"), _max("中止の理由", MAX_REASON)],
        filters=NFKC,
    )


class AnswersForm(FlaskForm):
    """CSRF only; answers are `answer-<key>` fields, `action` is "save" or "submit"."""


class EvidenceForm(FlaskForm):
    file = FileField("根拠資料", validators=[FileRequired("ファイルを選んでください。")])
    item_key = SelectField("対応する確認項目", validate_choice=False, validators=[Optional()])


class RecordForm(FlaskForm):
    """Per item: `result-<key>` (ok/improved/needs_improvement/not_applicable), `note-<key>`,
    and for a corrective action `action-<key>-description`, `-owner`, `-due`."""

    performed_on = JapaneseDateField(
        "実施日",
        validators=[InputRequired("実施日を入力してください。")],
    )
    findings = TextAreaField(
        "所見", validators=[Optional(), _max("所見", MAX_FINDINGS)], filters=NFKC
    )


class ActionForm(FlaskForm):
    item_key = SelectField("確認項目", validate_choice=False, validators=[Optional()])
    description = TextAreaField(
        "是正措置の内容",
        validators=[
            DataRequired("是正措置の内容を入力してください。"),
            _max("是正措置の内容", MAX_ANSWER),
        ],
        filters=NFKC,
    )
    owner = StringField(
        "担当（責任者）",
        validators=[SingleLine(), DataRequired("担当を入力してください。"), _max("担当", 200)],
        filters=NFKC,
    )
    due_on = JapaneseDateField(
        "期限",
        validators=[InputRequired("期限を入力してください。")],
    )


class RespondForm(FlaskForm):
    response = TextAreaField(
        "対応内容",
        validators=[DataRequired("対応内容を入力してください。"), _max("対応内容", MAX_ANSWER)],
        filters=NFKC,
    )
    file = FileField("根拠資料")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "判断",
        choices=[("close", "改善を確認して完了にする"), ("return", "差し戻す")],
        default="close",
        validate_choice=False,
        validators=[
            DataRequired("判断を選んでください。"),
            _one_of(["close", "return"], "判断を選んでください。"),
        ],
    )
    note = TextAreaField(
        "確認メモ・差戻し理由",
        validators=[Optional(), _max("確認メモ・差戻し理由", MAX_REASON)],
        filters=NFKC,
    )


def item_choices(items: Sequence[InspectionItem]) -> list[tuple[str, str]]:
    return [("", "（全体）")] + [(i.key, i.label) for i in items]


def parse_answers(data: Mapping[str, str], items: Sequence[InspectionItem]) -> dict[str, str]:
    return {
        i.key: nfkc(data.get(f"answer-{i.key}", "")) for i in items if f"answer-{i.key}" in data
    }


def _parse_date(raw: str, label: str) -> date | None:
    raw = nfkc(raw or "")
    if not raw:
        return None
    try:
        return parse_date(raw)
    except DateParseError as exc:
        raise PortalError(f"{label}: {exc}") from None


def parse_record(
    data: Mapping[str, str], items: Sequence[InspectionItem]
) -> tuple[dict[str, ItemResult], dict[str, str], list[ActionInput]]:
    """Per-item results, notes and the corrective actions typed next to the items."""
    results: dict[str, ItemResult] = {}
    notes: dict[str, str] = {}
    actions: list[ActionInput] = []
    valid = {r.value for r in ItemResult}
    for item in items:
        raw = data.get(f"result-{item.key}", "")
        if raw:
            if raw not in valid:
                raise PortalError("結果は ○ △ × - のいずれかを選んでください。")
            results[item.key] = ItemResult(raw)
        notes[item.key] = nfkc(data.get(f"note-{item.key}", ""))
        description = nfkc(data.get(f"action-{item.key}-description", ""))
        owner = nfkc(data.get(f"action-{item.key}-owner", ""))
        due = _parse_date(data.get(f"action-{item.key}-due", ""), f"「{item.label}」の期限")
        if description or owner or due:
            actions.append(
                ActionInput(item_key=item.key, description=description, owner=owner, due_on=due)
            )
    return results, notes, actions
