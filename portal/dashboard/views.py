from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from portal.authz import ALL_ROLES, public, roles
from portal.dashboard import bp
from portal.dashboard.panels import panels_for
from portal.templating import register_nav
from portal.wareki import fiscal_year, today_jst
from portal.web import current_actor

register_nav("dashboard.index", "ホーム", ALL_ROLES, order=0)


@bp.get("/")
@roles(*ALL_ROLES)
def index() -> ResponseReturnValue:
    user = current_actor()
    today = today_jst()
    return render_template(
        "dashboard/index.html", panels=panels_for(user), today=today, fiscal_year=fiscal_year(today)
    )


@bp.get("/healthz")
@public
def health() -> ResponseReturnValue:
    return {"status": "ok", "profile": current_app.extensions["portal_config"].profile}
