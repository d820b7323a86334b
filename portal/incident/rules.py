"""Each city's incident rules as profile data: the `[incident]` table of
contract_templates/profiles/<name>.toml.

Who is told at once, who next (the escalation chain), who files with the PPC, the articles of
the city's own rule for each duty, and the clock settings. A duty the city's rule does not
write down has an empty article ("" → 「規程に定めなし」 on screen); the law's own articles
(個人情報保護法 第68条, 施行規則 第43条・第44条) apply in every city.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from portal.incident.clocks import ClockRules

ROLE_KEYS = frozenset({"procurement", "protection_manager", "chief", "auditor"})
LAW_REPORT = "個人情報保護法 第68条第1項"
LAW_NOTICE = "個人情報保護法 第68条第2項"
LAW_CRITERIA = "個人情報保護法施行規則 第43条"
LAW_DEADLINES = "個人情報保護法施行規則 第44条"


class IncidentRulesError(Exception):
    """The profile's [incident] table is missing or malformed."""


@dataclass(frozen=True)
class Articles:
    """Articles of the city's rule (empty: the rule has none for that duty)."""

    report: str  # the staff who learn of it tell the 保護管理者 at once
    containment: str  # 被害の拡大防止
    escalation: str  # the 保護管理者 reports on to the next tier
    ppc: str  # 法に基づく報告及び通知
    publication: str  # 公表等 even when the PPC need not be told
    recurrence: str  # cause analysis and recurrence prevention
    sharing: str  # sharing the measures with sections doing similar work
    flow: str  # a flow chart / 要領 of the whole response


@dataclass(frozen=True)
class IncidentRules:
    profile: str
    city: str
    rule_title: str
    rule_short: str
    articles: Articles
    told_at_once: tuple[str, ...]
    escalation: tuple[str, ...]
    ppc_reporter: str
    clocks: ClockRules

    def cite(self, duty: str) -> str:
        """「広島市要綱 第12 1」-style citation, or 「（規程に定めなし）」."""
        article = getattr(self.articles, duty)
        return f"{self.rule_short} {article}" if article else "（規程に定めなし）"


def _roles(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise IncidentRulesError(f"{where} must be a list of role keys")
    unknown = set(value) - ROLE_KEYS
    if unknown:
        raise IncidentRulesError(f"{where}: unknown roles {sorted(unknown)}")
    return tuple(value)


def parse_incident_rules(data: dict[str, Any], *, source: str) -> IncidentRules:
    table = data.get("incident")
    if not isinstance(table, dict):
        raise IncidentRulesError(f"{source}: [incident] is missing")
    try:
        arts = table["articles"]
        articles = Articles(**{k: str(arts.get(k, "")) for k in Articles.__dataclass_fields__})
        clocks = ClockRules(**table.get("clocks", {}))
        reporter = str(table["ppc_reporter"])
        if reporter not in ROLE_KEYS:
            raise IncidentRulesError(f"{source}: ppc_reporter {reporter!r} is not a role")
        return IncidentRules(
            profile=str(data["name"]),
            city=str(data["city"]),
            rule_title=str(data["rule_title"]),
            rule_short=str(table["rule_short"]),
            articles=articles,
            told_at_once=_roles(table["told_at_once"], f"{source}: told_at_once"),
            escalation=_roles(table["escalation"], f"{source}: escalation"),
            ppc_reporter=reporter,
            clocks=clocks,
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, IncidentRulesError):
            raise
        raise IncidentRulesError(f"{source}: [incident] {exc}") from exc


def load_incident_rules(profile: str, templates_dir: Path) -> IncidentRules:
    path = templates_dir / "profiles" / f"{profile}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IncidentRulesError(f"profile {profile!r}: {exc}") from exc
    return parse_incident_rules(data, source=str(path))


@cache
def _cached(profile: str, templates_dir: Path) -> IncidentRules:
    return load_incident_rules(profile, templates_dir)


def current_rules() -> IncidentRules:
    """The active city's incident rules (the app's PORTAL_PROFILE)."""
    from flask import current_app

    cfg = current_app.extensions["portal_config"]
    return _cached(cfg.profile, cfg.templates_dir)


def standalone_rules(profile: str | None) -> IncidentRules:
    """Without an app: `profile`, else $PORTAL_PROFILE, else iruma; templates from
    $PORTAL_TEMPLATES_DIR, else the repository's contract_templates/."""
    from portal.clausecheck.clauseset import default_templates_dir

    name = profile or os.environ.get("PORTAL_PROFILE") or "iruma"
    return load_incident_rules(name, default_templates_dir())
