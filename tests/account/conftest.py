from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask


@pytest.fixture(autouse=True)
def _fresh_login_throttle(app: Flask) -> Iterator[None]:
    """Every test starts with no failures counted (the app, and its memory storage, is shared
    by the whole session)."""
    app.extensions["login_throttle"].reset()
    yield
    app.extensions["login_throttle"].reset()
