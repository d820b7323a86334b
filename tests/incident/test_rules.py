"""Each city's incident rules come from its own profile and cite its own articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.incident.rules import IncidentRulesError, load_incident_rules, parse_incident_rules

TEMPLATES = Path(__file__).resolve().parents[2] / "contract_templates"
PROFILES = ("iruma", "hiroshima", "okinawa", "ryugasaki", "yokkaichi")
SEEDS_ARTICLE = {
    "iruma": "入間市規程 第39条第1項",
    "hiroshima": "広島市要綱 第12 1",
    "okinawa": "沖縄市規程 第38条第1項",
    "ryugasaki": "龍ヶ崎市規程 第37条",
    "yokkaichi": "四日市市規程 第16条第1項",
}


@pytest.mark.parametrize("profile", PROFILES)
def test_each_profile_cites_its_own_report_article_and_tells_the_protection_manager(profile):
    rules = load_incident_rules(profile, TEMPLATES)

    assert rules.cite("report") == SEEDS_ARTICLE[profile]
    assert rules.told_at_once == ("protection_manager",)
    cited = [rules.cite(d) for d in ("report", "escalation", "ppc", "publication", "recurrence")]
    assert all(c.startswith(rules.rule_short) or c == "（規程に定めなし）" for c in cited)
    assert profile == "iruma" or not any("入間市" in c for c in cited)
    assert (rules.clocks.sokuho_due_day, rules.clocks.kakuho_days) == (5, 30)


def test_hiroshima_escalates_to_the_auditor_who_files_with_the_ppc():
    rules = load_incident_rules("hiroshima", TEMPLATES)

    assert rules.escalation == ("auditor", "chief")
    assert rules.ppc_reporter == "auditor"
    assert rules.cite("sharing") == "広島市要綱 第12 6"


def test_a_duty_the_citys_rule_does_not_write_down_says_so():
    rules = load_incident_rules("yokkaichi", TEMPLATES)

    assert rules.cite("ppc") == "（規程に定めなし）"


def test_a_profile_without_an_incident_table_is_refused():
    with pytest.raises(IncidentRulesError, match=r"\[incident\] is missing"):
        parse_incident_rules({"name": "x", "city": "x", "rule_title": "x"}, source="x.toml")


def test_an_unknown_role_in_the_chain_is_refused():
    data = {
        "name": "x",
        "city": "x",
        "rule_title": "x",
        "incident": {
            "rule_short": "x",
            "told_at_once": ["mayor"],
            "escalation": [],
            "ppc_reporter": "chief",
            "articles": {},
        },
    }

    with pytest.raises(IncidentRulesError, match="unknown roles"):
        parse_incident_rules(data, source="x.toml")
