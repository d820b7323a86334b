"""The bell: a person's notifications, read one by one or all at once."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from portal.authz import ALL_ROLES, load_visible, roles
from portal.db import utcnow
from portal.notification import bp, services
from portal.notification.models import Notification
from portal.security import safe_local_path
from portal.web import current_actor, paged, run


@bp.get("/notifications")
@roles(*ALL_ROLES)
def index() -> ResponseReturnValue:
    page = paged(services.notifications_stmt(current_actor()))
    return render_template("notification/index.html", page=page)


@bp.post("/notifications/<int:note_id>/read")
@roles(*ALL_ROLES)
def read(note_id: int) -> ResponseReturnValue:
    note = load_visible(Notification, note_id, lambda user, n: n.user_id == user.id)
    run(lambda: services.mark_read(actor=current_actor(), note=note, now=utcnow()))
    return redirect(safe_local_path(note.url) or url_for("notification.index"))


@bp.post("/notifications/read-all")
@roles(*ALL_ROLES)
def read_all() -> ResponseReturnValue:
    run(lambda: services.mark_all_read(actor=current_actor(), now=utcnow()))
    return redirect(url_for("notification.index"))
