"""The rules the scheduler chases, one class per rule (each a constant number of queries).

- inspection_unscheduled: a 年度 target not scheduled by `schedule_by` (入間市 第37条第3項)
  → 保護管理者; escalation → 総括保護管理者.
- inspection_record_missing: the scheduled date passed without a record → before the date the
  contractor (evidence), after it the 保護管理者 (and the contractor while evidence is missing).
- inspection_year_end: no counting inspection as the 年度 nears its end → 保護管理者 and the
  contractor (evidence); escalation → 総括保護管理者.
- corrective_action_overdue: an open 是正措置 past its due date → the contractor while open,
  the 保護管理者 once answered; escalation → 総括保護管理者.
- subcontract_decision: a 再委託 request waiting too long for a decision (第37条第4項)
  → 保護管理者.
- erasure_overdue: 消去・廃棄証明 not accepted by the due date (第16条第2項) → the contractor,
  then the 保護管理者 (a submission under review: the 保護管理者).
- certificate_expiry: ISMS / Pマーク / ISMAP about to expire → the contractor and the 契約担当
  of sections with active contracts with it.

広島市 (`overdue_is_violation = false`, 第10 4「努める」): the inspection rules warn the
保護管理者 instead of escalating to the 総括保護管理者.
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.chase.base import (
    SEVERITY_LABELS,
    Audience,
    ChaseContext,
    DueItem,
    Severity,
    Stage,
    before_stages,
    escalation_stage,
)
from portal.contract.models import Contract, ContractStatus
from portal.extensions import db
from portal.org.models import (
    CERTIFICATE_LABELS,
    CertificateKind,
    Company,
    CompanyCertificate,
    Section,
)
from portal.subcontract.models import SubcontractRequest, SubcontractStatus
from portal.wareki import JST, fiscal_year, fiscal_year_bounds, fiscal_year_label, wareki_date

# How long after its last stage a rule keeps looking at an item (a scheduler that was down
# for longer than this does not send month-old reminders when it comes back).
LATE_LIMIT_DAYS = 30
SUBJECT_MAX = 200

PM = frozenset({Audience.SECTION_PM})
CONTRACTOR = frozenset({Audience.CONTRACTOR})
PM_AND_CONTRACTOR = frozenset({Audience.SECTION_PM, Audience.CONTRACTOR})
CONTRACTOR_AND_PROCUREMENT = frozenset({Audience.CONTRACTOR, Audience.SECTION_PROCUREMENT})

CONTRACT_PATH = "/contracts/{}"
SUBCONTRACT_PATH = "/subcontracts/{}"
INSPECTION_PATH = "/inspections/{}"
COMPANY_PATH = "/companies/{}"
ERASURE_CASE_PATH = "/erasure/contracts/{}"


def _rows(stmt: Any) -> Any:
    """Run a read on the session's connection without the ORM's per-row result handling
    (plain column tuples; ~3x faster on 100,000 rows, same transaction)."""
    return db.session.connection().execute(stmt)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@lru_cache(maxsize=4096)
def _wareki(d: date) -> str:
    return wareki_date(d)


def _jst_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=JST)


def _jst_day(ts: datetime) -> date:
    return ts.astimezone(JST).date()


def _subject(stage: Stage, text: str, title: str) -> str:
    subject = f"【{SEVERITY_LABELS[stage.severity]}】{text}: {title}"
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


def contract_title(number: str, title: str) -> str:
    return f"{number} {title}"


def _tier_label(tier: int) -> str:
    if tier <= 0:
        return "委託先"
    return "再委託先" if tier == 1 else f"再{'々' * (tier - 1)}委託先"


def _days_text(stage: Stage, due_on: date, today: date) -> str:
    if stage.severity == Severity.REMINDER:
        return f"期限まであと{(due_on - today).days}日です。"
    late = (today - due_on).days
    return f"期限を{late}日過ぎています。" if late > 0 else "本日が期限です。"


def _body(item: DueItem, stage: Stage, ctx: ChaseContext, lines: Iterable[str], *lead: str) -> str:
    out = [*lead, "", *lines]
    out.append(f"期限: {_wareki(item.due_on)}（{_days_text(stage, item.due_on, ctx.today)}）")
    if stage.severity == Severity.ESCALATION:
        roles = ctx.profile.roles
        out.append(
            f"{roles['protection_manager']}への督促後も対応が確認できないため、"
            f"{roles['chief']}へ報告しています。"
        )
    if stage.severity == Severity.WARNING:
        out.append(
            f"{ctx.profile.cite('inspection') or ctx.profile.rule_title} は努力義務のため、"
            "違反ではなく注意としてお知らせしています。"
        )
    return "\n".join(out)


def _overdue_from(due_on: date) -> date:
    """The due date is the last day allowed: overdue from the next day."""
    return due_on + timedelta(days=1)


def _stages(
    ctx: ChaseContext,
    due: date,
    remind: frozenset[Audience] | None,
    overdue: frozenset[Audience],
) -> tuple[Stage, ...]:
    """The usual stages: reminders to `remind` before `due` (none when None), overdue to
    `overdue` from the next day, then the escalation (or 広島市's warning). Built once per
    distinct argument set in a run: 100,000 items share a few hundred due dates."""
    cache: dict[tuple[Any, ...], tuple[Stage, ...]] = ctx.cache.setdefault("stages", {})
    key = (due, remind, overdue)
    found = cache.get(key)
    if found is None:
        chase = ctx.profile.chase
        late = _overdue_from(due)
        found = cache[key] = (
            *(before_stages(due, chase.remind_days_before, remind) if remind else ()),
            Stage("due", late, Severity.OVERDUE, overdue),
            escalation_stage(late + timedelta(days=chase.escalate_after_days), ctx),
        )
    return found


class Chaser:
    """One rule. It finds its open items (`due_items`, a constant number of queries) and
    gives, per item, its subject text and lead (`texts`), its facts (`lines`) and where the
    duty is written (`basis`); `message` assembles them, the body only when asked (a dry run
    reports subjects only)."""

    rule = ""
    label = ""  # Japanese, for reports and history

    def available(self) -> bool:
        """False when the feature it reads is not installed yet."""
        return True

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        raise NotImplementedError

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        raise NotImplementedError

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        raise NotImplementedError

    def basis(self, ctx: ChaseContext) -> tuple[str, ...]:
        return ()

    def message(
        self, item: DueItem, stage: Stage, ctx: ChaseContext, *, with_body: bool = True
    ) -> tuple[str, str]:
        text, lead = self.texts(item, stage, ctx)
        subject = _subject(stage, text, item.title)
        if not with_body:
            return subject, ""
        return subject, _body(item, stage, ctx, self.lines(item, ctx), lead, *self.basis(ctx))


def _companies(first: int | None, second: int | None = None) -> tuple[int, ...]:
    if first is None:
        return () if second is None else (second,)
    return (first,) if second is None or second == first else (first, second)


# --- 年度 inspections (portal.inspection) -------------------------------------------------


class InspectionTarget(NamedTuple):
    """A contract (tier 0) or approved 再委託 tier of an ACTIVE contract with no counting
    inspection recorded in the window yet, and its open inspection of the 年度, if any."""

    contract_id: int
    subcontract_id: int | None
    tier: int
    number: str
    title: str
    section_id: int
    section_name: str
    contractor_id: int
    contractor_name: str
    company_id: int  # the inspected company
    company_name: str
    start: date | None  # start of the duty (contract period / tier approval)
    open_id: int | None
    open_status: str | None
    open_on: date | None

    @property
    def ref(self) -> tuple[str, int]:
        if self.subcontract_id is None:
            return "Contract", self.contract_id
        return "SubcontractRequest", self.subcontract_id

    @property
    def url(self) -> str:
        if self.subcontract_id is not None:
            return SUBCONTRACT_PATH.format(self.subcontract_id)
        return CONTRACT_PATH.format(self.contract_id)

    def lines(self) -> list[str]:
        out = [
            f"契約: {contract_title(self.number, self.title)}",
            f"所管課: {self.section_name}",
            f"委託先: {self.contractor_name}",
        ]
        if self.tier:
            out.append(f"検査対象: {_tier_label(self.tier)} {self.company_name}")
        return out


def inspection_targets(ctx: ChaseContext) -> list[InspectionTarget]:
    """Unsatisfied inspection targets of the current 年度 (three queries, cached per run).

    The same targets and the same "satisfied" rule as the inspection feature's status page
    (`portal.inspection.status.compute_status`, checked equal in tests/chase), but read the
    way a chase over 100,000 contracts needs: the database drops the satisfied ones and picks
    each target's open inspection, so only what may be due comes back to Python.
    """
    if "inspection_targets" in ctx.cache:
        return ctx.cache["inspection_targets"]  # type: ignore[no-any-return]
    from portal.inspection.models import Inspection, InspectionMethod, InspectionStatus
    from portal.inspection.rules import window_years

    rules = ctx.profile.inspection
    fy = fiscal_year(ctx.today)
    fy_start, fy_end = fiscal_year_bounds(fy)
    first_fy = fy - window_years(rules) + 1
    counting = sa.and_(
        Inspection.status == InspectionStatus.RECORDED,
        sa.true() if rules.written_counts else Inspection.method == InspectionMethod.ONSITE,
    )
    satisfied = (
        sa.select(Inspection.contract_id, Inspection.subcontract_id)
        .where(Inspection.fiscal_year.between(first_fy, fy), counting)
        .distinct()
        .subquery()
    )
    open_ranked = (
        sa.select(
            Inspection.id,
            Inspection.contract_id,
            Inspection.subcontract_id,
            sa.type_coerce(Inspection.status, sa.String).label("status"),
            Inspection.scheduled_on,
            sa.func.row_number()
            .over(
                partition_by=(Inspection.contract_id, Inspection.subcontract_id),
                order_by=(Inspection.scheduled_on.desc(), Inspection.id.desc()),
            )
            .label("rn"),
        )
        .where(
            Inspection.fiscal_year == fy,
            Inspection.status.in_(
                [InspectionStatus.SCHEDULED, InspectionStatus.EVIDENCE_SUBMITTED]
            ),
        )
        .subquery()
    )
    inspected_this_year = sa.select(Inspection.contract_id).where(
        Inspection.fiscal_year == fy, Inspection.status != InspectionStatus.CANCELLED
    )
    in_scope = sa.and_(
        Contract.status == ContractStatus.ACTIVE,
        sa.or_(
            sa.and_(Contract.period_start <= fy_end, Contract.period_end >= fy_start),
            Contract.id.in_(inspected_this_year),
        ),
    )
    contract_cols = (
        Contract.id,
        Contract.number,
        Contract.title,
        Contract.section_id,
        Section.name,
        Contract.company_id,
        Company.name,
        Contract.period_start,
    )
    # 1. The contractors themselves (tier 0).
    stmt = (
        sa.select(
            *contract_cols, open_ranked.c.id, open_ranked.c.status, open_ranked.c.scheduled_on
        )
        .join(Section, Section.id == Contract.section_id)
        .join(Company, Company.id == Contract.company_id)
        .outerjoin(
            satisfied,
            sa.and_(satisfied.c.contract_id == Contract.id, satisfied.c.subcontract_id.is_(None)),
        )
        .outerjoin(
            open_ranked,
            sa.and_(
                open_ranked.c.contract_id == Contract.id,
                open_ranked.c.subcontract_id.is_(None),
                open_ranked.c.rn == 1,
            ),
        )
        .where(in_scope, satisfied.c.contract_id.is_(None))
    )
    # Positional construction: this runs once per unsatisfied contract (the inspected company
    # of tier 0 is the contractor itself).
    targets = [
        InspectionTarget(
            r[0], None, 0, r[1], r[2], r[3], r[4], r[5], r[6], r[5], r[6], r[7], r[8], r[9], r[10]
        )
        for r in _rows(stmt)
    ]
    # 2. The 再委託 tiers: approved (with every tier above approved), or inspected this 年度.
    sub_co = so.aliased(Company)
    tier_rows = _rows(
        sa.select(
            *contract_cols,
            SubcontractRequest.id,
            SubcontractRequest.parent_id,
            SubcontractRequest.status,
            SubcontractRequest.tier,
            SubcontractRequest.subcontractor_id,
            sub_co.name,
            SubcontractRequest.decided_at,
        )
        .join(Contract, Contract.id == SubcontractRequest.contract_id)
        .join(Section, Section.id == Contract.section_id)
        .join(Company, Company.id == Contract.company_id)
        .join(sub_co, sub_co.id == SubcontractRequest.subcontractor_id)
        .where(
            in_scope,
            sa.or_(
                SubcontractRequest.status == SubcontractStatus.APPROVED,
                SubcontractRequest.id.in_(
                    sa.select(Inspection.subcontract_id).where(
                        Inspection.fiscal_year == fy,
                        Inspection.status != InspectionStatus.CANCELLED,
                    )
                ),
            ),
        )
    ).all()
    if tier_rows:
        approved = {r[8]: r[9] for r in tier_rows if r[10] == SubcontractStatus.APPROVED}

        def unbroken(sub_id: int) -> bool:
            node: int | None = sub_id
            while node is not None:
                if node not in approved:
                    return False
                node = approved[node]
            return True

        # 3. Facts of the tiers (their inspections of the window), grouped in Python: few.
        facts: dict[int, list[tuple[int, str, str, int, date]]] = defaultdict(list)
        for iid, sub_id, status, method, fy_of, on in _rows(
            sa.select(
                Inspection.id,
                Inspection.subcontract_id,
                Inspection.status,
                Inspection.method,
                Inspection.fiscal_year,
                Inspection.scheduled_on,
            ).where(
                Inspection.subcontract_id.is_not(None),
                Inspection.fiscal_year.between(first_fy, fy),
                Inspection.status != InspectionStatus.CANCELLED,
            )
        ):
            if sub_id is not None:
                facts[sub_id].append((iid, str(status), str(method), fy_of, on))
        for row in tier_rows:
            cid, number, title, sid, sname, co_id, co_name, period_start = row[:8]
            sub_id, _parent, status, tier, sub_company, sub_name, decided_at = row[8:]
            mine = facts.get(sub_id, [])
            if status == SubcontractStatus.APPROVED and unbroken(sub_id):
                decided = _jst_day(decided_at) if decided_at else None
                start = max(d for d in (period_start, decided) if d is not None)
            elif any(f[3] == fy for f in mine):
                start = None  # no longer approved, but inspected this 年度: it stays
            else:
                continue
            if any(
                f[1] == InspectionStatus.RECORDED
                and (rules.written_counts or f[2] == InspectionMethod.ONSITE)
                for f in mine
            ):
                continue
            open_now = [
                f
                for f in mine
                if f[3] == fy
                and f[1] in (InspectionStatus.SCHEDULED, InspectionStatus.EVIDENCE_SUBMITTED)
            ]
            best = max(open_now, key=lambda f: (f[4], f[0])) if open_now else None
            targets.append(
                InspectionTarget(
                    contract_id=cid,
                    subcontract_id=sub_id,
                    tier=tier,
                    number=number,
                    title=title,
                    section_id=sid,
                    section_name=sname,
                    contractor_id=co_id,
                    contractor_name=co_name,
                    company_id=sub_company,
                    company_name=sub_name,
                    start=start,
                    open_id=best[0] if best else None,
                    open_status=best[1] if best else None,
                    open_on=best[4] if best else None,
                )
            )
    ctx.cache["inspection_targets"] = targets
    return targets


class _InspectionChaser(Chaser):
    def available(self) -> bool:
        return _installed("portal.inspection.rules")

    def enabled(self, ctx: ChaseContext) -> bool:
        # required = false: nothing is ever overdue (the status page still shows it).
        return ctx.profile.inspection.required

    def _deadlines(self, ctx: ChaseContext, start: date | None) -> Any:
        """The inspection feature's own deadline rule, once per distinct start date."""
        from portal.inspection.rules import deadlines

        cache: dict[date | None, Any] = ctx.cache.setdefault("inspection_deadlines", {})
        found = cache.get(start)
        if found is None:
            found = cache[start] = deadlines(ctx.profile.inspection, fiscal_year(ctx.today), start)
        return found

    def basis(self, ctx: ChaseContext) -> tuple[str, ...]:
        citation = ctx.profile.cite("inspection")
        return (f"根拠: {citation}",) if citation else ()

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        t: InspectionTarget = item.detail
        return t.lines()

    def _item(
        self,
        t: InspectionTarget,
        ctx: ChaseContext,
        due: date,
        stages: tuple[Stage, ...],
        ref: tuple[str, int] | None = None,
        url: str | None = None,
    ) -> DueItem:
        object_type, object_id = ref or t.ref
        co, inspected = t.contractor_id, t.company_id
        return DueItem(
            self.rule,
            object_type,
            object_id,
            due,
            contract_title(t.number, t.title),
            stages,
            f"fy{fiscal_year(ctx.today)}",
            t.contract_id,
            (t.section_id,),
            (co,) if co == inspected else (co, inspected),
            url or t.url,
            t,
        )


class InspectionUnscheduledChaser(_InspectionChaser):
    """Targets of the current 年度 with no inspection planned by the scheduling deadline."""

    rule = "inspection_unscheduled"
    label = "年度検査の未計画"

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        if not self.enabled(ctx):
            return
        for t in inspection_targets(ctx):
            if t.open_id is None:
                due = self._deadlines(ctx, t.start).schedule_by
                yield self._item(t, ctx, due, _stages(ctx, due, PM, PM))

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        label = fiscal_year_label(fiscal_year(ctx.today))
        return (
            f"{label}の実地検査が計画されていません",
            f"{label}の検査（原則実地）の予定を、{_wareki(item.due_on)}までに登録してください。",
        )


class InspectionRecordMissingChaser(_InspectionChaser):
    """Planned inspections: evidence before the date (contractor), a record after it."""

    rule = "inspection_record_missing"
    label = "検査予定日経過・結果未記録"

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        if not self.enabled(ctx):
            return
        for t in inspection_targets(ctx):
            if t.open_id is None or t.open_on is None:
                continue
            # Before the date only the contractor has something to do (its evidence); after
            # it the 保護管理者 records the result — and the contractor still owes evidence it
            # has not submitted.
            if t.open_status == "scheduled":
                stages = _stages(ctx, t.open_on, CONTRACTOR, PM_AND_CONTRACTOR)
            else:
                stages = _stages(ctx, t.open_on, None, PM)
            yield self._item(
                t,
                ctx,
                t.open_on,
                stages,
                ("Inspection", t.open_id),
                INSPECTION_PATH.format(t.open_id),
            )

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        if stage.severity == Severity.REMINDER:
            return (
                "検査予定日が近づいています（資料の提出）",
                "検査予定日までに、検査資料（証拠書類）をポータルから提出してください。",
            )
        return (
            "検査予定日を過ぎても結果が記録されていません",
            "検査を実施した場合は結果を記録し、未実施の場合は日程を変更してください。",
        )

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        t: InspectionTarget = item.detail
        return [
            *t.lines(),
            f"検査予定日: {_wareki(item.due_on)}",
            "資料: " + ("未提出" if t.open_status == "scheduled" else "提出済"),
        ]


class InspectionYearEndChaser(_InspectionChaser):
    """No counting inspection yet while the 年度 nears its end (year_end_warning_days)."""

    rule = "inspection_year_end"
    label = "年度末までの検査未完了"

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        if not self.enabled(ctx):
            return
        chase = ctx.profile.chase
        warning_days = ctx.profile.inspection.year_end_warning_days
        # The 年度 ends on March 31 for every target (deadlines(...).complete_by).
        due = self._deadlines(ctx, None).complete_by
        days = {warning_days, *chase.remind_days_before}
        if ctx.today < due - timedelta(days=max(days)):
            return
        warn_from = due - timedelta(days=warning_days)
        stages = tuple(
            sorted(
                (
                    *before_stages(due, days, PM_AND_CONTRACTOR),
                    escalation_stage(warn_from + timedelta(days=chase.escalate_after_days), ctx),
                ),
                key=lambda s: s.on,
            )
        )
        for t in inspection_targets(ctx):
            yield self._item(t, ctx, due, stages)

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        label = fiscal_year_label(fiscal_year(ctx.today))
        return (
            f"{label}の検査が完了していません（年度末が近づいています）",
            f"{label}中（{_wareki(item.due_on)}まで）に検査を実施し、結果を記録してください。"
            "委託先は検査資料を提出してください。",
        )

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        t: InspectionTarget = item.detail
        return [*t.lines(), f"現在の状況: {'計画済' if t.open_id else '未計画'}"]


class CorrectiveActionChaser(Chaser):
    """Open 是正措置 near or past their due date (+ action_overdue_grace_days)."""

    rule = "corrective_action_overdue"
    label = "是正措置の期限超過"

    def available(self) -> bool:
        return _installed("portal.inspection.models")

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        from portal.inspection.models import ActionStatus, CorrectiveAction, Inspection

        chase = ctx.profile.chase
        grace = timedelta(days=chase.action_overdue_grace_days)
        ahead = timedelta(days=max(chase.remind_days_before, default=0))
        last_stage = timedelta(days=chase.escalate_after_days + 1 + LATE_LIMIT_DAYS)
        inspected = so.aliased(Company)
        stmt = (
            sa.select(
                CorrectiveAction.id,
                CorrectiveAction.due_on,
                CorrectiveAction.status,
                Inspection.id,
                Inspection.company_id,
                inspected.name,
                Contract.id,
                Contract.number,
                Contract.title,
                Contract.section_id,
                Contract.company_id,
            )
            .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
            .join(Contract, Contract.id == Inspection.contract_id)
            .join(inspected, inspected.id == Inspection.company_id)
            .where(
                CorrectiveAction.status != ActionStatus.CLOSED,
                CorrectiveAction.due_on <= ctx.today + ahead - grace,
                CorrectiveAction.due_on >= ctx.today - last_stage - grace,
                Contract.status.not_in([ContractStatus.CLOSED, ContractStatus.CANCELLED]),
            )
        )
        for row in _rows(stmt):
            action_id, due_on, status, inspection_id, inspected_id = row[:5]
            contract_id, number, title, section_id, company_id = row[6:]
            due = due_on + grace
            # Open: the contractor must answer; answered: the 保護管理者 must close it.
            actor = CONTRACTOR if status == ActionStatus.OPEN else PM
            yield DueItem(
                rule=self.rule,
                object_type="CorrectiveAction",
                object_id=action_id,
                due_on=due,
                title=contract_title(number, title),
                stages=_stages(ctx, due, actor, actor),
                scope=str(status),
                contract_id=contract_id,
                section_ids=(section_id,),
                company_ids=_companies(company_id, inspected_id),
                url=INSPECTION_PATH.format(inspection_id),
                detail=row,
            )

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        answered = item.scope == "responded"
        if stage.severity != Severity.REMINDER:
            text = "是正措置が期限までに完了していません"
        elif answered:
            text = "是正措置の回答を確認してください"
        else:
            text = "是正措置の期限が近づいています"
        lead = (
            "委託先から回答があります。内容を確認し、完了または差戻しとしてください。"
            if answered
            else "指摘事項への是正措置を実施し、ポータルから回答（証拠書類）を提出してください。"
        )
        return text, lead

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        answered = item.scope == "responded"
        return [
            f"契約: {item.title}",
            f"対象: {item.detail[5]}",
            "状況: " + ("回答の確認待ち" if answered else "委託先の対応待ち"),
        ]


# --- 再委託 -------------------------------------------------------------------------------


class SubcontractDecisionChaser(Chaser):
    """再委託 requests submitted more than `subcontract_decision_days` ago without a decision
    (入間市 第37条第4項: 事前承認) — the section's 保護管理者 decides."""

    rule = "subcontract_decision"
    label = "再委託の承認判断待ち"

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        chase = ctx.profile.chase
        days = chase.subcontract_decision_days
        befores = [n for n in chase.remind_days_before if 0 < n < days]
        first_offset = days - max(befores, default=0)
        # Submitted on or before this JST day → the first stage has begun.
        latest_day = ctx.today - timedelta(days=first_offset)
        subcontractor = so.aliased(Company)
        stmt = (
            sa.select(
                SubcontractRequest.id,
                SubcontractRequest.submitted_at,
                SubcontractRequest.tier,
                subcontractor.name,
                Contract.id,
                Contract.number,
                Contract.title,
                Contract.section_id,
            )
            .join(Contract, Contract.id == SubcontractRequest.contract_id)
            .join(subcontractor, subcontractor.id == SubcontractRequest.subcontractor_id)
            .where(
                SubcontractRequest.status == SubcontractStatus.SUBMITTED,
                SubcontractRequest.submitted_at.is_not(None),
                SubcontractRequest.submitted_at < _jst_midnight_utc(latest_day + timedelta(days=1)),
            )
        )
        cache: dict[date, tuple[Stage, ...]] = {}
        for row in _rows(stmt):
            sub_id, submitted_at, tier, sub_name, contract_id, number, title, section_id = row
            submitted = _jst_day(submitted_at)
            due = submitted + timedelta(days=days)
            stages = cache.get(submitted)
            if stages is None:
                late = _overdue_from(due)
                stages = cache[submitted] = (
                    *before_stages(due, befores, PM, not_before=submitted),
                    Stage("due", late, Severity.OVERDUE, PM),
                    # Still undecided: remind the same 保護管理者 again (再督促).
                    Stage(
                        "again",
                        late + timedelta(days=chase.escalate_after_days),
                        Severity.OVERDUE,
                        PM,
                    ),
                )
            yield DueItem(
                rule=self.rule,
                object_type="SubcontractRequest",
                object_id=sub_id,
                due_on=due,
                title=f"{_tier_label(tier)} {sub_name}（{number}）",
                stages=stages,
                # A resubmission (after 差戻し) restarts the clock.
                scope=submitted.isoformat(),
                contract_id=contract_id,
                section_ids=(section_id,),
                url=SUBCONTRACT_PATH.format(sub_id),
                detail=(submitted, tier, sub_name, number, title),
            )

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        return (
            "再委託の承認申請が判断待ちです",
            "再委託の承認申請について、承認・却下・差戻しのいずれかを行ってください"
            f"（判断の目安: 申請から{ctx.profile.chase.subcontract_decision_days}日）。",
        )

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        submitted, tier, sub_name, number, title = item.detail
        return [
            f"契約: {contract_title(number, title)}",
            f"再委託先: {sub_name}（{_tier_label(tier)}）",
            f"申請日: {_wareki(submitted)}",
        ]


# --- 消去・廃棄証明 ------------------------------------------------------------------------


class ErasureChaser(Chaser):
    """Contracts waiting for erasure proof: each party whose certificate is not accepted by
    `erasure_due_on` (入間市 第16条第2項). The party (and the contractor for its tiers) is
    reminded, then the 保護管理者; a submission waiting for review is the 保護管理者's."""

    rule = "erasure_overdue"
    label = "消去・廃棄証明の提出期限"

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        chase = ctx.profile.chase
        ahead = timedelta(days=max(chase.remind_days_before, default=0))
        oldest = ctx.today - timedelta(days=chase.escalate_after_days + 1 + LATE_LIMIT_DAYS)
        cols: list[Any] = [
            Contract.id,
            Contract.number,
            Contract.title,
            Contract.section_id,
            Contract.company_id,
            Contract.erasure_due_on,
        ]
        where = [
            Contract.status == ContractStatus.ERASURE_PENDING,
            Contract.erasure_due_on.is_not(None),
            Contract.erasure_due_on <= ctx.today + ahead,
            Contract.erasure_due_on >= oldest,
        ]
        if _installed("portal.erasure.models"):
            from portal.erasure.models import ErasureObligation, ObligationStatus

            party = so.aliased(Company)
            stmt = (
                sa.select(
                    *cols,
                    ErasureObligation.id,
                    ErasureObligation.status,
                    ErasureObligation.company_id,
                    ErasureObligation.tier,
                    party.name,
                )
                .outerjoin(ErasureObligation, ErasureObligation.contract_id == Contract.id)
                .outerjoin(party, party.id == ErasureObligation.company_id)
                .where(
                    *where,
                    sa.or_(
                        ErasureObligation.id.is_(None),
                        ErasureObligation.status != ObligationStatus.ACCEPTED,
                    ),
                )
            )
            submitted = ObligationStatus.SUBMITTED.value
        else:  # the erasure feature is not installed: chase the contract itself
            stmt = sa.select(*cols, *(sa.null() for _ in range(5))).where(*where)
            submitted = "submitted"
        cache: dict[tuple[date, bool], tuple[Stage, ...]] = {}
        for row in _rows(stmt):
            contract_id, number, title, section_id, company_id, due = row[:6]
            obligation_id, status, party_id = row[6:9]
            in_review = status is not None and str(status) == submitted
            stages = cache.get((due, in_review))
            if stages is None:
                late = _overdue_from(due)
                escalate_on = late + timedelta(days=chase.escalate_after_days)
                if in_review:
                    stages = (
                        Stage("due", late, Severity.OVERDUE, PM),
                        Stage("again", escalate_on, Severity.OVERDUE, PM),
                    )
                else:
                    stages = (
                        *before_stages(due, chase.remind_days_before, CONTRACTOR),
                        Stage("due", late, Severity.OVERDUE, CONTRACTOR),
                        # 委託先が提出しないまま: the 保護管理者 follows it up.
                        Stage("escalation", escalate_on, Severity.OVERDUE, PM),
                    )
                cache[(due, in_review)] = stages
            yield DueItem(
                rule=self.rule,
                object_type="ErasureObligation" if obligation_id else "Contract",
                object_id=obligation_id or contract_id,
                due_on=due,
                title=contract_title(number, title),
                stages=stages,
                # No ":" in a scope: it is one field of the dedupe key.
                scope=f"{due.isoformat()}/{'review' if in_review else 'party'}",
                contract_id=contract_id,
                section_ids=(section_id,),
                company_ids=_companies(party_id, company_id),
                url=ERASURE_CASE_PATH.format(contract_id),
                detail=row,
            )

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        if item.scope.endswith("/review"):
            return (
                "消去・廃棄証明の審査が完了していません",
                "提出された消去・廃棄証明を確認し、承認または差戻しとしてください。",
            )
        if Audience.SECTION_PM in stage.audience:
            return (
                "消去・廃棄証明が期限を過ぎても提出されていません",
                "委託先へ督促済みですが提出がありません。委託先へ確認してください。",
            )
        return (
            "消去・廃棄証明の提出期限が近づいています"
            if stage.severity == Severity.REMINDER
            else "消去・廃棄証明の提出期限を過ぎています",
            "個人情報の消去・廃棄（又は媒体の返却）を行い、証明書と写真を提出してください。",
        )

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        tier, party_name = item.detail[9], item.detail[10]
        lines = [f"契約: {item.title}"]
        if party_name:
            lines.append(f"提出者: {_tier_label(tier or 0)} {party_name}")
        in_review = item.scope.endswith("/review")
        lines.append("状況: " + ("審査待ち" if in_review else "消去・廃棄証明の提出待ち"))
        return lines

    def basis(self, ctx: ChaseContext) -> tuple[str, ...]:
        citation = ctx.profile.cite("erasure")
        return (f"根拠: {citation}",) if citation else ()


# --- 委託先の認証 (ISMS / Pマーク) ---------------------------------------------------------


class CertificateExpiryChaser(Chaser):
    """Certificates of companies with active contracts expiring within
    `certificate_expiry_days` (a renewal registered for the same kind ends the chase)."""

    rule = "certificate_expiry"
    label = "委託先の認証の有効期限"

    def due_items(self, ctx: ChaseContext) -> Iterable[DueItem]:
        chase = ctx.profile.chase
        window = chase.certificate_expiry_days
        newer = so.aliased(CompanyCertificate)
        renewed = sa.exists().where(
            newer.company_id == CompanyCertificate.company_id,
            newer.kind == CompanyCertificate.kind,
            newer.id != CompanyCertificate.id,
            sa.or_(newer.expires_on.is_(None), newer.expires_on > CompanyCertificate.expires_on),
        )
        active = sa.exists().where(
            Contract.company_id == CompanyCertificate.company_id,
            Contract.status == ContractStatus.ACTIVE,
        )
        cert_filter = (
            CompanyCertificate.expires_on.is_not(None),
            CompanyCertificate.expires_on <= ctx.today + timedelta(days=window),
            CompanyCertificate.expires_on >= ctx.today - timedelta(days=LATE_LIMIT_DAYS + 1),
            active,
            ~renewed,
        )
        certs = _rows(
            sa.select(
                CompanyCertificate.id,
                CompanyCertificate.company_id,
                CompanyCertificate.kind,
                CompanyCertificate.number,
                CompanyCertificate.expires_on,
                Company.name,
            )
            .join(Company, Company.id == CompanyCertificate.company_id)
            .where(*cert_filter)
        ).all()
        if not certs:
            return
        # Sections with active contracts with those companies (one query).
        sections: dict[int, list[int]] = defaultdict(list)
        for company_id, section_id in _rows(
            sa.select(Contract.company_id, Contract.section_id)
            .distinct()
            .where(
                Contract.status == ContractStatus.ACTIVE,
                Contract.company_id.in_(
                    sa.select(CompanyCertificate.company_id).where(*cert_filter)
                ),
            )
        ):
            sections[company_id].append(section_id)
        befores = {window, *(n for n in chase.remind_days_before if n < window)}
        for cert_id, company_id, kind, number, expires_on, company_name in certs:
            label = CERTIFICATE_LABELS.get(CertificateKind(kind), str(kind))
            yield DueItem(
                rule=self.rule,
                object_type="CompanyCertificate",
                object_id=cert_id,
                due_on=expires_on,
                title=f"{company_name} {label}",
                stages=(
                    *before_stages(expires_on, befores, CONTRACTOR_AND_PROCUREMENT),
                    Stage(
                        "expired",
                        _overdue_from(expires_on),
                        Severity.OVERDUE,
                        CONTRACTOR_AND_PROCUREMENT,
                    ),
                ),
                scope=expires_on.isoformat(),
                section_ids=tuple(sorted(sections.get(company_id, []))),
                company_ids=(company_id,),
                url=COMPANY_PATH.format(company_id),
                detail=(company_name, label, number),
            )

    def texts(self, item: DueItem, stage: Stage, ctx: ChaseContext) -> tuple[str, str]:
        if stage.severity == Severity.REMINDER:
            return (
                "認証の有効期限が近づいています",
                "更新後の認証（登録証の写し等）をポータルに登録してください。",
            )
        return (
            "認証の有効期限が切れています",
            "認証が更新されていない場合は、委託先の安全管理措置を確認してください。",
        )

    def lines(self, item: DueItem, ctx: ChaseContext) -> list[str]:
        company_name, label, number = item.detail
        return [
            f"事業者: {company_name}",
            f"認証: {label}（登録番号 {number}）",
            f"有効期限: {_wareki(item.due_on)}",
        ]


CHASERS: tuple[Chaser, ...] = (
    InspectionUnscheduledChaser(),
    InspectionRecordMissingChaser(),
    InspectionYearEndChaser(),
    CorrectiveActionChaser(),
    SubcontractDecisionChaser(),
    ErasureChaser(),
    CertificateExpiryChaser(),
)
RULE_LABELS = {c.rule: c.label for c in CHASERS} | {"manual": "今すぐ督促"}
