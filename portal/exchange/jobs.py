"""Exchange jobs (STYLE §8): idempotent, select by state, commit themselves."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.account.models import SYSTEM, Role, User
from portal.exchange import services
from portal.extensions import db
from portal.notification.services import notify
from portal.wareki import wareki_date


def purge_expired_exchange_documents(*, now: datetime) -> int:
    """List the exchange documents whose retention has ended and tell each section's 保護管理者.

    Deletion itself is the 保護管理者's decision (the contract page's button, audited); this job
    only announces what is eligible, once per contract. Returns the number of eligible
    documents.
    """
    total = 0
    for contract, count in services.expired_contracts(now=now):
        total += count
        managers = db.session.scalars(
            sa.select(User).where(
                User.role == Role.PROTECTION_MANAGER,
                User.section_id == contract.section_id,
                User.is_active,
            )
        ).all()
        ends = services.retention_ends_at(contract)
        notify(
            recipients=managers,
            kind="exchange.retention_ended",
            subject=f"文書交換: 契約 {contract.number} の文書の保存期間が終わりました",
            body=(
                f"保存期間（{wareki_date(ends)} まで）を過ぎた文書が{count}件あります。"
                "不要であれば文書交換の契約画面から削除してください。"
            ),
            obj=contract,
            url=services.portal_path("exchange.contract", contract_id=contract.id),
            contract_id=contract.id,
            dedupe_key=f"exchange.retention_ended:{contract.id}",
        )
    db.session.commit()
    return total


def discard_stale_staged_uploads(*, now: datetime) -> int:
    """Delete staged PDFs nobody decided on within a day (neither copy was ever shared)."""
    keys: list[str] = []
    staged = services.stale_staged_uploads(now=now)
    for item in staged:
        keys += services.discard_staged_upload(actor=SYSTEM, staged=item)
    db.session.commit()
    services.discard_blobs(keys)
    return len(staged)
