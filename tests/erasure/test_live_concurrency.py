"""The review page loads every thumbnail at once; each load writes an access record. On the
embedded SQLite database this must not fail with "database is locked"."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.fixtures.browser import DEMO_PASSWORD


def _opener():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _get(opener, url):
    with opener.open(url, timeout=60) as resp:
        return resp.status, resp.read().decode("utf-8", "replace")


def _login(opener, base, email):
    _, html = _get(opener, f"{base}/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": DEMO_PASSWORD})
    with opener.open(f"{base}/login", data=body.encode(), timeout=60) as resp:
        assert resp.status == 200


def test_parallel_thumbnail_loads_all_succeed_and_are_all_recorded(live_server):
    base = live_server.url
    opener = _opener()
    _login(opener, base, "chief@city.example.jp")
    _, overview = _get(opener, f"{base}/erasure/?state=review")
    case_path = re.search(r'href="(/erasure/contracts/\d+)"', overview).group(1)
    _, case_page = _get(opener, base + case_path)
    cert_path = re.search(r'href="(/erasure/certificates/\d+)"', case_page).group(1)
    _, cert_page = _get(opener, base + cert_path)
    files = sorted(set(re.findall(r"/erasure/files/\d+", cert_page)))
    assert len(files) >= 3, cert_page[-3000:]

    def load(n):
        return _get(opener, base + files[n % len(files)])[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(load, range(40)))

    assert statuses == [200] * 40
