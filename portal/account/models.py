"""User accounts (roles of DOMAIN.md "People and roles")."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.db import Base, str_enum, utcnow

if TYPE_CHECKING:
    from portal.org.models import Company, Section


class Role(enum.StrEnum):
    PROCUREMENT = "procurement"
    PROTECTION_MANAGER = "protection_manager"
    CHIEF = "chief"
    AUDITOR = "auditor"
    CONTRACTOR = "contractor"
    ADMIN = "admin"


CITY_ROLES = frozenset({Role.PROCUREMENT, Role.PROTECTION_MANAGER, Role.CHIEF, Role.AUDITOR})
SECTION_ROLES = frozenset({Role.PROCUREMENT, Role.PROTECTION_MANAGER})
CITYWIDE_ROLES = frozenset({Role.CHIEF, Role.AUDITOR})


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # A contractor belongs to exactly one company; section staff to a section.
        sa.CheckConstraint(
            "(role = 'contractor' AND company_id IS NOT NULL AND section_id IS NULL)"
            " OR (role IN ('procurement', 'protection_manager') AND section_id IS NOT NULL"
            " AND company_id IS NULL)"
            " OR (role IN ('chief', 'auditor', 'admin') AND company_id IS NULL)",
            name="role_affiliation",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True, index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    role: so.Mapped[Role] = so.mapped_column(str_enum(Role), index=True)
    section_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("sections.id"), index=True)
    company_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("companies.id"), index=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    failed_logins: so.Mapped[int] = so.mapped_column(default=0)
    locked_at: so.Mapped[datetime | None]
    # Bumped on logout, deactivation and password reset: every cookie carrying an older
    # value is refused, so all sessions of the user end at once.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False)
    password_changed_at: so.Mapped[datetime | None]
    last_login_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    section: so.Mapped[Section | None] = so.relationship(back_populates="users")
    company: so.Mapped[Company | None] = so.relationship(back_populates="users")

    # Flask-Login protocol -------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_city_staff(self) -> bool:
        return self.role in CITY_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class SystemActor:
    """The scheduler and CLI act as this; audit rows show it as 'system'."""

    id: None = None
    role = "system"
    name = "システム"
    section_id: int | None = None
    company_id: int | None = None
    is_authenticated = False

    def __repr__(self) -> str:
        return "<SystemActor>"


SYSTEM = SystemActor()
Actor = User | SystemActor
