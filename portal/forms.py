"""Shared form pieces: the base form with Japanese validation messages, NFKC normalisation of
Japanese input (NFKC, full-width digits accepted) and the text field every screen declares."""

from __future__ import annotations

import unicodedata
from functools import cache
from gettext import NullTranslations
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, StringField, TextAreaField
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from portal.wareki import DateParseError, parse_date


def nfkc(value: Any) -> Any:
    """Full-width digits/letters and half-width kana → canonical forms; trims spaces."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    return value


NFKC = [nfkc]

# Control characters (CR, LF, tab, NUL, escape…), invisible format characters (bidi overrides,
# zero-width joiners) and the Unicode line/paragraph separators. A name, title, subject or file
# name with one of them could add lines to a mail, a CSV row or a log; none belongs in one.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
SINGLE_LINE_MESSAGE = "改行・タブなどの制御文字は入力できません。1行で入力してください。"


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in text)


class SingleLine:
    """Validator: the value is one line of visible text (no CR, LF or other control
    character). text_field() adds it to every single-line field; PortalForm applies it to
    any other single-line text field, so a form declared with a bare StringField is covered."""

    def __init__(self, message: str = SINGLE_LINE_MESSAGE) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(self.message)


def _single_line_field(field: Any) -> bool:
    return (
        isinstance(field, StringField)
        and not isinstance(field, TextAreaField | PasswordField)
        and field.type != "CSRFTokenField"
    )


# WTForms' own messages reach the screen when a request was crafted by hand (a date field
# holding "abc", a choice that is not offered); they must be Japanese like every other
# message. WTForms' ja catalogue covers the rest, in a less natural wording.
_MESSAGES = {
    "This field is required.": "入力してください。",
    "Not a valid choice.": "選択肢の中から選んでください。",
    "Invalid Choice: could not coerce.": "選択肢の中から選んでください。",
    "Not a valid date value.": "日付を正しく入力してください（例: 2026-04-01）。",
    "Not a valid integer value.": "半角数字で入力してください。",
    "Invalid email address.": "メールアドレスの形式が正しくありません。",
    "Field cannot be longer than %(max)d character.": "%(max)d文字以内で入力してください。",
    "Number must be between %(min)s and %(max)s.": "%(min)sから%(max)sまでの数を入力してください。",
}


class _Japanese:
    def __init__(self, fallback: NullTranslations) -> None:
        self._fallback = fallback

    def gettext(self, string: str) -> str:
        return _MESSAGES.get(string) or self._fallback.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _MESSAGES.get(singular) or self._fallback.ngettext(singular, plural, n)


@cache
def japanese_messages() -> _Japanese:
    return _Japanese(get_translations(["ja"]))


class PortalForm(FlaskForm):
    """Every screen's form: Flask-WTF (CSRF) with Japanese validation messages; single-line
    text fields refuse control characters (SingleLine)."""

    class Meta:
        def get_translations(self, form: Any) -> _Japanese:
            return japanese_messages()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        for field in self:
            if not _single_line_field(field):
                continue
            if isinstance(field.data, str) and has_control_characters(field.data):
                errors = list(field.errors)
                if SINGLE_LINE_MESSAGE not in errors:
                    field.errors = [*errors, SINGLE_LINE_MESSAGE]
                valid = False
        return valid


def text_field(
    label: str,
    *,
    required: str | None = None,
    max_length: int | None = None,
    area: bool = False,
    **kwargs: Any,
) -> StringField:
    """An NFKC-normalised text field; `required` is the message shown when it is left empty."""
    validators: list[Any] = [DataRequired(required) if required else Optional()]
    if not area:
        validators.append(SingleLine())
    if max_length is not None:
        validators.append(
            Length(max=max_length, message=f"{max_length}文字以内で入力してください。")
        )
    field_class = TextAreaField if area else StringField
    return field_class(label, validators=validators, filters=NFKC, **kwargs)


DATE_HINT = "和暦（令和8年4月1日、R8.4.1）でも西暦（2026-04-01、2026/4/1）でも入力できます。"


class JapaneseDateField(DateField):
    """A date typed as city staff write it: 和暦 or 西暦, full-width digits, 元年.

    A text input rather than the browser's date picker, whose format and calendar differ by
    browser and which cannot take 令和; the value is shown back as typed after an error, and as
    YYYY-MM-DD otherwise, which the field reads again unchanged. The hint beside it is shown by
    the `field` macro."""

    widget = TextInput()
    data: Any

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = {
            "autocomplete": "off",
            "placeholder": "例: 令和8年4月1日",
            **kwargs.pop("render_kw", {}),
        }
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = " ".join(str(v) for v in valuelist).strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = parse_date(raw)
        except DateParseError as exc:
            self.data = None
            raise ValueError(str(exc)) from None

    def validate(self, form: Any, extra_validators: Any = ()) -> bool:
        # A date that cannot be read says so once, not also "入力してください".
        if self.process_errors:
            self.errors = list(self.process_errors)
            return False
        return bool(super().validate(form, extra_validators))

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(str(v) for v in self.raw_data)
        return self.data.isoformat() if self.data else ""
