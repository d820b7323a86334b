"""A sixth city by adding files only: a profile, its cited articles, a clause set and its texts
are written into a copy of contract_templates/ in a temporary folder, and the city's contract
life runs on them (register → check → activate, and the rest of the demo city: 再委託,
inspection, end, erasure), its pages citing its own rule and titles."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal.contract.models import ContractStatus
from portal.contract.services import clause_rows
from portal.profile import load_profile
from tests.profiles.conftest import PROFILES, TEMPLATES, crawl, iter_pages, load_demo_city, profile

CITY = "サンプル市"
RULE = "サンプル市個人情報安全管理規程"
CITATIONS = {
    "clauses": "第30条第1項",
    "minimum_scope": "第30条第2項",
    "anonymisation": "第30条第6項",
    "foreign": "第12条",
    "subcontract_approval": "第30条第4項",
    "inspection": "第30条第3項",
    "erasure": "第11条第2項",
    "access_records": "第14条",
    "download_warning": "第15条",
    "least_privilege": "第16条",
    "incident_report": "第32条第1項",
    "dispatch": "第30条第5項",
    "pdf_metadata": "",
}
ROLES = {
    "procurement": "契約事務担当者",
    "protection_manager": "個人情報管理者",
    "chief": "個人情報統括管理者",
    "auditor": "個人情報監査者",
    "contractor": "受託事業者担当者",
    "admin": "システム管理者",
}


def _write_city(root: Path) -> None:
    """Only new files: nothing of the five cities is edited."""
    iruma = (root / "profiles" / "iruma.toml").read_text(encoding="utf-8")
    # Everything after [roles] that is not a citation or a title (inspection, erasure, chase,
    # incident …) is the same shape for every city; take 入間市's numbers as a start.
    tail = iruma[iruma.index("[inspection]") :]
    tail = re.sub(r'rule_short = ".*"', 'rule_short = "サンプル市規程"', tail)
    tail = re.sub(r"\[incident\.articles\][^\[]*", "", tail)
    tail = tail.replace("[incident.clocks]", _incident_articles() + "[incident.clocks]")
    tail = tail.replace("frequency_months = 12\n", "")  # no frequency in this rule
    lines = [
        'name = "sample"',
        f'city = "{CITY}"',
        f'rule_title = "{RULE}"',
        'clause_set = "sample"',
        "",
        "[citations]",
        *(f'{k} = "{v}"' for k, v in CITATIONS.items()),
        "",
        "[roles]",
        *(f'{k} = "{v}"' for k, v in ROLES.items()),
        "",
        tail,
    ]
    (root / "profiles" / "sample.toml").write_text("\n".join(lines), encoding="utf-8")

    clauses = (root / "clauses" / "iruma.toml").read_text(encoding="utf-8")
    clauses = clauses.replace('name = "iruma"', 'name = "sample"')
    clauses = clauses.replace('texts = "iruma"', 'texts = "sample"')
    clauses = clauses.replace("入間市保有個人情報管理規程 第37条第1項", f"{RULE} 第30条第1項")
    clauses = clauses.replace("入間市規程 第37条第1項", "サンプル市規程 第30条第1項")
    (root / "clauses" / "sample.toml").write_text(clauses, encoding="utf-8")
    shutil.copytree(root / "texts" / "iruma", root / "texts" / "sample")

    articles = {a for a in CITATIONS.values() if a} | {"第32条第2項", "第32条第3項", "第33条"}
    (root / "rules" / "sample.txt").write_text(
        "\n".join(f"{a} （見出し）本文" for a in sorted(articles)) + "\n", encoding="utf-8"
    )


def _incident_articles() -> str:
    return (
        "[incident.articles]\n"
        'report = "第32条第1項"\ncontainment = "第32条第2項"\nescalation = "第32条第3項"\n'
        'ppc = "第33条"\npublication = ""\nrecurrence = ""\nsharing = ""\nflow = ""\n'
    )


@pytest.fixture
def sixth_city(tmp_path: Path, app: Flask, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Any]:
    root = tmp_path / "contract_templates"
    shutil.copytree(TEMPLATES, root)
    _write_city(root)
    cfg = app.extensions["portal_config"]
    monkeypatch.setitem(
        app.extensions,
        "portal_config",
        dataclasses.replace(cfg, profile="sample", templates_dir=root),
    )
    return root, load_profile("sample", root)


def test_the_sixth_city_profile_loads_from_its_files(sixth_city: Any) -> None:
    root, p = sixth_city

    assert p.cite("erasure") == f"{RULE} 第11条第2項"
    assert p.role_label("protection_manager") == "個人情報管理者"
    assert p.inspection.frequency_unset
    cited = set(p.cited_articles())
    listed = {
        line.split(" ", 1)[0]
        for line in (root / "rules" / "sample.txt").read_text(encoding="utf-8").splitlines()
    }
    assert cited <= listed


def test_the_sixth_city_runs_its_contract_life_on_files_only(
    sixth_city: Any, db: Any, client: Any, login_as: Any
) -> None:
    _root, p = sixth_city
    demo = load_demo_city()  # register → check → activate, 再委託, inspection, end, erasure
    db.session.flush()
    contracts = demo.extra["contracts"]

    juki = contracts["juki"]
    assert juki.status == ContractStatus.ACTIVE
    assert [r.status.value for r in clause_rows(juki)] == ["present"] * 8
    assert contracts["kyufu_print"].status == ContractStatus.ERASURE_PENDING

    def get(url: str) -> tuple[int, str]:
        response = client.get(url)
        return response.status_code, response.get_data(as_text=True)

    others = [profile(n) for n in PROFILES]
    foreign_titles = {t for o in others for t in o.roles.values()} - set(ROLES.values())
    problems, seen = [], set()
    for key in ("pm_shimin", "chief", "vendor_alpha"):
        login_as(demo.users[key])
        for url, html in iter_pages(get, crawl(get, limit=25)):
            problems += [f"{url}: {o.rule_title}" for o in others if o.rule_title in html]
            # Blank the city's own titles first: 統括管理者 inside 個人情報統括管理者 is its own.
            text = html
            for own in sorted(ROLES.values(), key=len, reverse=True):
                text = text.replace(own, "〓")
            problems += [f"{url}: {t}" for t in foreign_titles if t in text]
            seen |= {t for t in ROLES.values() if t in html}
            seen |= {d for d in CITATIONS if p.cite(d) and p.cite(d) in html}

    assert problems == []
    assert {"個人情報管理者", "個人情報統括管理者"} <= seen
    assert {"erasure", "access_records", "inspection"} <= seen
