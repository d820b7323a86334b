"""The login page says nothing about which e-mail addresses have accounts: the same page,
status and (within noise) time for an unknown address as for a wrong password."""

from __future__ import annotations

import re
import statistics
import time

from tests.account.test_login import _login
from tests.factories import make_user


def _page(response, email):
    html = response.get_data(as_text=True)
    html = html.replace(email, "EMAIL")
    return response.status_code, re.sub(r'value="[^"]{40,}"', 'value="TOKEN"', html)


def test_unknown_and_known_addresses_get_the_same_page(client, db):
    known = make_user("auditor", email="known@test.example.jp")

    unknown = _page(
        _login(client, "nobody@test.example.jp", "Wrong-Pass-2026!"), "nobody@test.example.jp"
    )
    wrong = _page(_login(client, known.email, "Wrong-Pass-2026!"), known.email)

    assert unknown == wrong
    assert "メールアドレスまたはパスワードが正しくありません" in wrong[1]


def test_a_waiting_unknown_address_looks_like_a_waiting_account(client, db):
    known = make_user("auditor", email="known@test.example.jp")
    for _ in range(5):
        _login(client, known.email, "Wrong-Pass-2026!")
        _login(client, "nobody@test.example.jp", "Wrong-Pass-2026!")

    unknown = _page(_login(client, "nobody@test.example.jp", "x"), "nobody@test.example.jp")
    waiting = _page(_login(client, known.email, "x"), known.email)

    assert unknown == waiting
    assert unknown[0] == 429


def test_an_unknown_address_takes_as_long_as_a_wrong_password(client, db):
    users = [make_user("auditor") for _ in range(7)]
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def timed(email):
        data = {"email": email, "password": "Wrong-Pass-2026!", "csrf_token": token}
        start = time.perf_counter()
        client.post("/login", data=data)
        return time.perf_counter() - start

    known, unknown = [], []
    for n, user in enumerate(users):  # interleaved, so load on the machine hits both alike
        known.append(timed(user.email))
        unknown.append(timed(f"nobody{n}@test.example.jp"))

    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.6 < ratio < 1.6, (known, unknown)
