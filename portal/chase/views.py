"""「今すぐ督促」, the scheduler status page, the admin dashboard panel and the reminder
history partial's Jinja global."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.account.models import User
from portal.authz import deny, require, roles
from portal.authz.chase import can_remind_now, can_view_reminder_history, can_view_scheduler_status
from portal.chase import bp, services
from portal.chase.chasers import CHASERS
from portal.chase.forms import RemindForm
from portal.dashboard.panels import Panel, panel
from portal.errors import PortalError
from portal.extensions import db
from portal.mail import MailSettings
from portal.templating import register_nav


@dataclass(frozen=True)
class HistoryView:
    object_type: str
    object_id: int
    entries: list[services.HistoryEntry]
    can_remind: bool
    remind_url: str | None


@bp.app_template_global("chase_history")
def chase_history(obj: Any) -> HistoryView | None:
    """For `chase/_history.html`: the object's reminders as the current user may see them
    (None when the user may not see them, so the partial renders nothing)."""
    target = services.target_for(obj) if obj is not None else None
    if target is None or not can_view_reminder_history(current_user, target):
        return None
    entries = services.reminder_history(
        target.object_type, target.object_id, viewer=current_user._get_current_object()
    )
    allowed = can_remind_now(current_user, target)
    return HistoryView(
        object_type=target.object_type,
        object_id=target.object_id,
        entries=entries,
        can_remind=allowed,
        remind_url=url_for(
            "chase.remind_now", object_type=target.object_type, object_id=target.object_id
        )
        if allowed
        else None,
    )


@bp.post("/chase/remind/<object_type>/<int:object_id>")
@roles("protection_manager")
def remind_now(object_type: str, object_id: int) -> ResponseReturnValue:
    target = services.load_target(object_type, object_id)
    if target is None or not can_view_reminder_history(current_user, target):
        deny(hide=True)
    require(can_remind_now(current_user, target))
    back = target.url or url_for("dashboard.index")
    form = RemindForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
        return redirect(back)
    actor = current_user._get_current_object()
    try:
        notes = services.remind_now(actor=actor, target=target, message=form.message.data or "")
        db.session.commit()
    except PortalError as err:
        db.session.rollback()
        flash(err.text, "error")
        return redirect(back)
    except IntegrityError:
        # Two clicks at the same instant: the other request already recorded today's reminder
        # (the dedupe key is unique), so this one changes nothing.
        db.session.rollback()
        flash("本日はすでに督促を送信しています。", "info")
        return redirect(back)
    settings = MailSettings.from_config(current_app.extensions["portal_config"])
    mailed = services.deliver_now(notes, settings=settings)
    db.session.commit()
    if settings.enabled and mailed < len(notes):
        flash(
            f"督促を記録しました（{len(notes)}名）。メールを送信できなかった宛先は、"
            "次回のまとめメールで送信します。",
            "warning",
        )
    else:
        flash(f"督促を送信しました（{len(notes)}名）。", "success")
    return redirect(back)


@bp.get("/chase/status")
@roles("admin")
def status() -> ResponseReturnValue:
    require(can_view_scheduler_status(current_user))
    return render_template(
        "chase/status.html",
        heartbeat=services.heartbeat_status(),
        runs=services.recent_runs(20),
        rules=[(c.rule, c.label) for c in CHASERS],
        stale_minutes=int(services.HEARTBEAT_STALE_AFTER.total_seconds() // 60),
    )


@panel
def scheduler_panel(user: User) -> Panel | None:
    """Admin home: is the scheduler alive? (A stale heartbeat means nothing is chased.)"""
    if not can_view_scheduler_status(user):
        return None
    hb = services.heartbeat_status()
    runs = services.recent_runs(1)
    return Panel(
        title="スケジューラ（督促・メール送信）",
        template="chase/_scheduler_panel.html",
        context={
            "heartbeat": hb,
            "last_run": runs[0] if runs else None,
            "stale_minutes": int(services.HEARTBEAT_STALE_AFTER.total_seconds() // 60),
        },
        order=1 if hb.stale else 90,
    )


register_nav("chase.status", "スケジューラ", {"admin"}, order=97)
