"""Demo: a two-tier chain on an active contract of company alpha —
alpha → gamma (its subsidiary, approved with a condition) → beta (再々委託, awaiting decision)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.account.models import Role, User
from portal.contract.models import Contract, ContractStatus, HandlingLocation
from portal.extensions import db
from portal.subcontract.services import (
    NewCompany,
    RequestDetails,
    approve_subcontract,
    create_subcontract,
    submit_subcontract,
)
from portal.wareki import fiscal_year

if TYPE_CHECKING:
    from portal.demo import DemoContext


def _active_contract(ctx: DemoContext) -> Contract:
    """The contract feature's demo runs first; use its active contract of alpha (preferring
    the 市民課), or make a minimal one when that demo is not there."""
    alpha = ctx.companies["alpha"]
    shimin = ctx.sections["shimin"]
    found = db.session.scalars(
        sa.select(Contract)
        .where(Contract.company_id == alpha.id, Contract.status == ContractStatus.ACTIVE)
        .order_by(sa.case((Contract.section_id == shimin.id, 0), else_=1), Contract.id)
        .limit(1)
    ).first()
    if found is not None:
        return found
    fy = fiscal_year(ctx.today)
    contract = Contract(
        number=f"R{fy}-SUB-DEMO-001",
        title="住民異動届出データ入力業務委託",
        section_id=shimin.id,
        company_id=alpha.id,
        status=ContractStatus.ACTIVE,
        fiscal_year=fy,
        period_start=date(fy, 4, 1),
        period_end=date(fy + 1, 3, 31),
        pi_categories="氏名、住所、生年月日、性別、異動事由",
        people_count=12000,
        location=HandlingLocation.CONTRACTOR_SITE,
        minimum_scope="異動届の入力に必要な項目に限る。",
        created_by_id=ctx.users["proc_shimin"].id,
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def _manager_of(ctx: DemoContext, contract: Contract) -> User:
    for user in ctx.users.values():
        if user.role == Role.PROTECTION_MANAGER and user.section_id == contract.section_id:
            return user
    manager = db.session.scalars(
        sa.select(User).where(
            User.role == Role.PROTECTION_MANAGER, User.section_id == contract.section_id
        )
    ).first()
    if manager is None:
        raise RuntimeError(f"no 保護管理者 for the section of contract {contract.number}")
    return manager


def load(ctx: DemoContext) -> None:
    contract = _active_contract(ctx)
    manager = _manager_of(ctx, contract)
    base = ctx.now - timedelta(days=20)

    tier1 = create_subcontract(
        actor=ctx.users["vendor_alpha"],
        contract=contract,
        subcontractor=ctx.companies["gamma"],
        details=RequestDetails(
            work_part="入力データのクラウド上での保管及びバックアップ",
            pi_description="氏名、住所、生年月日（入力済みデータ）",
            people_count=12000,
            is_subsidiary=True,
            location=HandlingLocation.CLOUD,
            location_detail="ガンマデータサービス 東京データセンター",
            cloud_provider="ガンマクラウド",
            cloud_provider_country="日本",
            cloud_server_country="日本",
            reason="24時間の監視体制と国内データセンターでの冗長保管のため。",
            safeguards="ISMAP登録サービスを利用し、通信・保存時とも暗号化。アクセスは業務従事者に限定。",
            same_measures_pledged=True,
        ),
        now=base,
    )
    submit_subcontract(actor=ctx.users["vendor_alpha"], sub=tier1, now=base + timedelta(hours=2))
    approve_subcontract(
        actor=manager,
        sub=tier1,
        reason="ISMAP登録のクラウドで国内保管されており、安全管理措置が十分なため。",
        conditions="年度内に再委託先の実地検査（又は書面検査）を行うこと。",
        # the demo's pledge is a paper one (no attached file): the manager confirmed it by hand
        acknowledged_risks=True,
        now=base + timedelta(days=3),
    )

    beta = ctx.companies["beta"]
    # gamma has never asked for beta: it names beta by its 法人番号 (the registered company).
    tier2 = create_subcontract(
        actor=ctx.users["vendor_gamma"],
        contract=contract,
        parent=tier1,
        new_subcontractor=NewCompany(name=beta.name, corporate_number=beta.corporate_number),
        details=RequestDetails(
            work_part="保管データのバックアップ媒体の印刷・封入（年1回の通知書発送分）",
            pi_description="氏名、住所",
            people_count=12000,
            location=HandlingLocation.CONTRACTOR_SITE,
            location_detail="ベータ印刷株式会社 入間工場（埼玉県入間市）",
            reason="通知書の大量印刷設備を持たないため。",
            safeguards="印刷工程は入退室管理された専用区画で行い、損紙は工場内で裁断処理する。",
            same_measures_pledged=True,
        ),
        now=base + timedelta(days=10),
    )
    submit_subcontract(actor=ctx.users["vendor_gamma"], sub=tier2, now=base + timedelta(days=11))
    ctx.extra["subcontracts"] = {"tier1": tier1, "tier2": tier2}
