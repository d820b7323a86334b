"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from portal import wareki
from portal.formatting import accept_label, file_size
from portal.forms import DATE_HINT
from portal.profile import current_profile

# (order, endpoint, label, roles). Features call register_nav() at import of their views.
_NAV: list[tuple[int, str, str, frozenset[str]]] = []


def register_nav(
    endpoint: str, label: str, allowed: set[str] | frozenset[str], order: int = 50
) -> None:
    """Add a top navigation entry shown to the given roles (idempotent)."""
    if not any(item[1] == endpoint for item in _NAV):
        _NAV.append((order, endpoint, label, frozenset(allowed)))


def _nav() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label)
        for _order, endpoint, label, allowed in sorted(_NAV)
        if current_user.role in allowed and endpoint in current_app.view_functions
    ]


def _unread() -> int:
    from portal.notification.services import unread_count

    if not current_user.is_authenticated:
        return 0
    try:
        return unread_count(current_user)
    except SQLAlchemyError:
        return 0  # the error page must render even when the database is the problem


def _role_label(role: Any) -> str:
    return current_profile().role_label(str(getattr(role, "value", role)))


def query_url(endpoint: str, **changes: Any) -> str:
    """`endpoint` with the current query string, `changes` applied (None drops a key).

    For pagers and "export what I filtered" links. The query string is the visitor's: keys
    url_for() reads itself (`endpoint`, `_external`, `_scheme`, ...) would make it raise (a
    500) or build a link to another scheme, so they are left out.
    """
    args: dict[str, Any] = {
        key: values
        for key, values in request.args.lists()
        if not key.startswith("_") and key != "endpoint"
    }
    args.update(changes)
    return url_for(endpoint, **args)


def _upload_limit() -> int:
    """The most one form may send (MAX_CONTENT_LENGTH): said beside every file field."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        wareki=wareki.wareki_date,
        nendo=wareki.fiscal_year_label,
        jst=wareki.jst_datetime,
        role_label=_role_label,
        filesize=file_size,
    )
    app.jinja_env.globals.update(
        nav_items=_nav,
        unread_notifications=_unread,
        profile=current_profile,
        query_url=query_url,
        upload_limit=_upload_limit,
        accept_label=accept_label,
        date_hint=DATE_HINT,
    )
