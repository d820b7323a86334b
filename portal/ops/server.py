"""`portal serve`: gunicorn in front of create_app, configured from the environment.

PORTAL_BIND (127.0.0.1:8000), PORTAL_WORKERS (4), PORTAL_TIMEOUT (120 s). gunicorn's own
handling of X-Forwarded-* is switched off: the app's ProxyFix believes exactly
TRUSTED_PROXY_HOPS proxies, and nothing else may turn a client's header into the scheme or
address. gunicorn's access log is off too: the app writes one JSON line per request without
the query string (a URL may carry a token), which gunicorn's access log would print.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from portal.config import Config
from portal.ops.logs import FIELDS


def gunicorn_options(config: Config) -> dict[str, Any]:
    return {
        "bind": config.web_bind,
        "workers": config.web_workers,
        "timeout": config.web_timeout,
        "graceful_timeout": 30,
        "forwarded_allow_ips": "",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": config.log_level.lower(),
        "proc_name": "itaku-portal",
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "json": {
                    "()": "pythonjsonlogger.json.JsonFormatter",
                    "fmt": list(FIELDS),
                    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                }
            },
            "handlers": {
                "json": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    "stream": "ext://sys.stderr",
                }
            },
            # The app adds its own JSON handler to the root logger in each worker.
            "root": {"level": config.log_level, "handlers": []},
            "loggers": {
                "gunicorn.error": {
                    "level": config.log_level,
                    "handlers": ["json"],
                    "propagate": False,
                },
            },
        },
    }


class PortalServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # Each worker builds its own app (and database pool) after the fork.
        from portal import create_app

        return create_app()


def serve(config: Config) -> None:
    PortalServer(gunicorn_options(config)).run()
