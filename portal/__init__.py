"""委託先監督ポータル: the application factory (wiring only)."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from portal.config import Config


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` capped at the largest 32-bit id."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


# Feature packages, each with a `bp` blueprint and a `views` module. Order = nav order.
FEATURES = (
    "account",
    "dashboard",
    "org",
    "contract",
    "subcontract",
    "inspection",
    "erasure",
    "exchange",
    "incident",
    "chase",
    "notification",
    "audit",
    "dataio",
    "ops",
)


def _feature_modules() -> list[str]:
    found = []
    for name in FEATURES:
        try:
            importlib.import_module(f"portal.{name}.views")
        except ModuleNotFoundError as exc:
            # A feature not built yet is simply absent; a broken import inside one is not.
            if exc.name not in {f"portal.{name}", f"portal.{name}.views"}:
                raise
            continue
        found.append(name)
    return found


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_content_length,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        SESSION_COOKIE_NAME="portal_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_absolute_hours),
        WTF_CSRF_TIME_LIMIT=config.session_absolute_hours * 3600,
        WTF_CSRF_SSL_STRICT=config.secure_cookies,
    )
    app.extensions["portal_config"] = config
    from portal import ops

    # Logging, the reverse proxy (TRUSTED_PROXY_HOPS) and request ids before anything else.
    ops.init_app(app, config)
    # Ids in URLs fit the database's INTEGER columns: a larger number is a 404, never a
    # driver overflow (a 500) on SQLite or PostgreSQL.
    app.url_map.converters["int"] = BoundedIntConverter

    from portal import authz, security, templating
    from portal.account import sessions, throttle
    from portal.extensions import csrf, db, login_manager
    from portal.filestore import make_filestore
    from portal.web import errors as web_errors

    db.init_app(app, config.database_url)
    login_manager.init_app(app)
    # Session timeouts and the role check run before CSRF, so a role that may not use an
    # endpoint gets 403 whatever it sends.
    sessions.init_app(app)
    throttle.init_app(
        app,
        storage_uri=config.ratelimit_storage_uri,
        prefix=config.ratelimit_key_prefix,
        threshold=config.lockout_threshold,
    )
    authz.init_app(app)
    csrf.init_app(app)
    app.extensions["filestore"] = make_filestore(
        backend=config.storage_backend,
        storage_dir=config.storage_dir,
        s3_bucket=config.s3_bucket,
        s3_endpoint_url=config.s3_endpoint_url,
        s3_region=config.s3_region,
    )
    security.init_app(app)
    web_errors.init_app(app)
    templating.init_app(app)

    app.extensions["portal_features"] = _feature_modules()
    for name in app.extensions["portal_features"]:
        module = importlib.import_module(f"portal.{name}")
        app.register_blueprint(module.bp)

    from portal.cli import register_commands

    register_commands(app)
    return app
