"""Session lifetime: a fresh session at login, idle (30 min) and absolute (12 h) timeouts,
and the server-side session version that lets logout/deactivation end every session."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from portal.account.models import User
from portal.extensions import db, login_manager


def load_user(user_key: str) -> User | None:
    try:
        raw_id, raw_version = user_key.split(":", 1)
        user_id, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


def start_session(user: User) -> None:
    """Drop whatever the anonymous session held (fixation), then log in."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now
    session.permanent = True


def end_session() -> None:
    logout_user()
    session.clear()


def _enforce_timeouts() -> ResponseReturnValue | None:
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    cfg = current_app.extensions["portal_config"]
    now = int(time.time())
    login_at = int(session.get("login_at", 0))
    seen_at = int(session.get("seen_at", 0))
    if now - login_at > cfg.session_absolute_hours * 3600:
        end_session()
        flash(
            "ログインから一定時間が経過したため、ログアウトしました。再度ログインしてください。",
            "warning",
        )
        return redirect(url_for("account.login"))
    if now - seen_at > cfg.session_idle_minutes * 60:
        end_session()
        flash(
            "一定時間操作がなかったため、ログアウトしました。再度ログインしてください。", "warning"
        )
        return redirect(url_for("account.login"))
    session["seen_at"] = now
    # Every method, not only GET: a temporary password issued by the administrator must not
    # be enough to upload or approve anything.
    if current_user.must_change_password and request.endpoint not in {
        "account.password",
        "account.logout",
    }:
        flash("初期パスワードのままです。新しいパスワードを設定してください。", "warning")
        return redirect(url_for("account.password"))
    return None


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "account.login"
    login_manager.login_message = "ログインしてください。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(_enforce_timeouts)
