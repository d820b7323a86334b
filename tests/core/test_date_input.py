"""Date inputs take dates as city staff write them: 和暦 or 西暦, full-width digits, 元年."""

from __future__ import annotations

from datetime import date

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired, Optional

from portal.forms import DATE_HINT, JapaneseDateField, PortalForm


class _Form(PortalForm):
    class Meta:
        csrf = False

    on = JapaneseDateField("実施日", validators=[DataRequired("実施日を入力してください。")])
    until = JapaneseDateField("期限", validators=[Optional()])


def _form(**data: str) -> _Form:
    return _Form(formdata=MultiDict(data))


@pytest.mark.parametrize(
    "typed",
    [
        "令和8年4月1日",
        "R8.4.1",
        "r8/4/1",
        "２０２６－０４－０１",
        "2026/4/1",
        "2026-04-01",
        "20260401",
    ],
)
def test_a_date_in_any_usual_writing_is_read(app, typed):
    with app.test_request_context():
        form = _form(on=typed)
        assert form.validate(), form.errors
        assert form.on.data == date(2026, 4, 1)


def test_an_unreadable_date_says_so_once_and_keeps_what_was_typed(app):
    with app.test_request_context():
        form = _form(on="来週の月曜")
        assert not form.validate()
        assert form.on.errors == [
            "「来週の月曜」を日付として読めません（例: 令和7年4月1日、R7.4.1、2025/4/1）。"
        ]
        assert 'value="来週の月曜"' in form.on()


def test_an_impossible_date_and_a_missing_one_get_their_own_messages(app):
    with app.test_request_context():
        impossible = _form(on="令和8年2月30日")
        assert not impossible.validate()
        assert impossible.on.errors == ["「令和8年2月30日」は存在しない日付です。"]
        missing = _form(on="  ")
        assert not missing.validate()
        assert missing.on.errors == ["実施日を入力してください。"]
        assert _form(on="2026-04-01", until="").validate()


def test_the_field_is_a_text_input_with_the_format_hint_tied_to_it(app):
    with app.test_request_context():
        form = _form(on="2026-04-01")
        form.validate()
        html = render_template_string(
            '{% from "macros.html" import field %}{{ field(form.on) }}', form=form
        )
    assert 'type="text"' in html
    assert 'value="2026-04-01"' in html
    assert 'aria-describedby="on-format"' in html
    assert f'<p class="hint" id="on-format">{DATE_HINT}</p>' in html
