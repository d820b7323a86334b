"""/readyz for a load balancer (no login, no personal information). /healthz, the process
answering at all, is the dashboard's."""

from __future__ import annotations

import logging

from flask import jsonify
from flask.typing import ResponseReturnValue

from portal.authz import public
from portal.ops import bp
from portal.ops.readiness import readiness

log = logging.getLogger(__name__)


@bp.get("/readyz")
@public
def readyz() -> ResponseReturnValue:
    """Database and storage reachable, database schema at the code's migration head."""
    checks = readiness()
    ok = all(check.ok for check in checks.values())
    if not ok:
        log.warning(
            "not ready: %s",
            "; ".join(f"{name}: {c.detail}" for name, c in checks.items() if not c.ok),
        )
    body = {
        "status": "ok" if ok else "fail",
        # Short public words only; the details are in the log.
        "checks": {name: c.state for name, c in checks.items()},
    }
    return jsonify(body), 200 if ok else 503
