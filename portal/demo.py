"""Demo data for `make run` (first start) and the browser tests.

Every account shares DEMO_PASSWORD (README lists them). Features add their own demo objects
in portal/<feature>/demo.py: `def load(ctx: DemoContext) -> None`, called in FEATURES order.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from portal import FEATURES
from portal.account.models import SYSTEM, Role, User
from portal.account.services import create_user
from portal.db import utcnow
from portal.org.models import CertificateKind, Company, Section
from portal.org.services import add_certificate, create_company, create_section
from portal.wareki import today_jst

DEMO_PASSWORD = "Demo-Pass-2026!"  # noqa: S105 - published demo credential (README)


@dataclass
class DemoContext:
    now: datetime
    sections: dict[str, Section] = field(default_factory=dict)
    companies: dict[str, Company] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return today_jst(self.now)


# (key, email, name, role, section key, company key)
DEMO_USERS = (
    ("admin", "admin@city.example.jp", "情報 管理子", Role.ADMIN, None, None),
    ("chief", "chief@city.example.jp", "総括 一郎", Role.CHIEF, None, None),
    ("auditor", "auditor@city.example.jp", "監査 花子", Role.AUDITOR, None, None),
    (
        "pm_shimin",
        "pm.shimin@city.example.jp",
        "保護 太郎",
        Role.PROTECTION_MANAGER,
        "shimin",
        None,
    ),
    ("proc_shimin", "proc.shimin@city.example.jp", "契約 次郎", Role.PROCUREMENT, "shimin", None),
    (
        "pm_fukushi",
        "pm.fukushi@city.example.jp",
        "福祉 良子",
        Role.PROTECTION_MANAGER,
        "fukushi",
        None,
    ),
    (
        "proc_fukushi",
        "proc.fukushi@city.example.jp",
        "福祉 契約子",
        Role.PROCUREMENT,
        "fukushi",
        None,
    ),
    ("vendor_alpha", "tanto@alpha.example.jp", "アルファ 担当", Role.CONTRACTOR, None, "alpha"),
    ("vendor_beta", "tanto@beta.example.jp", "ベータ 担当", Role.CONTRACTOR, None, "beta"),
    ("vendor_gamma", "tanto@gamma.example.jp", "ガンマ 担当", Role.CONTRACTOR, None, "gamma"),
)


# (key, code, name)
DEMO_SECTIONS = (
    ("shimin", "S01", "市民課"),
    ("fukushi", "F01", "福祉総務課"),
    ("joho", "J01", "情報政策課"),
)
# (key, name, 法人番号, address, parent key)
DEMO_COMPANIES = (
    (
        "alpha",
        "株式会社アルファ情報システム",
        "9010001000015",
        "東京都千代田区丸の内一丁目1番1号",
        None,
    ),
    ("beta", "ベータ印刷株式会社", "8030001000014", "埼玉県入間市豊岡一丁目1番1号", None),
    (
        "gamma",
        "ガンマデータサービス株式会社",
        "3010001000012",
        "東京都港区芝公園二丁目2番2号",
        "alpha",
    ),
)


def _demo_certificates(today: date) -> tuple[tuple[str, CertificateKind, str, date], ...]:
    """(company key, kind, number, expiry): beta's Pマーク lapses within the chase window."""
    y = today.year
    return (
        ("alpha", CertificateKind.ISMS, "IS 123456", date(y + 1, 3, 31)),
        ("alpha", CertificateKind.PRIVACY_MARK, "第10800001号", date(y + 2, 6, 30)),
        ("beta", CertificateKind.PRIVACY_MARK, "第20800002号", today + timedelta(days=30)),
        ("gamma", CertificateKind.ISMAP, "C22-0001-1", date(y + 1, 9, 30)),
    )


def _load_core(ctx: DemoContext) -> None:
    for key, code, name in DEMO_SECTIONS:
        ctx.sections[key] = create_section(actor=SYSTEM, code=code, name=name)
    for key, name, number, address, parent in DEMO_COMPANIES:
        ctx.companies[key] = create_company(
            actor=SYSTEM,
            name=name,
            corporate_number=number,
            address=address,
            parent_id=ctx.companies[parent].id if parent else None,
        )
    for owner, kind, number, expires_on in _demo_certificates(ctx.today):
        add_certificate(
            actor=SYSTEM,
            company=ctx.companies[owner],
            kind=kind,
            number=number,
            expires_on=expires_on,
        )
    for key, email, name, role, section, company in DEMO_USERS:
        ctx.users[key] = create_user(
            actor=SYSTEM,
            email=email,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            section_id=ctx.sections[section].id if section else None,
            company_id=ctx.companies[company].id if company else None,
            must_change_password=False,
        )


def load_demo(now: datetime | None = None) -> dict[str, Any]:
    """Create the demo city (never commits). Returns a summary for the CLI."""
    ctx = DemoContext(now=now or utcnow())
    _load_core(ctx)
    loaded = ["core"]
    for name in FEATURES:
        try:
            module = importlib.import_module(f"portal.{name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name not in {f"portal.{name}", f"portal.{name}.demo"}:
                raise
            continue
        module.load(ctx)
        loaded.append(name)
    return {
        "loaded": loaded,
        "users": [u.email for u in ctx.users.values()],
        "password": DEMO_PASSWORD,
    }
