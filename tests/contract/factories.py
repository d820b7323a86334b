"""Factories for contracts, documents and check results (flushed, never committed)."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime
from typing import Any

from portal.contract.models import (
    ClauseCheck,
    ClauseResult,
    ClauseStatus,
    Contract,
    ContractDocument,
    ContractKind,
    ContractStatus,
    DocumentRole,
)
from portal.extensions import db
from portal.filestore import get_filestore, new_key
from tests.factories import make_company, make_section

_seq = itertools.count(1)

TITLES = {
    "confidentiality": "秘密保持、目的外利用の禁止等の義務",
    "subcontracting": "再委託の制限又は事前承認等",
    "copying": "個人情報の複製等の制限",
    "safeguards": "個人情報の安全管理措置",
    "incident": "漏えい等の事案の発生時における対応",
    "return_erasure": "委託終了時における個人情報の消去及び媒体の返却",
    "termination_liability": "違反した場合における契約解除、損害賠償責任",
    "reporting_audit": "遵守状況の定期的報告及び監査等",
}
KEYS = tuple(TITLES)


def make_contract(
    *,
    section: Any = None,
    company: Any = None,
    status: ContractStatus = ContractStatus.DRAFT,
    fiscal_year: int = 2026,
    period_start: date | None = None,
    period_end: date | None = None,
    **kwargs: Any,
) -> Contract:
    n = next(_seq)
    contract = Contract(
        number=kwargs.pop("number", f"R8-T{n:05d}"),
        title=kwargs.pop("title", f"テスト業務委託{n}"),
        section_id=(section or make_section()).id,
        company_id=(company or make_company()).id,
        kind=kwargs.pop("kind", ContractKind.ITAKU),
        status=status,
        fiscal_year=fiscal_year,
        period_start=period_start or date(fiscal_year, 4, 1),
        period_end=period_end or date(fiscal_year + 1, 3, 31),
        pi_categories=kwargs.pop("pi_categories", "氏名、住所、生年月日"),
        people_count=kwargs.pop("people_count", 1000),
        minimum_scope=kwargs.pop("minimum_scope", "業務に必要な項目に限る。"),
        **kwargs,
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def make_document(
    contract: Contract,
    *,
    data: bytes = b"text",
    role: DocumentRole = DocumentRole.BODY,
    filename: str = "契約書.txt",
    file_kind: str = "text",
    version: int = 1,
    is_current: bool = True,
) -> ContractDocument:
    blob = get_filestore().save(
        new_key("contract", now=datetime.now(UTC)), io.BytesIO(data), "text/plain"
    )
    document = ContractDocument(
        contract_id=contract.id,
        role=role,
        version=version,
        is_current=is_current,
        file_kind=file_kind,
        page_count=1,
    )
    document.set_blob(blob, filename=filename, content_type="text/plain")
    db.session.add(document)
    db.session.flush()
    return document


def make_check(
    contract: Contract,
    statuses: dict[str, ClauseStatus] | None = None,
    *,
    document: ContractDocument | None = None,
) -> ClauseCheck:
    """A stored check with eight results; every clause present unless `statuses` says so."""
    statuses = statuses or {}
    check = ClauseCheck(contract_id=contract.id, profile="iruma", clause_set="iruma")
    for no, key in enumerate(KEYS, start=1):
        status = statuses.get(key, ClauseStatus.PRESENT)
        check.results.append(
            ClauseResult(
                no=no,
                key=key,
                title=TITLES[key],
                status=status,
                document=document,
                page=1 if status != ClauseStatus.MISSING else None,
                excerpt="" if status == ClauseStatus.MISSING else f"第{no}条の文言。",
                highlight_start=None if status == ClauseStatus.MISSING else 0,
                highlight_end=None if status == ClauseStatus.MISSING else 3,
            )
        )
    check.ok = all(r.status == ClauseStatus.PRESENT for r in check.results)
    db.session.add(check)
    db.session.flush()
    return check
