"""Who may import what (docs/dataio.md).

- Accounts: the system administrator only (入間市 第22条: the administrator manages
  accounts, and no one else does).
- Companies (master data): whoever may register companies on the screens — the
  administrator and the section staff (契約担当, 保護管理者).
- Contracts: the section staff, and only rows of their own 課 (a row for another 課 is
  refused); the administrator sees no contract (第22条), 総括保護管理者 and 監査責任者 read only.
- An import (its preview and apply step) is seen by the person who uploaded it only.
"""

from __future__ import annotations

from typing import Any

from portal.account.models import SECTION_ROLES, Role
from portal.authz import is_active_user
from portal.dataio.models import ImportJob, ImportKind


def can_import(user: Any, kind: ImportKind | str) -> bool:
    """Users: admin; companies: admin and section staff; contracts: section staff."""
    if not is_active_user(user):
        return False
    kind = ImportKind(kind)
    if kind == ImportKind.USERS:
        return bool(user.role == Role.ADMIN)
    if kind == ImportKind.COMPANIES:
        return user.role == Role.ADMIN or user.role in SECTION_ROLES
    return user.role in SECTION_ROLES and user.section_id is not None


def importable_kinds(user: Any) -> list[ImportKind]:
    return [kind for kind in ImportKind if can_import(user, kind)]


def can_view_import(user: Any, job: ImportJob) -> bool:
    """The uploader, while they still may import that kind."""
    return is_active_user(user) and job.created_by_id == user.id and can_import(user, job.kind)
