"""Policies for sections, companies and accounts."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from portal.account.models import User


def can_manage_users(user: Any) -> bool:
    """Only the system administrator manages accounts (入間市 第22条: least privilege)."""
    return isinstance(user, User) and user.role == "admin"


def can_manage_companies(user: Any) -> bool:
    """Company master data: admin and the city's contract staff."""
    return isinstance(user, User) and user.role in {"admin", "procurement", "protection_manager"}


def can_manage_company(user: Any, company: Any, section_ids: Collection[int]) -> bool:
    """Edit one company's master data and add or delete its certificates. The administrator:
    any company. 契約担当者 and 保護管理者 (section staff, 入間市規程 第22条: least privilege):
    a company that holds a contract of their own 課 or was asked for as 再委託先 under one
    (`section_ids`, from portal.org.services.company_section_ids), or a company not yet tied
    to any 課 (registered before its first contract). Never another 課's contractor."""
    if not can_manage_companies(user):
        return False
    if user.role == "admin" or not section_ids:
        return True
    return user.section_id is not None and user.section_id in section_ids


def can_view_company(user: Any, company: Any) -> bool:
    """City staff and admin see every company; a contractor only its own."""
    if not isinstance(user, User):
        return False
    if user.role == "contractor":
        return bool(user.company_id == company.id)
    return True


def can_view_company_record(user: Any, company: Any) -> bool:
    """The portal's stored details of a company (所在地, ISMS・Pマーク numbers): city staff
    and admin; a contractor only for its own company and its subsidiaries. Naming another
    company by its 法人番号 (public) in a 再委託 request shows the number and name, never what
    the city or another contractor registered about it."""
    if not isinstance(user, User):
        return False
    if user.role != "contractor":
        return True
    own = user.company_id
    return own is not None and own in {company.id, company.parent_id}
