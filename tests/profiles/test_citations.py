"""Every citation comes from the profile: each city's pages cite that city's rule only.

- each profile cites an article for every duty the portal enforces, or says its rule has none;
- every cited article exists in that city's rule (contract_templates/rules/<name>.txt);
- the main pages, rendered for each profile, show the profile's own articles and none that only
  another city's rule has, and never another city's rule title.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.account.models import Role
from portal.demo import DEMO_USERS
from portal.incident.rules import load_incident_rules
from portal.profile import DUTIES, ProfileError, load_profile
from tests.profiles.conftest import (
    PROFILES,
    TEMPLATES,
    crawl,
    iter_pages,
    load_demo_city,
    profile,
)

TOKEN = re.compile(r"第[0-9]+条(?:第[0-9]+項)?|第[0-9]+ [0-9]+")
LAW_BEFORE = re.compile(r"(法|規則|施行令|省令|法律)\s*$")


def rule_articles(name: str) -> set[str]:
    text = (TEMPLATES / "rules" / f"{name}.txt").read_text(encoding="utf-8")
    return {line.split(" （", 1)[0] for line in text.splitlines() if line.startswith("第")}


def all_articles(name: str) -> set[str]:
    """What the profile cites: its duties and its incident table (「第12 7・8」 split)."""
    cited = set(profile(name).cited_articles())
    for article in vars(load_incident_rules(name, TEMPLATES).articles).values():
        cited |= {a for a in re.split(r"・", article) if a.startswith("第")}
        if "・" in article:  # 「第12 7・8」: the second part shares the 第12
            head = article.split(" ")[0]
            cited |= {f"{head} {a}" for a in article.split(" ", 1)[1].split("・") if a.isdigit()}
    return cited


def foreign_articles(name: str) -> set[str]:
    """Articles that only other cities' rules have."""
    others = set().union(*(all_articles(n) for n in PROFILES if n != name))
    return others - all_articles(name)


def offences(html: str, name: str) -> list[str]:
    forbidden = foreign_articles(name)
    found = []
    for m in TOKEN.finditer(html):
        if LAW_BEFORE.search(html[max(0, m.start() - 12) : m.start()]):
            continue
        if m.group(0) in forbidden:
            found.append(m.group(0))
    for other in PROFILES:
        if other != name:
            p = profile(other)
            short = load_incident_rules(other, TEMPLATES).rule_short
            found += [t for t in (p.rule_title, short) if t in html]
    return found


@pytest.mark.parametrize("name", PROFILES)
def test_every_duty_is_cited_or_said_to_have_no_article(name: str) -> None:
    p = profile(name)

    assert set(p.citations) == set(DUTIES)
    for duty in DUTIES:
        article = p.article(duty)
        assert p.cite(duty) == (f"{p.rule_title} {article}" if article else None)


@pytest.mark.parametrize("name", PROFILES)
def test_every_cited_article_is_in_that_citys_rule(name: str) -> None:
    assert all_articles(name) - rule_articles(name) == set()


def test_each_city_cites_its_own_articles() -> None:
    assert profile("iruma").cite("erasure") == "入間市保有個人情報管理規程 第16条第2項"
    assert profile("okinawa").article("erasure") == "第14条第2項"
    assert profile("ryugasaki").article("erasure") == "第15条第2項"
    assert profile("ryugasaki").article("download_warning") == "第20条"
    assert profile("okinawa").article("download_warning") == "第19条"
    assert profile("hiroshima").article("pdf_metadata") == "第6 7"
    assert profile("iruma").cite("pdf_metadata") is None
    assert profile("yokkaichi").cite("dispatch") is None


def test_a_profile_without_citations_is_refused(tmp_path: Any) -> None:
    (tmp_path / "profiles").mkdir()
    text = (TEMPLATES / "profiles" / "iruma.toml").read_text(encoding="utf-8")
    broken = re.sub(r"^erasure = .*\n", "", text, count=1, flags=re.M)
    (tmp_path / "profiles" / "broken.toml").write_text(broken, encoding="utf-8")

    with pytest.raises(ProfileError, match="citations"):
        load_profile("broken", tmp_path)


def test_the_checker_finds_another_citys_article() -> None:
    assert offences("<dt>必要最小限とする理由（第37条第2項）</dt>", "okinawa") == ["第37条第2項"]
    assert offences("（広島市要綱 第6 7）", "iruma") == ["第6 7", "広島市要綱"]
    assert offences("（第35条第2項）、個人情報保護法 第68条第2項", "okinawa") == []


EMAILS = {key: email for key, email, *_rest in DEMO_USERS}
WALKERS = ("pm_shimin", "chief", "auditor", "proc_shimin", "vendor_alpha", "admin")


@pytest.mark.parametrize("name", PROFILES)
def test_main_pages_of_each_profile_cite_only_that_profile(
    name: str, db: Any, client: Any, login_as: Any, use_profile: Any
) -> None:
    """The demo city is built under the profile (so stored notices are that city's too), then
    every page each role reaches from the home page is checked."""
    p = use_profile(name)
    demo = load_demo_city()
    db.session.flush()

    def get(url: str) -> tuple[int, str]:
        response = client.get(url)
        return response.status_code, response.get_data(as_text=True)

    problems: list[str] = []
    seen: set[str] = set()
    shapes: set[str] = set()
    for key in WALKERS:
        login_as(demo.users[key])
        urls = crawl(get)
        shapes |= {re.sub(r"/\d+", "/N", u) for u in urls}
        for url, html in iter_pages(get, urls):
            problems += [f"{key} {url}: {hit}" for hit in offences(html, name)]
            seen |= {d for d in DUTIES if p.cite(d) and p.cite(d) in html}

    assert problems == []
    for needed in (
        "/",
        "/contracts/N",
        "/erasure/contracts/N",
        "/inspections",
        "/inspections/N",
        "/exchange",
        "/exchange/spaces/N",
        "/subcontracts/N",
    ):
        assert needed in shapes
    expected_seen = {
        "iruma": {"erasure", "inspection", "access_records"},
        "hiroshima": {"erasure", "inspection", "access_records"},
        "okinawa": {"erasure", "inspection", "access_records"},
        "ryugasaki": {"erasure", "inspection", "access_records"},
        "yokkaichi": {"erasure"},
    }
    assert expected_seen[name] <= seen


def test_role_keys_are_known() -> None:
    assert {r.value for r in Role} >= {"procurement", "protection_manager", "chief", "auditor"}
