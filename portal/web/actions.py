"""One request, one unit of work: run a service, then commit, or roll back and say why.

Services change data, write their audit entry and flush; they never commit. A view hands the
call to `run()`, which commits once when the service returns and, when it raises
`PortalError`, rolls everything back and flashes the refusal. `commit()` is for the few views
that save something without a service refusing (an access record on a download, housekeeping
on a page). These are the only commits in views; `tests/test_layout.py` enforces it.

    outcome = run(lambda: services.approve(actor=current_actor(), sub=sub), success="承認")
    if outcome:                      # committed
        return redirect(url_for("subcontract.detail", sub_id=outcome.value.id))
    return render_template(...), 422  # rolled back, the refusal flashed

Blobs written by `portal.uploads` during a transaction that is rolled back (or whose commit
fails) are deleted by the upload layer, so a refusal never leaves a file behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Literal, TypeVar

from flask import flash

from portal.errors import PortalError
from portal.extensions import db
from portal.web.flashing import flash_refusal

T = TypeVar("T")

Message = str | Callable[[T], str] | None


class Outcome(Generic[T]):
    """What `run()` did: the service's value (committed) or its refusal (rolled back).

    True when committed, so `if outcome:` reads as "it worked".
    """

    __slots__ = ("_value", "error")

    def __init__(self, value: T | None = None, error: PortalError | None = None) -> None:
        self._value = value
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def value(self) -> T:
        """The service's return value; only after a committed run."""
        if self.error is not None:
            raise RuntimeError("a refused run() has no value") from self.error
        return self._value  # type: ignore[return-value]

    def __bool__(self) -> bool:
        return self.error is None


def commit() -> None:
    """Commit the request's work (with its audit entries). The one commit views make."""
    db.session.commit()


def _text(message: Message[T], value: T) -> str | None:
    if message is None or isinstance(message, str):
        return message
    return message(value)


def run(
    call: Callable[[], T],
    *,
    success: Message[T] = None,
    category: str | Callable[[T], str] = "success",
    refused: str = "",
    refused_category: Literal["error", "warning"] = "error",
) -> Outcome[T]:
    """Call the service; commit and flash `success` (text, or built from the value), or roll
    back and flash the refusal (`refused` is put before it, e.g. "登録できませんでした。").

    Only `PortalError` is caught: anything else is a bug and reaches the 500 page (rolled back
    at teardown).
    """
    try:
        value = call()
    except PortalError as err:
        flash_refusal(err, prefix=refused, category=refused_category)
        return Outcome(error=err)
    commit()
    text = _text(success, value)
    if text:
        flash(text, category if isinstance(category, str) else category(value))
    return Outcome(value=value)
