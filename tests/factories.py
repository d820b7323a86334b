"""Factories for test data. Objects are flushed, never committed."""

from __future__ import annotations

import itertools
from typing import Any

from portal.account.models import Role, User
from portal.account.passwords import hash_password
from portal.extensions import db
from portal.org.corporate_number import with_check_digit
from portal.org.models import Company, Section

PASSWORD = "Test-Pass-2026!"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


def make_section(name: str | None = None) -> Section:
    n = next(_seq)
    section = Section(code=f"T{n:04d}", name=name or f"テスト課{n}")
    db.session.add(section)
    db.session.flush()
    return section


def make_company(name: str | None = None, **kwargs: Any) -> Company:
    n = next(_seq)
    company = Company(
        name=name or f"テスト株式会社{n}",
        corporate_number=with_check_digit(f"{n + 500000000000:012d}"),
        address="東京都千代田区1-1",
        **kwargs,
    )
    db.session.add(company)
    db.session.flush()
    return company


def make_user(
    role: str | Role = Role.PROCUREMENT,
    *,
    section: Section | None = None,
    company: Company | None = None,
    **kwargs: Any,
) -> User:
    role = Role(role)
    n = next(_seq)
    if role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER} and section is None:
        section = make_section()
    if role == Role.CONTRACTOR and company is None:
        company = make_company()
    user = User(
        email=kwargs.pop("email", f"user{n}@test.example.jp"),
        name=kwargs.pop("name", f"利用者{n}"),
        role=role,
        section_id=section.id
        if section and role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}
        else None,
        company_id=company.id if company and role == Role.CONTRACTOR else None,
        password_hash=_HASH,
        **kwargs,
    )
    db.session.add(user)
    db.session.flush()
    return user
