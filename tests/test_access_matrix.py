"""Role × endpoint matrix over EVERY endpoint in app.url_map.

Each feature lists its endpoints and the roles allowed in `tests/<feature>/access_table.py`
(`EXPECTED = {endpoint: {roles}}`, `PUBLIC = {endpoints}`). This module:
- fails when an endpoint exists that no table lists (a new route must declare who may use it);
- checks each endpoint's declared roles equal the table;
- requests every endpoint as every role that is NOT allowed and expects 403 (anonymous: a
  redirect to the login page), with whatever ids — the role check runs before any lookup.
Object-level rules (own company 200, another company 404) are tested in each feature.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import tests
from portal.authz import ALL_ROLES, declared_roles, is_public
from tests.factories import make_user


def _tables() -> tuple[dict[str, frozenset[str]], set[str]]:
    expected: dict[str, frozenset[str]] = {}
    public: set[str] = {"static"}
    for info in pkgutil.iter_modules(tests.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{info.name}.access_table")
        except ModuleNotFoundError:
            continue
        for endpoint, roles in module.EXPECTED.items():
            assert endpoint not in expected, f"{endpoint} listed twice"
            expected[endpoint] = frozenset(roles)
        public |= set(getattr(module, "PUBLIC", set()))
    return expected, public


EXPECTED, PUBLIC = _tables()


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


def _url(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: _sample(m.group(0)), rule.rule)


def _sample(converter: str) -> str:
    if converter.startswith("<any("):
        return converter[5:].split(",")[0].strip(" )'\"")
    if converter.startswith("<int:"):
        return "1"
    return "x"


def test_every_endpoint_is_in_an_access_table(app):
    missing = [
        r.endpoint for r in _rules(app) if r.endpoint not in EXPECTED and r.endpoint not in PUBLIC
    ]

    assert missing == []


def test_no_access_table_lists_an_endpoint_that_does_not_exist(app):
    endpoints = {r.endpoint for r in _rules(app)}

    assert sorted(set(EXPECTED) - endpoints) == []


def test_every_endpoint_declares_exactly_the_roles_in_its_table(app):
    wrong = {}
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC:
            if not (is_public(view) or rule.endpoint == "static"):
                wrong[rule.endpoint] = "table says public, view is not @public"
            continue
        if declared_roles(view) != EXPECTED.get(rule.endpoint):
            wrong[rule.endpoint] = f"declared {sorted(declared_roles(view) or [])}"

    assert wrong == {}


def _cases():
    for endpoint, allowed in sorted(EXPECTED.items()):
        for role in sorted(ALL_ROLES - allowed):
            yield endpoint, role


@pytest.mark.parametrize(("endpoint", "role"), list(_cases()))
def test_roles_outside_the_table_are_refused(app, db, login_as, endpoint, role):
    client = login_as(make_user(role))
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    method = "GET" if "GET" in rule.methods else next(iter(rule.methods - {"OPTIONS", "HEAD"}))

    response = client.open(_url(rule), method=method)

    assert response.status_code == 403


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_anonymous_users_are_sent_to_login(app, client, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    method = "GET" if "GET" in rule.methods else next(iter(rule.methods - {"OPTIONS", "HEAD"}))

    response = client.open(_url(rule), method=method)

    if method == "GET":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        # A POST without a CSRF token is refused before anything else.
        assert response.status_code in {302, 400}
