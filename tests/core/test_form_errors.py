"""Every form error is listed at the top of the page, linked to its field, and tied to the input."""

from __future__ import annotations

import re

from tests.factories import make_user


def test_errors_are_summarised_at_the_top_and_tied_to_their_fields(db, login_as, csrf_token):
    client = login_as(make_user("procurement"))
    token = csrf_token("/companies/new")

    response = client.post(
        "/companies/new", data={"csrf_token": token, "name": "", "corporate_number": "12"}
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None
    assert "入力内容を確認してください（2件）" in summary.group(0)
    assert 'href="#name">事業者名: 事業者名を入力してください。' in summary.group(0)
    assert 'href="#corporate_number">法人番号:' in summary.group(0)
    assert summary.start() < html.index("<form", html.index("<main"))
    name_input = re.search(r'<input[^>]*id="name"[^>]*>', html)
    assert name_input is not None
    assert 'aria-invalid="true"' in name_input.group(0)
    assert 'aria-describedby="name-error"' in name_input.group(0)
    assert 'id="name-error"' in html


def test_labels_say_which_fields_are_required_and_which_optional(db, login_as):
    client = login_as(make_user("procurement"))

    html = client.get("/companies/new").get_data(as_text=True)

    name_row = re.search(
        r'<div class="label-row"><label for="name">事業者名</label>(.*?)</div>', html
    )
    address_row = re.search(
        r'<div class="label-row"><label for="address">所在地</label>(.*?)</div>', html
    )
    assert name_row is not None
    assert "必須" in name_row.group(1)
    assert address_row is not None
    assert "任意" in address_row.group(1)
    assert "error-summary" not in html
