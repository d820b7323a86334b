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
import sqlalchemy as sa

from portal.account.models import Role
from portal.demo import DEMO_USERS
from portal.incident.rules import load_incident_rules
from portal.notification.models import Notification
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


# 局等総括保護管理者 (広島市要綱 第3 3) is a title too, though no profile role names it yet.
EXTRA_TITLES = {"局等総括保護管理者"}


def foreign_titles(name: str) -> set[str]:
    """Role titles other profiles use and this one does not."""
    own = set(profile(name).roles.values())
    return (set().union(*(profile(n).roles.values() for n in PROFILES)) | EXTRA_TITLES) - own


def title_offences(text: str, name: str) -> list[str]:
    """Foreign titles in `text`, except inside one of the profile's own longer titles
    (保護管理者 within 総括保護管理者 is fine where 総括保護管理者 is the city's own title)."""
    own = set(profile(name).roles.values())
    found = set()
    for title in foreign_titles(name):
        for m in re.finditer(re.escape(title), text):
            inside_own = any(
                text.startswith(o, m.start() - o.index(title))
                for o in own
                if title in o and m.start() - o.index(title) >= 0
            )
            if not inside_own:
                found.add(title)
    return sorted(found)


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
    return found + title_offences(html, name)


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
    assert title_offences("保護管理者の判断", "yokkaichi") == ["保護管理者"]
    assert title_offences("総括保護管理者へ報告", "ryugasaki") == ["総括保護管理者"]
    assert title_offences("総括保護管理者へ報告", "iruma") == []
    assert title_offences("管理責任者の判断", "yokkaichi") == []


EMAILS = {key: email for key, email, *_rest in DEMO_USERS}
WALKERS = ("pm_shimin", "chief", "auditor", "proc_shimin", "vendor_alpha", "admin")


@pytest.mark.parametrize("name", PROFILES)
def test_pages_and_mails_of_each_profile_cite_and_title_only_that_profile(
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
    titles_seen: set[str] = set()
    shapes: set[str] = set()
    for key in WALKERS:
        login_as(demo.users[key])
        urls = crawl(get)
        shapes |= {re.sub(r"/\d+", "/N", u) for u in urls}
        for url, html in iter_pages(get, urls):
            problems += [f"{key} {url}: {hit}" for hit in offences(html, name)]
            seen |= {d for d in DUTIES if p.cite(d) and p.cite(d) in html}
            titles_seen |= {t for t in p.roles.values() if t in html}

    # Every notice (in the portal and by mail: the same subject and body) composed meanwhile.
    for n in db.session.scalars(sa.select(Notification)):
        problems += [f"notice {n.kind}: {hit}" for hit in offences(f"{n.subject}\n{n.body}", name)]

    assert problems == [], "\n".join(problems)
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
    assert {p.roles["protection_manager"], p.roles["chief"]} <= titles_seen


def test_role_keys_are_known() -> None:
    assert {r.value for r in Role} >= {"procurement", "protection_manager", "chief", "auditor"}


@pytest.mark.parametrize(
    ("name", "basis", "dispatch"),
    [
        ("iruma", "入間市保有個人情報管理規程第37条第1項の規定の趣旨", "第37条第5項の規定に基づき"),
        ("yokkaichi", "四日市市個人情報管理規程の趣旨", "四日市市個人情報管理規程に基づき"),
    ],
)
def test_the_standard_texts_cite_the_active_citys_rule(
    db: Any, use_profile: Any, name: str, basis: str, dispatch: str
) -> None:
    """四日市市 uses the 入間市 clause set and texts; its 特記事項 cite its own rule."""
    from portal.clausecheck.clauseset import load_clause_set
    from portal.clausecheck.draft import render_tokki_text
    from portal.contract.drafting import particulars_for
    from tests.inspection.factories import make_world

    p = use_profile(name)
    world = make_world()
    clause_set = load_clause_set(p.clause_set, TEMPLATES)
    particulars = particulars_for(world.contract)

    tokki = render_tokki_text(particulars, clause_set)
    haken = render_tokki_text(particulars, clause_set, template="haken_himitsu")

    assert basis in tokki
    assert dispatch in haken
    if name != "iruma":
        assert "入間市" not in tokki + haken
