"""Account services: authentication with throttling, and account administration."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.account.models import SECTION_ROLES, SYSTEM, Actor, Role, User
from portal.account.passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from portal.account.throttle import login_throttle
from portal.audit.services import record
from portal.db import contains, utcnow
from portal.errors import PortalError
from portal.extensions import db

BAD_CREDENTIALS = "メールアドレスまたはパスワードが正しくありません。"


def throttled_message(minutes: int) -> str:
    # The same words for every address typed, registered or not: a wait must not reveal that
    # an account exists.
    return (
        "ログインの失敗が続いたため、しばらくログインできません。"
        f"{minutes}分ほど待ってからもう一度お試しください。"
        "パスワードが分からない場合は、システム管理者にパスワードの再発行を依頼してください。"
    )


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None
    throttled: bool = False


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(
    *, email: str, password: str, address: str = "", now: datetime | None = None
) -> LoginResult:
    """Check credentials. Unknown and known addresses get the same message after the same
    argon2 work; failures count per account and per client address and earn growing waits
    (portal.account.throttle) instead of a lock. Every outcome is audited."""
    email = normalize_email(email)
    throttle = login_throttle()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    wait = throttle.wait(email, address)
    if wait is not None:
        record(
            user or SYSTEM,
            "account.login_throttled",
            user,
            data={"scope": wait.scope, "wait_seconds": wait.seconds, "known": user is not None},
        )
        db.session.flush()
        return LoginResult(None, throttled_message(wait.minutes), throttled=True)
    if user is None or not verify_password(user.password_hash, password):
        # verify_password(None, …) hashes against a dummy: the same time as a real check.
        if user is None:
            verify_password(None, password)
        throttle.failed(email, address)
        if user is not None:
            user.failed_logins += 1
        record(
            user or SYSTEM,
            "account.login_failed",
            user,
            data={"known": user is not None, "failed_logins": user.failed_logins if user else 0},
        )
        db.session.flush()
        return LoginResult(None, BAD_CREDENTIALS)
    if not user.is_active:
        return LoginResult(
            None, "このアカウントは無効になっています。システム管理者にお問い合わせください。"
        )
    user.failed_logins = 0
    user.locked_at = None
    user.last_login_at = now or utcnow()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record(user, "account.login", user)
    db.session.flush()
    return LoginResult(user, None)


def logout(*, actor: User) -> None:
    """End every session of the user (server-side session version)."""
    actor.session_version += 1
    record(actor, "account.logout", actor)
    db.session.flush()


def change_password(*, actor: User, current: str, new: str) -> None:
    """The user changes their own password; other sessions end."""
    if not verify_password(actor.password_hash, current):
        raise PortalError("現在のパスワードが正しくありません。")
    problems = password_problems(new, email=actor.email)
    if problems:
        raise PortalError(" ".join(problems))
    if verify_password(actor.password_hash, new):
        raise PortalError("現在と同じパスワードは使用できません。")
    actor.password_hash = hash_password(new)
    actor.password_changed_at = utcnow()
    actor.must_change_password = False
    actor.session_version += 1
    record(actor, "account.password_changed", actor)
    db.session.flush()


def _affiliation(
    role: Role, section_id: int | None, company_id: int | None
) -> tuple[int | None, int | None]:
    """(section_id, company_id) the role may hold: a contractor belongs to a company, section
    staff to a 課, other city roles to neither company (the users.role_affiliation check)."""
    if role == Role.CONTRACTOR:
        section_id = None
    elif role not in SECTION_ROLES:
        company_id = None
    if role == Role.CONTRACTOR and company_id is None:
        raise PortalError("委託先担当者には所属する委託先事業者を指定してください。")
    if role in SECTION_ROLES and section_id is None:
        raise PortalError("課の職員には所属する課を指定してください。")
    if role != Role.CONTRACTOR and company_id is not None:
        raise PortalError("市の職員に委託先事業者は指定できません。")
    return section_id, company_id


def create_user(
    *,
    actor: Actor,
    email: str,
    name: str,
    role: Role,
    password: str,
    section_id: int | None = None,
    company_id: int | None = None,
    must_change_password: bool = True,
) -> User:
    """Admin (or the demo loader) creates an account; refuses duplicates and weak passwords."""
    email = normalize_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise PortalError(f"メールアドレス {email} は既に登録されています。")
    section_id, company_id = _affiliation(role, section_id, company_id)
    problems = password_problems(password, email=email)
    if problems:
        raise PortalError(" ".join(problems))
    user = User(
        email=email,
        name=name,
        role=role,
        section_id=section_id,
        company_id=company_id,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "account.created", user, data={"role": role.value, "email": email})
    return user


def update_user(
    *,
    actor: Actor,
    user: User,
    name: str,
    role: Role,
    section_id: int | None,
    company_id: int | None,
) -> None:
    """Admin edits name, role and affiliation; nobody changes their own role (an admin who
    demoted themselves could leave the city without an administrator)."""
    if isinstance(actor, User) and actor.id == user.id and role != user.role:
        raise PortalError("自分自身の役割は変更できません。")
    section_id, company_id = _affiliation(role, section_id, company_id)
    before = {"role": user.role.value, "section_id": user.section_id, "company_id": user.company_id}
    user.name, user.role, user.section_id, user.company_id = name, role, section_id, company_id
    if before["role"] != role.value:
        user.session_version += 1  # new rights take effect at the next login
    record(
        actor,
        "account.updated",
        user,
        data={
            "before": before,
            "after": {"role": role.value, "section_id": section_id, "company_id": company_id},
        },
    )
    db.session.flush()


def set_active(*, actor: Actor, user: User, active: bool) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    if isinstance(actor, User) and actor.id == user.id and not active:
        raise PortalError("自分自身のアカウントは無効にできません。")
    user.is_active = active
    user.session_version += 1
    record(actor, "account.activated" if active else "account.deactivated", user)
    db.session.flush()


def unlock(*, actor: Actor, user: User) -> None:
    """Admin lifts the login wait of an account (and a lock left from before throttling)."""
    user.locked_at = None
    user.failed_logins = 0
    login_throttle().clear_account(user.email)
    record(actor, "account.unlocked", user)
    db.session.flush()


def reset_password(*, actor: Actor, user: User) -> str:
    """Admin issues a one-time temporary password; the user must change it at next login."""
    temporary = secrets.token_urlsafe(12) + "-Aa1"
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.locked_at = None
    user.failed_logins = 0
    login_throttle().clear_account(user.email)  # the owner gets in with the new password
    user.session_version += 1
    record(actor, "account.password_reset", user)
    db.session.flush()
    return temporary


def search_users_stmt(q: str, role: Role | None) -> sa.Select[User]:
    """Accounts whose name or e-mail contains `q`, of `role` when given, by id."""
    stmt = sa.select(User).order_by(User.id)
    if q:
        stmt = stmt.where(sa.or_(contains(User.name, q), contains(User.email, q)))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return stmt
