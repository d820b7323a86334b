"""Every role's pages in Debian chromium: axe-core (WCAG 2.2 AA), phones, and no raw identifiers.

For each demo role the walk opens the home page, every menu page and the first record linked
from each list (a contract, a 再委託 request, an inspection …), and checks on each:
- axe-core reports no serious or critical violation of WCAG 2.0/2.1/2.2 A and AA;
- at 390×844 (a phone) the page is not wider than the screen;
- no ASCII identifier (an event code, enum value or profile key such as `contract_created` or
  `PRIVACY_MARK`) is shown as text: a person reads Japanese labels.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from portal.demo import DEMO_USERS
from tests.fixtures.browser import login

AXE = Path(sys.prefix) / "axe-core" / "axe.min.js"
ROLES = ("admin", "chief", "auditor", "pm_shimin", "proc_shimin", "vendor_alpha")
EMAILS = {key: email for key, email, *_rest in DEMO_USERS}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
# Links that download, change state through GET-looking URLs, or leave the portal are not pages.
NOT_A_PAGE = re.compile(r"(download|export|format=|\.csv|\.xlsx|\.pdf|/logout|/file|/raw|/openapi)")
# snake_case or SHOUTY_CASE words: what an enum value or event code looks like.
IDENTIFIER = re.compile(r"(?<![\w@./:-])(?:[a-z]+_[a-z0-9_]+|[A-Z]{2,}_[A-Z0-9_]+)(?![\w@./-])")
MAX_PAGES_PER_ROLE = 18


def _shape(url: str) -> str:
    """Pages of one kind (contract 3, contract 7) count once."""
    parts = urlsplit(url)
    return re.sub(r"/\d+", "/N", parts.path)


def _pages_of(page: Any) -> list[str]:
    """The home page, the menu and the first record of every list reachable from the menu."""
    origin = urlsplit(page.url)._replace(path="", query="", fragment="").geturl()
    menu = page.eval_on_selector_all("nav.main-nav a, .user-box a", "els => els.map(e => e.href)")
    found: dict[str, str] = {_shape(page.url): page.url}
    for url in menu:
        if url.startswith(origin) and not NOT_A_PAGE.search(url):
            found.setdefault(_shape(url), url)
    for url in list(found.values()):
        if len(found) >= MAX_PAGES_PER_ROLE:
            break
        page.goto(url)
        links = page.eval_on_selector_all("main table a", "els => els.map(e => e.href)")
        for link in links[:3]:
            if link.startswith(origin) and not NOT_A_PAGE.search(link):
                found.setdefault(_shape(link), link)
    return list(found.values())[:MAX_PAGES_PER_ROLE]


def _axe_problems(page: Any, script: str) -> list[str]:
    page.add_script_tag(content=script)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    problems = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return problems


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page whose CSP lets the test inject axe-core (the portal's own CSP forbids inline code)."""
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", bypass_csp=True)
    context.set_default_timeout(45_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_is_accessible_fits_a_phone_and_speaks_japanese(
    page: Any, role: str
) -> None:
    assert AXE.is_file(), "axe-core is fetched by the test install step: run `make test`"
    script = AXE.read_text(encoding="utf-8")
    page.set_viewport_size(DESKTOP)
    login(page, EMAILS[role])
    pages = _pages_of(page)
    assert len(pages) >= 4, pages

    problems: list[str] = []
    for url in pages:
        where = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        page.set_viewport_size(DESKTOP)
        response = page.goto(url)
        assert response is not None, where
        assert response.status < 500, where
        problems += [f"{where}: {p}" for p in _axe_problems(page, script)]
        text = page.inner_text("body")
        problems += [f"{where}: identifier shown as text: {m}" for m in IDENTIFIER.findall(text)]
        page.set_viewport_size(PHONE)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            problems.append(f"{where}: {overflow}px wider than a 390px phone")
    assert not problems, "\n".join(problems)
