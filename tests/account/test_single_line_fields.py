"""Single-line fields refuse CR, LF and other control characters at the form, and mail headers
are written only by the mail library: a company name carrying CR/LF adds no line to a mail."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa

from portal.forms import SINGLE_LINE_MESSAGE, has_control_characters
from portal.mail import DigestEntry, MailSettings, compose, digest_text
from portal.org.models import Company
from tests.factories import make_user

INJECTED = [
    "株式会社テスト\r\nBcc: victim@evil.example",
    "株式会社テスト\nSubject: 偽",
    "株式会社テスト\rX-Injected: 1",
    "株式会社\tテスト",
    "株式会社\x1b[31mテスト",
    "株式会社\u2028テスト",
    "株式会社\u202eトステ",
]


@pytest.mark.parametrize("name", INJECTED)
def test_a_company_name_with_a_control_character_is_refused_at_the_form(
    db, login_as, csrf_token, name
):
    client = login_as(make_user("procurement"))

    response = client.post(
        "/companies/new",
        data={
            "csrf_token": csrf_token("/companies/new"),
            "name": name,
            "corporate_number": "7000012050002",
            "address": "",
            "parent_id": 0,
        },
    )

    assert response.status_code == 422
    assert SINGLE_LINE_MESSAGE in response.get_data(as_text=True)
    assert (
        db.session.scalar(sa.select(Company).where(Company.corporate_number == "7000012050002"))
        is None
    )


def test_a_bare_string_field_is_covered_too(app, db):
    # The 再委託 form declares its company name as a plain StringField.
    from portal.subcontract.forms import SubcontractForm

    with app.test_request_context(method="POST", data={"new_name": "A\r\nB"}):
        form = SubcontractForm(meta={"csrf": False})
        for field in form:
            if getattr(field, "choices", ()) is None:
                field.choices = []
        form.validate()

    assert SINGLE_LINE_MESSAGE in form.new_name.errors


def test_multi_line_fields_keep_their_line_breaks():
    assert not has_control_characters("株式会社テスト")
    assert has_control_characters("a\r\nb")


SETTINGS = MailSettings(server="localhost", port=25, sender="portal@city.example.jp")


def test_crlf_in_a_subject_or_name_adds_no_header():
    msg = compose(
        settings=SETTINGS,
        to_address="user@city.example.jp",
        to_name="山田\r\nBcc: victim@evil.example",
        subject="株式会社テスト\r\nBcc: victim@evil.example の報告",
        body="本文",
        now=datetime(2026, 12, 7, tzinfo=UTC),
    )

    parsed = message_from_bytes(msg.as_bytes(), policy=default)
    assert parsed["Bcc"] is None
    assert "\n" not in str(parsed["Subject"])
    assert b"\r\nBcc:" not in msg.as_bytes()


def test_a_digest_entry_title_stays_on_one_line():
    _subject, body = digest_text(
        settings=SETTINGS,
        name="山田",
        day=date(2026, 12, 7),
        entries=[
            DigestEntry(
                subject="株式会社テスト\r\n■ 2. 偽のお知らせ",
                body="",
                url=None,
                created_at=datetime(2026, 12, 7, tzinfo=UTC),
            )
        ],
    )

    assert [line for line in body.splitlines() if line.startswith("■")] == [
        "■ 1. 株式会社テスト ■ 2. 偽のお知らせ"
    ]
