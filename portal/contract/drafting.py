"""個人情報取扱特記事項 drafted from a contract's particulars.

The text and its layout come from the engine (portal.clausecheck) and the active profile's
clause set; this module only supplies the particulars and stores the result as a document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.account.models import Actor
from portal.clausecheck.clauseset import ClauseSet
from portal.clausecheck.draft import (
    DraftError,
    DraftParticulars,
    FontNotFoundError,
    draft_tokki_docx,
    draft_tokki_pdf,
)
from portal.contract import services
from portal.contract.models import Contract, ContractKind, DocumentRole, HandlingLocation
from portal.errors import PortalError
from portal.profile import current_profile

DEFAULT_TEMPLATE = "tokki_jiko"
HAKEN_TEMPLATE = "haken"

CONTENT_TYPES: dict[str, str] = {
    "docx": services.CONTENT_TYPES["docx"],
    "pdf": services.CONTENT_TYPES["pdf"],
}


@dataclass(frozen=True)
class DraftedFile:
    data: bytes
    filename: str
    content_type: str


def particulars_for(contract: Contract) -> DraftParticulars:
    """The values the 特記事項 template fills in (no resident's personal information)."""
    cloud = contract.location == HandlingLocation.CLOUD
    place = contract.location_label
    if cloud and contract.cloud_provider:
        place = f"{place}（{contract.cloud_provider}）"
    profile = current_profile()

    def basis(duty: str) -> str:
        article = profile.article(duty)
        return f"{profile.rule_title}{article}の規定" if article else profile.rule_title

    return DraftParticulars(
        contract_title=contract.title,
        city_name=profile.city,
        contractor_name=contract.company.name,
        period_start=contract.period_start,
        period_end=contract.period_end,
        personal_info=contract.pi_categories or "本業務の実施に必要な個人情報",
        handling_place=place,
        sensitive=contract.sensitive,
        data_subjects=contract.people_count or None,
        # 入間市 第18条: the provider's country and the server's country are stated.
        cloud_provider_country=contract.cloud_provider_country if cloud else None,
        server_country=contract.cloud_server_country if cloud else None,
        rule_basis=basis("clauses"),
        dispatch_basis=basis("dispatch"),
    )


def template_for(contract: Contract, clause_set: ClauseSet) -> str:
    """The standard text: the 派遣 text when the clause set ships one (第37条第5項)."""
    if contract.kind == ContractKind.HAKEN and clause_set.text_path(HAKEN_TEMPLATE).is_file():
        return HAKEN_TEMPLATE
    return DEFAULT_TEMPLATE


def draft_special_terms(contract: Contract, fmt: str) -> DraftedFile:
    """The 特記事項 for this contract as DOCX or PDF (not stored)."""
    if fmt not in CONTENT_TYPES:
        raise PortalError("作成できる形式は DOCX 又は PDF です。")
    clause_set = services.clause_set_for(contract)
    particulars = particulars_for(contract)
    template = template_for(contract, clause_set)
    try:
        if fmt == "docx":
            data = draft_tokki_docx(particulars, clause_set, template=template)
        else:
            data = draft_tokki_pdf(particulars, clause_set, template=template)
    except (DraftError, FontNotFoundError) as err:
        # A configuration problem (standard text or font missing), not the user's mistake.
        raise PortalError(
            "特記事項を作成できませんでした（様式又はフォントの設定に問題があります）。"
            "システム管理者に連絡してください。"
        ) from err
    return DraftedFile(
        data=data,
        filename=f"個人情報取扱特記事項_{contract.number}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


def attach_special_terms(
    *, actor: Actor, contract: Contract, fmt: str, now: datetime
) -> services.UploadOutcome:
    """Draft the 特記事項 and add it as the contract's next 特記事項 version, checked."""
    drafted = draft_special_terms(contract, fmt)
    return services.upload_document(
        actor=actor,
        contract=contract,
        data=drafted.data,
        filename=drafted.filename,
        role=DocumentRole.SPECIAL_TERMS,
        now=now,
    )
