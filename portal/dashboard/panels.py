"""Features add dashboard panels here instead of editing the dashboard view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.account.models import User


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelFactory = Callable[[User], Panel | None]
_factories: list[PanelFactory] = []


def panel(factory: PanelFactory) -> PanelFactory:
    """Register a function that returns a Panel for a user (or None to show nothing)."""
    _factories.append(factory)
    return factory


def panels_for(user: User) -> list[Panel]:
    found = [p for f in _factories if (p := f(user)) is not None]
    return sorted(found, key=lambda p: p.order)
