"""再委託 services. `approved_tiers*` is the one entry point later stages (inspections,
erasure certificates, document exchange) use to reach every approved tier (入間市 第37条第4項)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.contract.models import Contract
from portal.extensions import db
from portal.subcontract.models import SubcontractRequest, SubcontractStatus


def _effective(rows: list[SubcontractRequest]) -> list[SubcontractRequest]:
    """Keep approved tiers whose whole chain up to the contract is approved (a rejected or
    withdrawn tier blocks every descendant)."""
    by_id = {r.id: r for r in rows}
    kept = []
    for row in rows:
        node: SubcontractRequest | None = row
        ok = True
        while node is not None:
            if node.status != SubcontractStatus.APPROVED:
                ok = False
                break
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
            if node is None and row.parent_id is not None and row.parent_id not in by_id:
                ok = False
                break
        if ok:
            kept.append(row)
    return sorted(kept, key=lambda r: (r.tier, r.id))


def approved_tiers_for(
    contract_ids: Collection[int] | None = None,
) -> dict[int, list[SubcontractRequest]]:
    """Approved, unbroken tiers per contract id — one query whatever the number of contracts.
    `None` means every contract."""
    stmt = (
        sa.select(SubcontractRequest)
        .where(SubcontractRequest.status == SubcontractStatus.APPROVED)
        .options(so.joinedload(SubcontractRequest.subcontractor))
        .order_by(SubcontractRequest.contract_id, SubcontractRequest.tier, SubcontractRequest.id)
    )
    if contract_ids is not None:
        if not contract_ids:
            return {}
        stmt = stmt.where(SubcontractRequest.contract_id.in_(list(contract_ids)))
    grouped: dict[int, list[SubcontractRequest]] = defaultdict(list)
    for row in db.session.scalars(stmt).unique():
        grouped[row.contract_id].append(row)
    return {cid: _effective(rows) for cid, rows in grouped.items()}


def approved_tiers(contract: Contract) -> list[SubcontractRequest]:
    """Every approved tier of one contract, ordered by tier."""
    return approved_tiers_for([contract.id]).get(contract.id, [])
