"""Fixtures for the per-city tests: the demo city loaded once per test, and switching the
app's active profile (PORTAL_PROFILE) for the length of a test."""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal import FEATURES
from portal.demo import DemoContext, _load_core
from portal.profile import Profile, load_profile

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "contract_templates"
PROFILES = ("iruma", "hiroshima", "okinawa", "ryugasaki", "yokkaichi")
NOW = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


def profile(name: str) -> Profile:
    return load_profile(name, TEMPLATES)


@pytest.fixture
def use_profile(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Profile]:
    """Make `name` the active profile (the config is frozen: it is replaced, then restored)."""

    def _use(name: str) -> Profile:
        cfg = app.extensions["portal_config"]
        monkeypatch.setitem(app.extensions, "portal_config", dataclasses.replace(cfg, profile=name))
        return profile(name)

    return _use


def load_demo_city() -> DemoContext:
    """The whole demo city (every feature's demo objects) under the active profile."""
    ctx = DemoContext(now=NOW)
    _load_core(ctx)
    for name in FEATURES:
        try:
            module = importlib.import_module(f"portal.{name}.demo")
        except ModuleNotFoundError:
            continue
        module.load(ctx)
    return ctx


@pytest.fixture
def demo(db: Any) -> DemoContext:
    """The demo city under the default profile, rolled back after the test."""
    ctx = load_demo_city()
    db.session.flush()
    return ctx


HREF = re.compile(r'href="(/[^"#?]*)"')
NOT_A_PAGE = re.compile(
    r"(/static/|download|export|\.csv|\.xlsx|\.pdf|\.docx|/logout|/files?/|/raw|/zip|/view)"
)


def shape(url: str) -> str:
    return re.sub(r"/\d+", "/N", url)


def crawl(get: Callable[[str], tuple[int, str]], start: str = "/", limit: int = 40) -> list[str]:
    """The pages one user reaches from the home page: one URL per kind of page."""
    found: dict[str, str] = {shape(start): start}
    queue = [start]
    while queue and len(found) < limit:
        url = queue.pop(0)
        status, html = get(url)
        if status != 200:
            continue
        for link in HREF.findall(html):
            if NOT_A_PAGE.search(link) or shape(link) in found:
                continue
            found[shape(link)] = link
            queue.append(link)
    return list(found.values())


def iter_pages(get: Callable[[str], tuple[int, str]], urls: list[str]) -> Iterator[tuple[str, str]]:
    for url in urls:
        status, html = get(url)
        if status == 200:
            yield url, html
