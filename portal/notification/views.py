from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.authz import ALL_ROLES, load_visible, roles
from portal.db import utcnow
from portal.extensions import db
from portal.notification import bp
from portal.notification.models import Notification
from portal.pagination import page_arg, paginate
from portal.security import safe_local_path


@bp.get("/notifications")
@roles(*ALL_ROLES)
def index() -> ResponseReturnValue:
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    page = paginate(stmt, page=page_arg(request.args.get("page")))
    return render_template("notification/index.html", page=page)


@bp.post("/notifications/<int:note_id>/read")
@roles(*ALL_ROLES)
def read(note_id: int) -> ResponseReturnValue:
    note = load_visible(Notification, note_id, lambda user, n: n.user_id == user.id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return redirect(safe_local_path(note.url) or url_for("notification.index"))


@bp.post("/notifications/read-all")
@roles(*ALL_ROLES)
def read_all() -> ResponseReturnValue:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("notification.index"))
