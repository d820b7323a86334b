"""Upload limits are said up front, checked before sending, and the 413 page names the limit."""

from __future__ import annotations

import re

import pytest

from portal.formatting import accept_label, file_size
from tests.factories import make_user


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1536, "1.5 KB"),
        (20 * 1024 * 1024, "20 MB"),
        (int(1.25 * 1024**3), "1.2 GB"),
        (100 * 1024 * 1024, "100 MB"),
    ],
)
def test_sizes_are_written_one_way(n, text):
    assert file_size(n) == text


def test_accept_lists_read_as_japanese_type_names():
    assert accept_label(".pdf,.docx,.txt,application/pdf") == "PDF・Word（.docx）・テキスト"
    assert accept_label("image/*") == "写真・画像（JPEG・PNG など）"
    assert accept_label(None) == ""


def test_a_file_field_states_its_types_and_the_limit(app, db, login_as, monkeypatch):
    client = login_as(make_user("admin"))
    # The app is shared by the session: setitem puts the real limit back afterwards.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 20 * 1024 * 1024)

    page = client.get("/imports/").get_data(as_text=True)

    tags = re.findall(r"<input[^>]*type=\"file\"[^>]*>", page)
    assert len(tags) == 1
    assert 'data-max-bytes="20971520"' in tags[0]
    described = re.search(r'aria-describedby="([^"]+)"', tags[0])
    assert described is not None
    limits_id = next(i for i in described.group(1).split() if i.endswith("-limits"))
    hint = re.search(rf'id="{limits_id}">([^<]+)<', page)
    assert hint is not None
    assert hint.group(1) == "ファイルの種類: Excel（.xlsx）・CSV ／ 1回の送信で合計20 MBまで"


def test_a_too_large_request_gets_a_page_that_names_the_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = client.post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "合計2 KBまで" in html
    assert "入力画面に戻る" in html
