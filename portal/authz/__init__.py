"""Deny by default.

Every endpoint is refused unless it is marked `@public` or declares its roles with
`@roles(...)`; object-level checks are pure `can_*` policies in the modules of this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

from flask import Flask, abort, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.account.models import CITY_ROLES, SECTION_ROLES, Role, User
from portal.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

# The role keys as plain strings, for @roles(...) and the access tables (DOMAIN.md).
ALL_ROLES = frozenset(role.value for role in Role)
CITY = frozenset(role.value for role in CITY_ROLES)
SECTION_STAFF = frozenset(role.value for role in SECTION_ROLES)


class AuthzDeclarationMissing(RuntimeError):
    """Raised under TESTING when a view has no @public/@roles or skipped its object check."""


def public(view: F) -> F:
    """Reachable without login (login page, health check, static)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def roles(*allowed: str) -> Callable[[F], F]:
    """Declare which roles may call this view; enforced by the before_request hook."""
    unknown = set(allowed) - ALL_ROLES
    if unknown or not allowed:
        raise ValueError(f"unknown roles {unknown}")

    def mark(view: F) -> F:
        view.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return mark


def declared_roles(view: Callable[..., Any]) -> frozenset[str] | None:
    return getattr(view, "allowed_roles", None)


def is_public(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, "is_public", False))


def require(allowed: bool, *, hide: bool = False) -> None:
    """Object-level check in a view: 403 (or 404 with hide=True, so IDs can't be probed)."""
    g.authz_checked = True
    if not allowed:
        abort(404 if hide else 403)


def deny(*, hide: bool = False) -> NoReturn:
    g.authz_checked = True
    abort(404 if hide else 403)


def _enforce() -> ResponseReturnValue | None:
    g.authz_checked = False
    if request.endpoint is None:
        return None  # 404/405 follow
    view = current_app.view_functions.get(request.endpoint)
    if view is None or is_public(view) or request.endpoint == "static":
        return None
    allowed = declared_roles(view)
    if allowed is None:
        if current_app.testing:
            raise AuthzDeclarationMissing(f"{request.endpoint} declares no roles")
        abort(403)
    if not current_user.is_authenticated:
        return cast(ResponseReturnValue, login_manager.unauthorized())
    if current_user.role not in allowed:
        abort(403)
    return None


def _check_object_level(response: Any) -> Any:
    # Missed checks fail tests: a 2xx from a view that takes an object id must have
    # called require()/deny().
    if (
        current_app.testing
        and 200 <= response.status_code < 300
        and request.endpoint
        and request.endpoint != "static"
        and request.view_args
        and not g.get("authz_checked")
    ):
        view = current_app.view_functions.get(request.endpoint)
        if view is not None and not is_public(view):
            raise AuthzDeclarationMissing(f"{request.endpoint} never called require()")
    return response


def policy_functions() -> dict[str, Callable[..., bool]]:
    """Every can_* function of the policy modules, exposed to Jinja by create_app."""
    found: dict[str, Callable[..., bool]] = {}
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        module = importlib.import_module(info.name)
        for name in dir(module):
            if name.startswith("can_"):
                found[name] = getattr(module, name)
    return found


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
    app.after_request(_check_object_level)
    app.jinja_env.globals.update(policy_functions())


T = TypeVar("T")


def load_visible(model: type[T], obj_id: int, policy: Callable[[Any, T], bool]) -> T:
    """Load `model` by id for the current user; 404 when missing or not visible to them
    (another company's IDs look exactly like IDs that do not exist)."""
    from portal.extensions import db

    obj = db.session.get(model, obj_id)
    if obj is None or not policy(current_user, obj):
        deny(hide=True)
    g.authz_checked = True
    return obj


# Building blocks of the policy modules (pure: no Flask globals, no queries).


def is_active_user(user: Any) -> bool:
    """A signed-in person whose account is enabled (not the system actor, not anonymous)."""
    return isinstance(user, User) and user.is_active


def is_section_staff(user: Any, section_id: int | None) -> bool:
    """契約担当 or 保護管理者 of exactly this 課."""
    return (
        is_active_user(user)
        and user.role in SECTION_ROLES
        and section_id is not None
        and user.section_id == section_id
    )
