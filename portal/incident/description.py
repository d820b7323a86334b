"""One incident description as JSON (the input of `portal incidents assess`), checked field by
field with Japanese messages. Pure: no Flask, no database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.errors import PortalError
from portal.incident.assessment import SENSITIVE_KINDS, Facts, People

# Causes the report form offers (keys of IncidentCause in models.py).
CAUSE_KEYS = (
    "misdelivery",
    "loss",
    "theft",
    "unauthorized_access",
    "ransomware",
    "insider",
    "other",
)
REQUIRED = ("discovered_on", "people")
BOOLEANS = (
    "ordinance_sensitive",
    "financial_damage_risk",
    "unlawful_purpose_risk",
    "encrypted_key_safe",
)
TEXTS = ("summary", "containment")
KNOWN = frozenset({*REQUIRED, *BOOLEANS, *TEXTS, "categories", "sensitive", "occurred_on", "cause"})
MAX_PEOPLE = 10**9
MAX_TEXT = 10_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidDescription(PortalError):
    """The description cannot be assessed; `message` says why, in Japanese."""


@dataclass(frozen=True)
class Description:
    discovered_on: date
    facts: Facts
    categories: tuple[str, ...] = ()
    occurred_on: date | None = None
    cause: str | None = None


def _date(data: dict[str, Any], key: str) -> date:
    value = data[key]
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InvalidDescription(f"「{key}」は YYYY-MM-DD 形式の日付で指定してください。")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidDescription(f"「{key}」の日付 {value} は存在しません。") from exc


def _count(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PEOPLE:
        raise InvalidDescription(f"「{key}」は0以上の整数で指定してください。")
    return value


def _people(value: Any) -> People:
    if isinstance(value, dict):
        extra = set(value) - {"min", "max"}
        if extra or not {"min", "max"} <= set(value):
            raise InvalidDescription(
                '「people」の範囲は {"min": 下限, "max": 上限} の形で指定してください。'
            )
        low, high = _count(value["min"], "people.min"), _count(value["max"], "people.max")
        if high < low:
            raise InvalidDescription("「people」の上限（max）が下限（min）より小さくなっています。")
        return People(low, high)
    return People.exact(_count(value, "people"))


def _strings(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidDescription(f"「{key}」は文字列の配列で指定してください。")
    return tuple(v.strip() for v in value)


def parse_description(data: Any) -> Description:
    """Check a decoded JSON value and build the description; InvalidDescription otherwise."""
    if not isinstance(data, dict):
        raise InvalidDescription(
            "ファイルの内容は1件の事案を表す JSON オブジェクトにしてください。"
        )
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise InvalidDescription(
            f"不明な項目があります: {', '.join(unknown)}（綴りを確認してください。"
            f"指定できる項目: {', '.join(sorted(KNOWN))}）"
        )
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise InvalidDescription(f"必須の項目がありません: {', '.join(missing)}")
    for key in BOOLEANS:
        if key in data and not isinstance(data[key], bool):
            raise InvalidDescription(f"「{key}」は true または false で指定してください。")
    for key in TEXTS:
        if key in data and (not isinstance(data[key], str) or len(data[key]) > MAX_TEXT):
            raise InvalidDescription(f"「{key}」は{MAX_TEXT}文字以内の文字列で指定してください。")
    sensitive = _strings(data, "sensitive")
    unknown_kinds = [k for k in sensitive if k not in SENSITIVE_KINDS]
    if unknown_kinds:
        raise InvalidDescription(
            f"「sensitive」に要配慮個人情報の項目ではないものがあります: {'、'.join(unknown_kinds)}"
            f"（要配慮個人情報の11項目の名称で指定してください: {'、'.join(SENSITIVE_KINDS)}）"
        )
    discovered_on = _date(data, "discovered_on")
    occurred_on = _date(data, "occurred_on") if data.get("occurred_on") is not None else None
    if occurred_on is not None and occurred_on > discovered_on:
        raise InvalidDescription(
            "「occurred_on」（発生日）が「discovered_on」（把握日）より後です。"
        )
    cause = data.get("cause")
    if cause is not None and cause not in CAUSE_KEYS:
        raise InvalidDescription(
            f"「cause」は次のいずれかで指定してください: {', '.join(CAUSE_KEYS)}"
        )
    facts = Facts(
        sensitive=tuple(dict.fromkeys(sensitive)),
        ordinance_sensitive=bool(data.get("ordinance_sensitive", False)),
        people=_people(data["people"]),
        financial_damage_risk=bool(data.get("financial_damage_risk", False)),
        unlawful_purpose_risk=bool(data.get("unlawful_purpose_risk", False)),
        encrypted_key_safe=bool(data.get("encrypted_key_safe", False)),
    )
    return Description(
        discovered_on=discovered_on,
        facts=facts,
        categories=_strings(data, "categories"),
        occurred_on=occurred_on,
        cause=cause,
    )


def load_description(raw: bytes) -> Description:
    """Decode UTF-8 JSON (a BOM is allowed) and parse it."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidDescription("ファイルが UTF-8 の JSON ではありません。") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDescription(
            f"JSON として読み取れません（{exc.lineno}行{exc.colno}文字目: {exc.msg}）。"
        ) from exc
    except RecursionError as exc:
        raise InvalidDescription("JSON の入れ子が深すぎます。") from exc
    return parse_description(data)
