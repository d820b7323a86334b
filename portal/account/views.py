from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.account import bp, services
from portal.account.forms import LoginForm, PasswordChangeForm, UserEditForm, UserForm
from portal.account.models import Role, User
from portal.account.sessions import end_session, start_session
from portal.account.throttle import client_address
from portal.authz import ALL_ROLES, load_visible, public, roles
from portal.authz.org import can_manage_users
from portal.org.services import company_choices, section_choices
from portal.profile import current_profile
from portal.security import safe_local_path
from portal.templating import register_nav
from portal.web import commit, current_actor, paged, run
from portal.web.args import choice_arg, text_arg

register_nav("account.users", "アカウント管理", {"admin"}, order=95)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(
            email=form.email.data or "",
            password=form.password.data or "",
            address=client_address(),
        )
        commit()  # the failure or the wait is audited like the success
        if result.user is None:
            flash(result.error or services.BAD_CREDENTIALS, "error")
            return render_template(
                "account/login.html", form=form
            ), 429 if result.throttled else 200
        start_session(result.user)
        flash(f"{result.user.name} さん、ようこそ。", "success")
        return redirect(safe_local_path(request.args.get("next")) or url_for("dashboard.index"))
    return render_template("account/login.html", form=form)


@bp.post("/logout")
@roles(*ALL_ROLES)
def logout() -> ResponseReturnValue:
    run(lambda: services.logout(actor=current_actor()))
    end_session()
    flash("ログアウトしました。", "info")
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles(*ALL_ROLES)
def password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_actor()
        if not run(
            lambda: services.change_password(
                actor=user, current=form.current.data or "", new=form.new.data or ""
            ),
            success="パスワードを変更しました。",
        ):
            return render_template("account/password.html", form=form), 422
        start_session(user)  # this session stays; every other one ended
        return redirect(url_for("dashboard.index"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200


# --- administration (システム管理者) -------------------------------------------------


def _role_choices() -> list[tuple[str, str]]:
    profile = current_profile()
    return [(r.value, profile.role_label(r.value)) for r in Role]


@bp.get("/admin/users")
@roles("admin")
def users() -> ResponseReturnValue:
    q = text_arg(request.args.get("q"))
    role = choice_arg(request.args.get("role"), Role)
    page = paged(services.search_users_stmt(q, role))
    return render_template(
        "account/users.html",
        page=page,
        q=q,
        role=role.value if role else "",
        role_choices=_role_choices(),
    )


def _user_form(form: UserEditForm, user: User | None) -> ResponseReturnValue:
    """Create (user=None, `form` is a UserForm) or edit an account: one screen, one flow."""
    form.role.choices = _role_choices()
    form.section_id.choices = [(0, "（なし）"), *section_choices()]
    form.company_id.choices = [(0, "（なし）"), *company_choices()]
    if form.validate_on_submit():
        actor = current_actor()
        values: dict[str, Any] = {
            "name": form.name.data or "",
            "role": Role(form.role.data),
            "section_id": form.section_id.data or None,
            "company_id": form.company_id.data or None,
        }
        edited = user
        saved = (
            run(
                lambda: services.update_user(actor=actor, user=edited, **values),
                success="アカウントを更新しました。",
            )
            if edited is not None
            else run(
                lambda: services.create_user(
                    actor=actor,
                    email=form.email.data or "",
                    password=form.password.data or "",
                    **values,
                ),
                success=lambda created: f"アカウント {created.email} を作成しました。",
            )
        )
        if saved:
            return redirect(url_for("account.users"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/user_form.html", form=form, user=user), status


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles("admin")
def user_new() -> ResponseReturnValue:
    return _user_form(UserForm(), None)


def _load_user(user_id: int) -> User:
    return load_visible(User, user_id, lambda actor, _user: can_manage_users(actor))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles("admin")
def user_edit(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
        form.section_id.data = user.section_id or 0
        form.company_id.data = user.company_id or 0
    return _user_form(form, user)


@bp.post("/admin/users/<int:user_id>/<any(deactivate, activate, unlock, reset):op>")
@roles("admin")
def user_action(user_id: int, op: str) -> ResponseReturnValue:
    # CSRFProtect has checked the token before this runs (it guards every POST).
    user = _load_user(user_id)
    actor = current_actor()

    def act() -> str:
        if op == "deactivate":
            services.set_active(actor=actor, user=user, active=False)
            return f"{user.email} を無効にしました。すべてのセッションが終了しました。"
        if op == "activate":
            services.set_active(actor=actor, user=user, active=True)
            return f"{user.email} を有効にしました。"
        if op == "unlock":
            services.unlock(actor=actor, user=user)
            return f"{user.email} のログイン制限を解除しました。"
        temporary = services.reset_password(actor=actor, user=user)
        return (
            f"{user.email} の仮パスワードを発行しました: {temporary} "
            "（この表示は一度だけです。本人に安全な方法で伝えてください）"
        )

    run(act, success=lambda message: message)
    return redirect(url_for("account.user_edit", user_id=user.id))
