"""Policy profiles: one city's rules as data (contract_templates/profiles/<name>.toml).

A sixth city is a new TOML file (plus a clause set), never a code branch.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app

ROLE_KEYS = ("procurement", "protection_manager", "chief", "auditor", "contractor", "admin")

# The duties the portal enforces, each cited from the city's own rule ([citations] of the
# profile). An empty article means the city's rule has no such provision.
DUTIES: dict[str, str] = {
    "clauses": "契約書に明記する事項",
    "minimum_scope": "委託する個人情報の範囲を必要最小限とすること",
    "anonymisation": "匿名化・仮名化等の措置",
    "foreign": "外国（クラウドの事業者・サーバの所在国）での取扱い",
    "subcontract_approval": "再委託の事前承認・再委託先の監督",
    "inspection": "委託先の管理状況の確認（検査）",
    "erasure": "消去・廃棄の確認",
    "access_records": "アクセス記録",
    "download_warning": "一定量以上のダウンロード時の警告",
    "least_privilege": "管理者権限の最小化",
    "incident_report": "漏えい等事案の報告",
    "dispatch": "労働者派遣契約書への秘密保持義務等の明記",
    "pdf_metadata": "付加情報（しおり・プロパティ）に含まれる個人情報への注意",
}


class ProfileError(Exception):
    """A profile file is missing or malformed."""


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str


@dataclass(frozen=True)
class InspectionRules:
    article: str
    required: bool
    frequency_months: int
    onsite_principle: bool
    written_counts: bool
    overdue_is_violation: bool
    schedule_by: str
    year_end_warning_days: int
    checklist: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class ErasureRules:
    article: str
    due_days: int
    witness_or_photos: bool
    photos_per_media_item: int


@dataclass(frozen=True)
class DownloadRules:
    article: str
    window_minutes: int
    max_files: int
    max_bytes: int


@dataclass(frozen=True)
class ChaseRules:
    remind_days_before: tuple[int, ...]
    escalate_after_days: int
    subcontract_decision_days: int
    certificate_expiry_days: int
    action_overdue_grace_days: int


@dataclass(frozen=True)
class Profile:
    name: str
    city: str
    rule_title: str
    clause_set: str
    article_clauses: str
    roles: dict[str, str]
    inspection: InspectionRules
    erasure: ErasureRules
    downloads: DownloadRules
    chase: ChaseRules
    retention_years: int
    citations: dict[str, str] = field(default_factory=dict)

    def role_label(self, role: str) -> str:
        return self.roles.get(role, role)

    def article(self, duty: str) -> str | None:
        """The article of this city's rule for `duty` (「第37条第6項」), or None if it has none."""
        if duty not in DUTIES:
            raise KeyError(f"unknown duty {duty!r}")
        return self.citations.get(duty) or None

    def cite(self, duty: str) -> str | None:
        """「入間市保有個人情報管理規程 第37条第6項」, or None when the city's rule has none."""
        article = self.article(duty)
        return f"{self.rule_title} {article}" if article else None

    def cite_note(self, duty: str, detail: str = "") -> str:
        """「（入間市保有個人情報管理規程 第20条）」 in a sentence, or "" (no article)."""
        citation = self.cite(duty)
        if not citation:
            return ""
        return f"（{citation}{': ' + detail if detail else ''}）"

    def article_note(self, duty: str) -> str:
        """「（第37条第2項）」 beside a field label, or "" when the rule has none."""
        article = self.article(duty)
        return f"（{article}）" if article else ""

    def cited_articles(self) -> frozenset[str]:
        """Every article this profile cites (duties and the incident table)."""
        return frozenset(a for a in self.citations.values() if a)


def _section(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise ProfileError(f"{path}: [{name}] is missing")
    return value


def _citations(data: dict[str, Any], path: Path) -> dict[str, str]:
    table = _section(data, "citations", path)
    missing = [k for k in DUTIES if k not in table]
    unknown = [k for k in table if k not in DUTIES]
    if missing or unknown:
        raise ProfileError(f"{path}: [citations] lacks {missing} / has unknown {unknown}")
    if not all(isinstance(v, str) for v in table.values()):
        raise ProfileError(f'{path}: [citations] values must be strings ("" = none)')
    return {k: table[k].strip() for k in DUTIES}


def load_profile(name: str, templates_dir: Path) -> Profile:
    path = templates_dir / "profiles" / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"profile {name!r} not found at {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    try:
        roles = _section(data, "roles", path)
        missing = [k for k in ROLE_KEYS if k not in roles]
        if missing:
            raise ProfileError(f"{path}: [roles] lacks {missing}")
        insp = dict(_section(data, "inspection", path))
        checklist = tuple(ChecklistItem(**item) for item in insp.pop("checklist"))
        chase = dict(_section(data, "chase", path))
        chase["remind_days_before"] = tuple(chase["remind_days_before"])
        citations = _citations(data, path)
        # The articles live in [citations] only (one place per duty).
        insp["article"] = citations["inspection"]
        erasure = {**_section(data, "erasure", path), "article": citations["erasure"]}
        downloads = {
            **_section(data, "downloads", path),
            "article": citations["download_warning"],
        }
        return Profile(
            name=data["name"],
            city=data["city"],
            rule_title=data["rule_title"],
            clause_set=data["clause_set"],
            article_clauses=citations["clauses"],
            roles={k: str(roles[k]) for k in ROLE_KEYS},
            inspection=InspectionRules(checklist=checklist, **insp),
            erasure=ErasureRules(**erasure),
            downloads=DownloadRules(**downloads),
            chase=ChaseRules(**chase),
            retention_years=int(_section(data, "retention", path)["years_after_close"]),
            citations=citations,
        )
    except (KeyError, TypeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc


@cache
def _cached(name: str, templates_dir: Path) -> Profile:
    return load_profile(name, templates_dir)


def current_profile() -> Profile:
    """The active city's profile (PORTAL_PROFILE)."""
    cfg = current_app.extensions["portal_config"]
    return _cached(cfg.profile, cfg.templates_dir)
