"""Import every feature's models so Base.metadata is complete (Alembic, tests)."""

from __future__ import annotations

import importlib

from portal import FEATURES


def import_all_models() -> None:
    for name in FEATURES:
        try:
            importlib.import_module(f"portal.{name}.models")
        except ModuleNotFoundError as exc:
            if exc.name not in {f"portal.{name}", f"portal.{name}.models"}:
                raise
