"""Security headers on every response (CSP without inline script), refusal of NUL characters,
and the one check for same-site redirect targets."""

from __future__ import annotations

from collections.abc import Iterator

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


def safe_local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (never redirect to another host:
    '//host' and '/\\host' are other hosts to a browser)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.after_request(_headers)
