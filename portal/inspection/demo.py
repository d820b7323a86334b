"""Demo: one 年度 with a mix of inspections on the demo's active contracts —
one done (○ with one △), one recorded with a × whose corrective action is still open, one
再委託 tier planned 委託先を通じて, and the rest unplanned past the deadline (overdue).

The 年度 is the current one once its scheduling deadline has passed (so unplanned targets
really are overdue); before that (April–June), the previous 年度, which has ended.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.account.models import SYSTEM, Actor, Role, User
from portal.contract.models import Contract, ContractStatus, HandlingLocation
from portal.extensions import db
from portal.inspection import services
from portal.inspection.models import Inspection, InspectionMethod, InspectorKind, ItemResult
from portal.inspection.rules import deadlines
from portal.profile import Profile, current_profile
from portal.subcontract.services import approved_tiers_for
from portal.wareki import fiscal_year, fiscal_year_bounds

if TYPE_CHECKING:
    from portal.demo import DemoContext

_TITLES = (
    "住民税当初課税データパンチ業務委託",
    "介護保険認定調査票入力業務委託",
    "国民健康保険証印刷封入業務委託",
    "子育て支援アンケート集計業務委託",
)
_MIN_CONTRACTS = 4


def _staff(ctx: DemoContext, role: Role, *, section_id: int | None = None) -> User | None:
    for user in ctx.users.values():
        if user.role == role and (section_id is None or user.section_id == section_id):
            return user
    return None


def _contractor(ctx: DemoContext, company_id: int) -> Actor:
    for user in ctx.users.values():
        if user.role == Role.CONTRACTOR and user.company_id == company_id:
            return user
    return SYSTEM


def _usable(ctx: DemoContext, fy: int) -> list[Contract]:
    """Active contracts running through 年度 `fy` and today, in a section with a 保護管理者."""
    start, end = fiscal_year_bounds(fy)
    managed = {u.section_id for u in ctx.users.values() if u.role == Role.PROTECTION_MANAGER}
    rows = db.session.scalars(
        sa.select(Contract)
        .where(
            Contract.status == ContractStatus.ACTIVE,
            Contract.period_start <= start + timedelta(days=30),
            Contract.period_end >= max(end, ctx.today),
        )
        .order_by(Contract.id)
    ).all()
    return [c for c in rows if c.section_id in managed]


def _make_contracts(ctx: DemoContext, fy: int, have: int) -> None:
    sections = [ctx.sections["shimin"], ctx.sections["fukushi"]]
    companies = [ctx.companies["beta"], ctx.companies["alpha"], ctx.companies["gamma"]]
    proc = _staff(ctx, Role.PROCUREMENT)
    for n in range(have, _MIN_CONTRACTS):
        db.session.add(
            Contract(
                number=f"R{fy}-INSP-DEMO-{n + 1:03d}",
                title=_TITLES[n % len(_TITLES)],
                section_id=sections[n % 2].id,
                company_id=companies[n % 3].id,
                status=ContractStatus.ACTIVE,
                fiscal_year=fy,
                period_start=date(fy, 4, 1),
                period_end=date(fy + 2, 3, 31),
                pi_categories="氏名、住所、生年月日",
                people_count=5000 + 1000 * n,
                location=HandlingLocation.CONTRACTOR_SITE,
                minimum_scope="業務に必要な項目に限る。",
                created_by_id=proc.id if proc else None,
            )
        )
    db.session.flush()


def _planned_and_answered(
    ctx: DemoContext,
    profile: Profile,
    contract: Contract,
    on: date,
    *,
    written_reason: str = "",
    answered_days_before: int,
) -> tuple[Inspection, Actor]:
    """An inspection of the contractor planned a month before `on` and answered in full by
    the contractor; returns it with the section's 保護管理者 who records it."""
    manager = _staff(ctx, Role.PROTECTION_MANAGER, section_id=contract.section_id)
    inspection = services.schedule_inspection(
        actor=manager or SYSTEM,
        profile=profile,
        contract=contract,
        subcontract=None,
        scheduled_on=on,
        method=InspectionMethod.WRITTEN if written_reason else InspectionMethod.ONSITE,
        written_reason=written_reason,
        inspector=manager,
        today=on - timedelta(days=30),
    )
    services.save_answers(
        actor=_contractor(ctx, inspection.company_id),
        inspection=inspection,
        answers={
            i.key: "規程どおり実施しています。根拠資料は別添のとおりです。"
            for i in inspection.items
        },
        submit=True,
        today=on - timedelta(days=answered_days_before),
        now=ctx.now,
    )
    return inspection, manager or SYSTEM


def _done(ctx: DemoContext, profile: Profile, contract: Contract, on: date) -> None:
    inspection, manager = _planned_and_answered(ctx, profile, contract, on, answered_days_before=3)
    keys = [i.key for i in inspection.items]
    results = {k: ItemResult.OK for k in keys}
    results[keys[1]] = ItemResult.IMPROVED  # 指導により改善 (研修記録の様式)
    results[keys[-3]] = ItemResult.NOT_APPLICABLE  # 再委託なし
    services.record_inspection(
        actor=manager,
        profile=profile,
        inspection=inspection,
        results=results,
        notes={keys[1]: "研修記録に受講者の署名欄がなかったため、その場で様式を改めた。"},
        findings="管理体制・実施体制とも適正。研修記録の様式について指導し、改善を確認した。",
        performed_on=on,
        today=on + timedelta(days=2),
        now=ctx.now,
    )


def _open_action(ctx: DemoContext, profile: Profile, contract: Contract, on: date) -> None:
    inspection, manager = _planned_and_answered(
        ctx,
        profile,
        contract,
        on,
        written_reason="取り扱う個人情報が限定的で、書面による報告と資料で管理状況を確認できるため。",
        answered_days_before=2,
    )
    keys = [i.key for i in inspection.items]
    storage = "storage" if "storage" in keys else keys[3]
    results = {k: ItemResult.OK for k in keys}
    results[storage] = ItemResult.NEEDS_IMPROVEMENT
    services.record_inspection(
        actor=manager,
        profile=profile,
        inspection=inspection,
        results=results,
        notes={storage: "申請書の原本が施錠されていない書庫に保管されていた。"},
        findings="保管場所の施錠管理に不備。是正措置を求める。",
        performed_on=on,
        actions=[
            services.ActionInput(
                item_key=storage,
                description="申請書原本を施錠できる書庫へ移し、鍵の管理簿を整備すること。",
                owner="業務責任者",
                due_on=on + timedelta(days=30),
            )
        ],
        today=on + timedelta(days=1),
        now=ctx.now,
    )


def load(ctx: DemoContext) -> None:
    profile = current_profile()
    fy = fiscal_year(ctx.today)
    if ctx.today <= deadlines(profile.inspection, fy).schedule_by:
        fy -= 1  # the current 年度 cannot have an overdue target yet
    contracts = _usable(ctx, fy)
    if len(contracts) < _MIN_CONTRACTS:
        _make_contracts(ctx, fy, len(contracts))
        contracts = _usable(ctx, fy)
    start, end = fiscal_year_bounds(fy)
    anchor = min(ctx.today, end)
    done_on = max(anchor - timedelta(days=45), start + timedelta(days=35))
    _done(ctx, profile, contracts[0], done_on)
    _open_action(ctx, profile, contracts[1], max(anchor - timedelta(days=20), done_on))
    # contracts[2:] stay unplanned: overdue once the scheduling deadline has passed.
    ctx.extra["inspection_fiscal_year"] = fy

    if fy == fiscal_year(ctx.today):
        # A 再委託 tier checked 委託先を通じて (第37条第4項), planned for a date ahead.
        tiers = approved_tiers_for([c.id for c in contracts])
        for contract in contracts:
            for tier in tiers.get(contract.id, []):
                when = min(ctx.today + timedelta(days=21), contract.period_end, end)
                if when <= ctx.today:
                    continue
                manager = _staff(ctx, Role.PROTECTION_MANAGER, section_id=contract.section_id)
                services.schedule_inspection(
                    actor=manager or SYSTEM,
                    profile=profile,
                    contract=contract,
                    subcontract=tier,
                    scheduled_on=when,
                    method=InspectionMethod.WRITTEN,
                    written_reason="再委託先の業務はデータ保管に限られ、委託先による書面確認で足りるため。",
                    inspector_kind=InspectorKind.VIA_CONTRACTOR,
                    today=ctx.today,
                )
                return
