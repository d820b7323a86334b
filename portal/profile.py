"""Policy profiles: one city's rules as data (contract_templates/profiles/<name>.toml).

A sixth city is a new TOML file (plus a clause set), never a code branch.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app

ROLE_KEYS = ("procurement", "protection_manager", "chief", "auditor", "contractor", "admin")


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

    def role_label(self, role: str) -> str:
        return self.roles.get(role, role)


def _section(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise ProfileError(f"{path}: [{name}] is missing")
    return value


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
        return Profile(
            name=data["name"],
            city=data["city"],
            rule_title=data["rule_title"],
            clause_set=data["clause_set"],
            article_clauses=data["article_clauses"],
            roles={k: str(roles[k]) for k in ROLE_KEYS},
            inspection=InspectionRules(checklist=checklist, **insp),
            erasure=ErasureRules(**_section(data, "erasure", path)),
            downloads=DownloadRules(**_section(data, "downloads", path)),
            chase=ChaseRules(**chase),
            retention_years=int(_section(data, "retention", path)["years_after_close"]),
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
