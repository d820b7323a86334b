"""Structured logs: one JSON object a line, with the request id, user id and role.

Every request ends in one `request` line (method, route pattern, numeric ids, status,
duration). The route is the pattern (`/exchange/<int:doc_id>`), never the raw path or query
string, so a token in a URL is never written; form fields, headers, cookies and file contents
are never logged at all. Extra fields whose names look secret are replaced by `[redacted]`.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import IO, Any

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from portal.config import Config

log = logging.getLogger("portal.request")

# A proxy's id is reused (one id from nginx to the log line) when it looks like one.
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_SECRET_NAME = re.compile(r"pass|token|secret|csrf|cookie|authorization|credential", re.I)
FIELDS = ("asctime", "levelname", "name", "message")


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and role to every record logged inside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            # Flask-Login keeps the loaded user in g; reading it here never queries the database.
            user = g.get("_login_user")
            if user is not None and getattr(user, "is_authenticated", False):
                record.user_id = user.id
                record.role = str(user.role)
        for name in list(vars(record)):
            if name not in _STANDARD and _SECRET_NAME.search(name):
                setattr(record, name, "[redacted]")
        return True


_STANDARD = frozenset(vars(logging.makeLogRecord({})))


def make_handler(stream: IO[str] | None = None, *, json: bool = True) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    if json:
        handler.setFormatter(
            JsonFormatter(
                list(FIELDS),
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RequestContextFilter())
    handler.portal_handler = True  # type: ignore[attr-defined]
    return handler


def configure_logging(config: Config) -> None:
    """One handler on the root logger (JSON, or plain text in development); idempotent.

    Under tests the root logger is left to pytest (which captures records itself)."""
    root = logging.getLogger()
    if config.testing:
        return
    if not any(getattr(h, "portal_handler", False) for h in root.handlers):
        root.addHandler(make_handler(json=not config.development))
    root.setLevel(config.log_level)


def _request_id() -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if _INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.request_id = _request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or _request_id()
        response.headers["X-Request-ID"] = request_id
        started = g.get("request_started")
        rule = request.url_rule
        fields: dict[str, Any] = {
            "event": "request",
            "method": request.method,
            "route": rule.rule if rule is not None else None,
            "endpoint": request.endpoint,
            # Only numeric ids: a string argument (a token in a link) is never logged.
            "ids": {k: v for k, v in (request.view_args or {}).items() if isinstance(v, int)},
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)
            if started is not None
            else None,
            "remote_addr": request.remote_addr,
        }
        log.info("request", extra=fields)
        return response
