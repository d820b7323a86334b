from portal.notification.services import notify, unread_count
from tests.factories import make_user


def test_each_active_recipient_gets_one_notification(db):
    a, b = make_user("auditor"), make_user("auditor")
    inactive = make_user("auditor", is_active=False)

    notes = notify(recipients=[a, b, a, inactive], kind="test", subject="お知らせ")

    assert sorted(n.user_id for n in notes) == sorted([a.id, b.id])
    assert unread_count(a) == 1
    assert unread_count(inactive) == 0


def test_a_dedupe_key_makes_a_second_notify_a_no_op_per_recipient(db):
    a, b = make_user("auditor"), make_user("auditor")
    notify(recipients=[a], kind="test", subject="一回目", dedupe_key="chase:x:1")

    second = notify(recipients=[a, b], kind="test", subject="二回目", dedupe_key="chase:x:1")

    assert [n.user_id for n in second] == [b.id]
    assert unread_count(a) == 1


def test_dedupe_lookup_is_one_query_whatever_the_number_of_recipients(db, count_queries):
    few = [make_user("auditor") for _ in range(2)]
    many = [make_user("auditor") for _ in range(12)]
    db.session.flush()

    with count_queries() as q_few:
        notify(recipients=few, kind="t", subject="s", dedupe_key="k1")
    with count_queries() as q_many:
        notify(recipients=many, kind="t", subject="s", dedupe_key="k2")

    selects = lambda qs: [q for q in qs if q.lstrip().upper().startswith("SELECT")]  # noqa: E731
    assert len(selects(q_few)) == len(selects(q_many)) == 1


def test_opening_a_notification_follows_only_a_path_on_this_site(db, login_as, csrf_token):
    user = make_user("auditor")
    (note,) = notify(recipients=[user], kind="test", subject="s", url="/\\evil.example.com/")
    client = login_as(user)

    response = client.post(
        f"/notifications/{note.id}/read", data={"csrf_token": csrf_token("/notifications")}
    )

    assert response.headers["Location"] == "/notifications"
    assert note.read_at is not None


def test_another_users_notification_is_not_found(db, login_as, csrf_token):
    (note,) = notify(recipients=[make_user("auditor")], kind="test", subject="s")
    client = login_as(make_user("auditor"))

    response = client.post(
        f"/notifications/{note.id}/read", data={"csrf_token": csrf_token("/notifications")}
    )

    assert response.status_code == 404
    assert note.read_at is None
