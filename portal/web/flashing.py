"""Messages shown after a redirect: a form's errors, and a service's refusal."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from portal.errors import PortalError
from portal.extensions import db


def flash_form_errors(form: FlaskForm) -> None:
    """For a form posted from another page: show its errors there, after the redirect."""
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


def flash_refusal(err: PortalError, *, prefix: str = "", category: str = "error") -> None:
    """A service refused: drop whatever it flushed before raising, and show why (with the
    error code when there is one). `prefix` says what could not be done."""
    db.session.rollback()
    flash(f"{prefix}{err.text}", category)
