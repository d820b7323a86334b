"""Deny by default (STYLE §4).

Every endpoint is refused unless it is marked `@public` or declares its roles with
`@roles(...)`; object-level checks are pure `can_*` policies in the modules of this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar, cast

from flask import Flask, abort, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = frozenset(
    {"procurement", "protection_manager", "chief", "auditor", "contractor", "admin"}
)
CITY = frozenset({"procurement", "protection_manager", "chief", "auditor"})
SECTION_STAFF = frozenset({"procurement", "protection_manager"})
READ_ALL = frozenset({"chief", "auditor"})


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
    # Missed checks fail tests (STYLE §4): a 2xx from a view that takes an object id must have
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


def roles_of(endpoints: Iterable[str], app: Flask) -> dict[str, frozenset[str] | None]:
    return {ep: declared_roles(app.view_functions[ep]) for ep in endpoints}


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
