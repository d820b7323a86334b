"""The login's `next` target: only a path on this site, after undoing the tricks browsers
forgive (tabs and newlines dropped, backslashes read as slashes, percent-encoding)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from portal.security import safe_local_path
from tests.factories import PASSWORD, make_user

# Query strings exactly as an attacker sends them (the part after `next=`).
BYPASS_FORMS = [
    "//evil.example/",
    "///evil.example/",
    "////evil.example/",
    "/%09/evil.example/path",
    "/%0a/evil.example/",
    "/%0d/evil.example/",
    "/%0d%0a/evil.example/",
    "%09//evil.example/",
    "%20//evil.example/",
    "/%5cevil.example/",
    "/%5c/evil.example/",
    "%5c%5cevil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "%2f%2fevil.example/",
    "/%2fevil.example/",
    "/%252fevil.example/",
    "/%25%30%39/evil.example/",
    "%252f%252fevil.example/",
    "/%2509/evil.example/",
    "/%255cevil.example/",
    "https://evil.example/",
    "http:evil.example",
    "https:/evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "%20javascript:alert(1)",
    "java%09script:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "/%e3%80%80/evil.example/",
    "/%e2%80%8b/evil.example/",
    "/%7f/evil.example/",
]

SAFE = ["/", "/contracts", "/contracts/12?tab=docs&page=2", "/admin/users?q=%E5%B1%B1"]


def _post_login(client, query):
    user = make_user("auditor")
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return client.post(
        f"/login?next={query}",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )


@pytest.mark.parametrize("query", BYPASS_FORMS)
def test_a_foreign_or_disguised_target_leads_to_the_home_page(client, db, query):
    response = _post_login(client, query)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("query", SAFE)
def test_a_path_on_this_site_is_kept(client, db, query):
    response = _post_login(client, quote(query, safe="/"))

    assert response.status_code == 302
    assert response.headers["Location"] == query


def test_the_helper_refuses_what_a_browser_would_read_as_another_host():
    assert safe_local_path("/\t/evil.example") is None
    assert safe_local_path("/\n/x") is None
    assert safe_local_path("/%2F/evil.example") is None
    assert safe_local_path(None) is None
    assert safe_local_path("") is None
    assert safe_local_path("/" + "a" * 3000) is None
    assert safe_local_path("/contracts/3") == "/contracts/3"
