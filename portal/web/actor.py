"""The signed-in person, as the `actor` every service takes."""

from __future__ import annotations

from flask_login import current_user

from portal.account.models import User


def current_actor() -> User:
    """The signed-in user (a real `User`, not Flask-Login's proxy), for `actor=` and policies.

    Only for views declared with `@roles(...)`: the deny-by-default hook has already sent
    anyone not signed in to the login page, so there always is one.
    """
    user = current_user._get_current_object()
    if not isinstance(user, User):  # unreachable behind @roles; a programming error if not
        raise LookupError("current_actor() outside a signed-in request")
    return user
