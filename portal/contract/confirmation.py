"""Asking the 保護管理者 to confirm a clause result: procurement cannot decide on a clause the
check did not find, so instead of being told to "ask the 保護管理者" it sends the request
from the contract page. The request goes to the section's 保護管理者 (notification, home
page, mail digest) and is answered by the judgement they register on that clause."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.account.models import Role, User
from portal.audit.services import record
from portal.contract.models import (
    ClauseOverride,
    ConfirmationRequest,
    ConfirmationStatus,
    Contract,
)
from portal.errors import PortalError
from portal.extensions import db
from portal.notification.recipients import section_managers
from portal.notification.services import notify
from portal.profile import current_profile

REASON_MAX = 2000


def open_requests(contract: Contract) -> dict[str, ConfirmationRequest]:
    """The open request per clause key of one contract."""
    rows = db.session.scalars(
        sa.select(ConfirmationRequest).where(
            ConfirmationRequest.contract_id == contract.id,
            ConfirmationRequest.status == ConfirmationStatus.OPEN,
        )
    )
    return {row.key: row for row in rows}


def waiting_for(user: User, *, limit: int = 10) -> tuple[int, list[ConfirmationRequest]]:
    """Open requests for a 保護管理者's section: how many, and the oldest first."""
    if user.role != Role.PROTECTION_MANAGER or user.section_id is None:
        return 0, []
    where = sa.and_(
        ConfirmationRequest.status == ConfirmationStatus.OPEN,
        ConfirmationRequest.contract_id.in_(
            sa.select(Contract.id).where(Contract.section_id == user.section_id)
        ),
    )
    count = db.session.scalar(sa.select(sa.func.count()).where(where)) or 0
    rows = list(
        db.session.scalars(
            sa.select(ConfirmationRequest)
            .where(where)
            .order_by(ConfirmationRequest.requested_at, ConfirmationRequest.id)
            .limit(limit)
        )
    )
    return count, rows


def request_confirmation(
    *,
    actor: User,
    contract: Contract,
    key: str,
    title: str,
    reason: str,
    url: str,
    now: datetime,
) -> ConfirmationRequest:
    """Procurement asks for the 保護管理者's judgement on clause `key` (audited, notified)."""
    reason = reason.strip()
    if not reason:
        raise PortalError("確認を依頼する理由を入力してください（どこに書かれているか等）。")
    if len(reason) > REASON_MAX:
        raise PortalError(f"理由は{REASON_MAX}文字以内で入力してください。")
    if key in open_requests(contract):
        raise PortalError(
            f"「{title}」はすでに確認を依頼しています。"
            f"{current_profile().role_label('protection_manager')}の判断をお待ちください。"
        )
    managers = section_managers(contract.section_id)
    if not managers:
        raise PortalError(
            f"この課には{current_profile().role_label('protection_manager')}が登録されていないため、"
            "依頼できません。システム管理者に連絡してください。"
        )
    request = ConfirmationRequest(
        contract_id=contract.id,
        key=key,
        reason=reason,
        status=ConfirmationStatus.OPEN,
        requested_by_id=actor.id,
        requested_at=now,
    )
    db.session.add(request)
    db.session.flush()
    record(
        actor,
        "clause.confirmation_requested",
        request,
        contract_id=contract.id,
        data={"key": key},
    )
    notify(
        recipients=managers,
        kind="clause.confirmation_requested",
        subject=f"条項の確認依頼: {contract.title}「{title}」",
        body=f"依頼者: {actor.name}\n理由: {reason}",
        obj=request,
        url=url,
        contract_id=contract.id,
    )
    return request


def answer_with(override: ClauseOverride, *, actor: User, url: str, now: datetime) -> list[int]:
    """The 保護管理者's judgement answers the open request on that clause; the requester is told.
    Called by the judgement's service inside its transaction; returns the requests answered."""
    answered = []
    request = open_requests(override.contract).get(override.key)
    if request is not None:
        request.status = ConfirmationStatus.ANSWERED
        request.answered_by_id = actor.id
        request.answered_at = now
        request.override_id = override.id
        answered.append(request.id)
        notify(
            recipients=[request.requested_by],
            kind="clause.confirmation_answered",
            subject=f"条項の確認依頼に判断がありました: {override.contract.title}",
            body=f"判断: {override.status_label}\n理由: {override.reason}",
            obj=request,
            url=url,
            contract_id=override.contract_id,
        )
    return answered
