"""Running the portal as a service: health checks, JSON logs with request ids, the reverse
proxy, the production server, backup and restore, and anchoring the audit chain."""

from __future__ import annotations

from flask import Blueprint, Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import Config

bp = Blueprint("ops", __name__)


def init_app(app: Flask, config: Config) -> None:
    """Logging first (so Flask and Werkzeug find a handler), then the proxy and request ids."""
    from portal.ops import logs

    logs.configure_logging(config)
    if config.proxy_hops:
        # Exactly as many X-Forwarded-* values as there are proxies we run are believed; the
        # rest of each header came from the client and is ignored.
        hops = config.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    logs.init_app(app)
