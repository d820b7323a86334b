from __future__ import annotations

from tests.factories import make_user


def test_security_headers_are_on_every_page(client):
    response = client.get("/login")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_contain_no_inline_script(client):
    html = client.get("/login").get_data(as_text=True)

    assert "<script>" not in html
    assert "onclick=" not in html


def test_session_cookie_is_httponly_and_samesite(client):
    client.get("/login")
    cookie = client.get_cookie("portal_session")

    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_oversized_upload_gets_a_japanese_413_page(app, db, login_as):
    client = login_as(make_user("admin"))
    # A raw body (not a multipart file) so the test client spools nothing to a temp file.
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)

    response = client.post(
        "/admin/sections", data=big, content_type="multipart/form-data; boundary=x"
    )

    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.get_data(as_text=True)


def test_unknown_page_is_a_japanese_404(db, login_as):
    client = login_as(make_user("auditor"))

    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


def test_forbidden_page_is_a_japanese_403(db, login_as):
    client = login_as(make_user("contractor"))

    response = client.get("/audit")

    assert response.status_code == 403
    assert "権限がありません" in response.get_data(as_text=True)


def test_health_check_is_public(client):
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_an_absurd_page_number_is_clamped_not_a_500(db, login_as):
    client = login_as(make_user("admin"))

    response = client.get("/admin/users?page=99999999999999999999999")

    assert response.status_code == 200


def test_an_id_beyond_the_integer_range_is_a_404_not_a_500(db, login_as):
    client = login_as(make_user("admin"))

    response = client.get("/admin/users/99999999999999999999999")

    assert response.status_code == 404
