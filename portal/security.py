"""Security headers on every response (CSP without inline script), refusal of NUL characters,
and the one check for same-site redirect targets."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, request

from portal.errors import PortalError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _request_texts() -> Iterator[str]:
    yield request.path
    for multi in (request.args, request.form):
        for key, values in multi.lists():
            yield key
            yield from values


def _refuse_nul() -> None:
    # PostgreSQL text cannot hold U+0000: psycopg raises DataError (a 500) for a search box or
    # form field carrying it, and no legitimate input does. One check here covers every view.
    if any("\x00" in text for text in _request_texts()):
        raise PortalError(
            "入力に使用できない文字（NUL文字）が含まれています。入力内容を確認してください。",
            code="nul_character",
        )


_MAX_TARGET = 2048


def _disguises_another_target(text: str) -> bool:
    """True when a browser could read `text` as something other than a path on this site.

    Browsers drop tabs and newlines inside a URL, read a backslash as a slash and strip
    leading spaces, so '/\t/host', '/\\host' and ' //host' all lead to another host; a
    control or invisible character never belongs in a link the portal made itself."""
    if not text.startswith("/") or text.startswith("//"):
        return True
    if "\\" in text:
        return True
    return any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in text)


def safe_local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None — the one check for every redirect
    that takes its target from the request (login `next`, notification links).

    The target is decoded again and again (an attacker encodes '//' as '%2F%2F' or
    '%252F%252F' for a later decoder) and each form must still be a plain local path: no
    scheme, no host, no backslash, no control character."""
    if not target or len(target) > _MAX_TARGET:
        return None
    stage = target
    for _ in range(5):
        if _disguises_another_target(stage):
            return None
        parts = urlsplit(stage)
        if parts.scheme or parts.netloc:
            return None
        decoded = unquote(stage)
        if decoded == stage:
            return target
        stage = decoded
    return None  # still changing after five decodings: nobody links like that


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.after_request(_headers)
