from tests.factories import make_user


def test_login_page_renders_in_japanese(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert "ログイン" in response.get_data(as_text=True)


def test_dashboard_redirects_anonymous_user_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logged_in_user_sees_dashboard(db, login_as):
    user = make_user("auditor")
    client = login_as(user)

    response = client.get("/")

    assert response.status_code == 200
    assert "監査責任者のホーム" in response.get_data(as_text=True)
