"""Policies for reminders (督促) and the scheduler status.

- Reminder history: whoever may see the object — the section's staff, the 総括保護管理者 and
  監査責任者, and the contractor (which sees only what was sent to its own users).
- 「今すぐ督促」: only the section's 保護管理者, while the contract is still open.
- Scheduler status: the system administrator (it shows no documents, 入間市 第22条).
"""

from __future__ import annotations

from typing import Any

from portal.account.models import Role, User


def _is_user(user: Any) -> bool:
    return isinstance(user, User) and user.is_active


def can_view_reminder_history(user: Any, target: Any) -> bool:
    """`target` is a portal.chase.services.Target."""
    if not _is_user(user) or target is None:
        return False
    if user.role in {Role.CHIEF, Role.AUDITOR}:
        return True
    if user.role in {Role.PROCUREMENT, Role.PROTECTION_MANAGER}:
        return user.section_id is not None and user.section_id == target.section_id
    if user.role == Role.CONTRACTOR:
        return user.company_id is not None and user.company_id in target.company_ids
    return False


def can_remind_now(user: Any, target: Any) -> bool:
    """The section's 保護管理者 sends one reminder now about an open contract's object."""
    return (
        _is_user(user)
        and target is not None
        and user.role == Role.PROTECTION_MANAGER
        and user.section_id is not None
        and user.section_id == target.section_id
        and bool(target.is_open)
    )


def can_view_scheduler_status(user: Any) -> bool:
    """The system administrator watches the scheduler (heartbeat, runs)."""
    return _is_user(user) and user.role == Role.ADMIN
