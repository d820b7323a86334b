"""Exchange jobs: idempotent, select by state, commit themselves."""

from __future__ import annotations

from datetime import datetime

from portal.account.models import SYSTEM
from portal.contract.models import Contract
from portal.exchange import services
from portal.extensions import db
from portal.notification.recipients import section_managers
from portal.notification.services import notify
from portal.wareki import wareki_date


def purge_expired_exchange_documents(
    *, now: datetime, expired: list[tuple[Contract, int]] | None = None
) -> int:
    """List the exchange documents whose retention has ended and tell each section's 保護管理者.

    Deletion itself is the 保護管理者's decision (the contract page's button, audited); this job
    only announces what is eligible, once per contract. `expired` is
    `services.expired_contracts(now=now)` when the caller has it already (the CLI prints it).
    Returns the number of eligible documents.
    """
    if expired is None:
        expired = services.expired_contracts(now=now)
    for contract, count in expired:
        ends = services.retention_ends_at(contract)
        notify(
            recipients=section_managers(contract.section_id),
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
    return sum(count for _contract, count in expired)


def discard_stale_staged_uploads(*, now: datetime) -> int:
    """Delete staged PDFs nobody decided on within a day (neither copy was ever shared)."""
    keys: list[str] = []
    staged = services.stale_staged_uploads(now=now)
    for item in staged:
        keys += services.discard_staged_upload(actor=SYSTEM, staged=item)
    db.session.commit()
    services.discard_blobs(keys)
    return len(staged)
