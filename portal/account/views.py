from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.account import bp, services
from portal.account.forms import ConfirmForm, LoginForm, PasswordChangeForm, UserEditForm, UserForm
from portal.account.models import Role, User
from portal.account.sessions import end_session, start_session
from portal.authz import ALL_ROLES, load_visible, public, roles
from portal.authz.org import can_manage_users
from portal.errors import PortalError
from portal.extensions import db
from portal.org.models import Company, Section
from portal.pagination import page_arg, paginate
from portal.profile import current_profile


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never redirect to another host after login.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.extensions["portal_config"]
        result = services.authenticate(
            email=form.email.data or "",
            password=form.password.data or "",
            threshold=cfg.lockout_threshold,
        )
        db.session.commit()
        if result.user is None:
            flash(result.error or services.BAD_CREDENTIALS, "error")
            return render_template("account/login.html", form=form), 200
        start_session(result.user)
        flash(f"{result.user.name} さん、ようこそ。", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("account/login.html", form=form)


@bp.post("/logout")
@roles(*ALL_ROLES)
def logout() -> ResponseReturnValue:
    services.logout(actor=current_user._get_current_object())
    db.session.commit()
    end_session()
    flash("ログアウトしました。", "info")
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles(*ALL_ROLES)
def password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(
                actor=user, current=form.current.data or "", new=form.new.data or ""
            )
        except PortalError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("account/password.html", form=form), 422
        db.session.commit()
        start_session(user)  # this session stays; every other one ended
        flash("パスワードを変更しました。", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("account/password.html", form=form)


# --- administration (システム管理者) -------------------------------------------------


def _role_choices() -> list[tuple[str, str]]:
    profile = current_profile()
    return [(r.value, profile.role_label(r.value)) for r in Role]


def _fill_choices(form: UserForm | UserEditForm) -> None:
    form.role.choices = _role_choices()
    sections = db.session.scalars(sa.select(Section).order_by(Section.code)).all()
    companies = db.session.scalars(sa.select(Company).order_by(Company.name)).all()
    form.section_id.choices = [(0, "（なし）")] + [(s.id, s.name) for s in sections]
    form.company_id.choices = [(0, "（なし）")] + [(c.id, c.name) for c in companies]


@bp.get("/admin/users")
@roles("admin")
def users() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    stmt = sa.select(User).order_by(User.id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(sa.or_(User.name.ilike(like), User.email.ilike(like)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    page = paginate(stmt, page=page_arg(request.args.get("page")))
    return render_template(
        "account/users.html",
        page=page,
        q=q,
        role=role,
        role_choices=_role_choices(),
        confirm=ConfirmForm(),
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles("admin")
def user_new() -> ResponseReturnValue:
    form = UserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            user = services.create_user(
                actor=current_user._get_current_object(),
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
                password=form.password.data or "",
                section_id=form.section_id.data or None,
                company_id=form.company_id.data or None,
            )
        except PortalError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("account/user_form.html", form=form, user=None), 422
        db.session.commit()
        flash(f"アカウント {user.email} を作成しました。", "success")
        return redirect(url_for("account.users"))
    return render_template("account/user_form.html", form=form, user=None)


def _load_user(user_id: int) -> User:
    return load_visible(User, user_id, lambda actor, _user: can_manage_users(actor))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles("admin")
def user_edit(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    form = UserEditForm(obj=user)
    _fill_choices(form)
    if request.method == "GET":
        form.role.data = user.role.value
        form.section_id.data = user.section_id or 0
        form.company_id.data = user.company_id or 0
    if form.validate_on_submit():
        try:
            services.update_user(
                actor=current_user._get_current_object(),
                user=user,
                name=form.name.data or "",
                role=Role(form.role.data),
                section_id=form.section_id.data or None,
                company_id=form.company_id.data or None,
            )
        except PortalError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("account/user_form.html", form=form, user=user), 422
        db.session.commit()
        flash("アカウントを更新しました。", "success")
        return redirect(url_for("account.users"))
    return render_template("account/user_form.html", form=form, user=user, confirm=ConfirmForm())


@bp.post("/admin/users/<int:user_id>/<any(deactivate, activate, unlock, reset):op>")
@roles("admin")
def user_action(user_id: int, op: str) -> ResponseReturnValue:
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        flash("送信内容を確認できませんでした。もう一度操作してください。", "error")
        return redirect(url_for("account.user_edit", user_id=user.id))
    actor = current_user._get_current_object()
    try:
        if op == "deactivate":
            services.set_active(actor=actor, user=user, active=False)
            message = f"{user.email} を無効にしました。すべてのセッションが終了しました。"
        elif op == "activate":
            services.set_active(actor=actor, user=user, active=True)
            message = f"{user.email} を有効にしました。"
        elif op == "unlock":
            services.unlock(actor=actor, user=user)
            message = f"{user.email} のロックを解除しました。"
        else:
            temporary = services.reset_password(actor=actor, user=user)
            message = (
                f"{user.email} の仮パスワードを発行しました: {temporary} "
                "（この表示は一度だけです。本人に安全な方法で伝えてください）"
            )
    except PortalError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("account.user_edit", user_id=user.id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("account.user_edit", user_id=user.id))
