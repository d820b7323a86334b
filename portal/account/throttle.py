"""Login throttling per account and per client address (Flask-Limiter's storage and
moving-window strategy): failed attempts earn growing waits instead of a lock that anyone who
knows an e-mail address could trigger (入間市規程 第22条: 利用者の識別及び認証).

Both kinds of key are counted for unknown addresses too, so a wait says nothing about whether
an account exists. Keys hold a hash of the e-mail address, never the address itself."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

log = logging.getLogger(__name__)


def account_tiers(threshold: int) -> list[RateLimitItem]:
    """`threshold` failures a minute, twice that in 15 minutes, four times in an hour: the
    waits grow from under a minute to an hour as the failures go on."""
    return [
        parse(f"{threshold} per 1 minute"),
        parse(f"{threshold * 2} per 15 minutes"),
        parse(f"{threshold * 4} per 1 hour"),
    ]


# A city office reaches the portal through one address; only failures count.
ADDRESS_TIERS = [parse("30 per 1 minute"), parse("200 per 1 hour")]


@dataclass(frozen=True)
class Wait:
    scope: str  # "account" or "address"
    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


class LoginThrottle:
    def __init__(self, limiter: Limiter, *, prefix: str, threshold: int) -> None:
        self._limiter = limiter
        self._prefix = prefix or "portal"
        self._account_tiers = account_tiers(threshold)
        # Used when the shared storage (Redis) cannot be reached: throttling goes on in this
        # process rather than every login failing.
        self._fallback = MovingWindowRateLimiter(MemoryStorage())

    @property
    def prefix(self) -> str:
        return self._prefix

    def _strategy(self) -> RateLimiter:
        return self._limiter.limiter

    def _keys(self, email: str, address: str) -> Iterator[tuple[str, RateLimitItem, list[str]]]:
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        for item in self._account_tiers:
            yield "account", item, [self._prefix, "login-account", digest]
        for item in ADDRESS_TIERS:
            yield "address", item, [self._prefix, "login-address", address or "-"]

    def _call(self, method: str, item: RateLimitItem, keys: list[str]) -> object:
        try:
            return getattr(self._strategy(), method)(item, *keys)
        except Exception:  # the storage is down: count in this process instead
            log.warning("login throttle storage unavailable; counting in memory", exc_info=True)
            return getattr(self._fallback, method)(item, *keys)

    def wait(self, email: str, address: str) -> Wait | None:
        """The longest wait a breached tier imposes, or None when a try is allowed now."""
        longest: Wait | None = None
        for scope, item, keys in self._keys(email, address):
            if self._call("test", item, keys):
                continue
            stats = self._call("get_window_stats", item, keys)
            seconds = max(1, math.ceil(stats.reset_time - time.time()))  # type: ignore[attr-defined]
            if longest is None or seconds > longest.seconds:
                longest = Wait(scope, seconds)
        return longest

    def failed(self, email: str, address: str) -> None:
        for _scope, item, keys in self._keys(email, address):
            self._call("hit", item, keys)

    def reset(self) -> None:
        """Forget every count (tests; `portal` has no command for it)."""
        self._limiter.reset()
        self._fallback.storage.reset()

    def clear_account(self, email: str) -> None:
        """An administrator's reset or release lets the owner in at once."""
        for scope, item, keys in self._keys(email, ""):
            if scope == "account":
                self._call("clear", item, keys)


def init_app(app: Flask, *, storage_uri: str, prefix: str, threshold: int) -> None:
    """One Limiter per app (its storage lives on the instance). RATELIMIT_STORAGE_URI in the
    Flask config wins over the portal setting: memory:// by default, redis://… in production
    so every worker shares the counts."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or storage_uri,
        strategy="moving-window",
        key_prefix=prefix,
    )
    app.extensions["login_throttle"] = LoginThrottle(limiter, prefix=prefix, threshold=threshold)


def login_throttle() -> LoginThrottle:
    throttle: LoginThrottle = current_app.extensions["login_throttle"]
    return throttle


def client_address() -> str:
    return get_remote_address() or ""
