"""The inspection status of every target in a 年度 — in a constant number of queries.

A target is an ACTIVE contract whose period overlaps the 年度, or one of its approved 再委託
tiers (入間市 第37条第4項), plus anything that already has an inspection in that 年度 (so a
contract that ended keeps its history). `compute_status` reads:

1. the target contracts with section and company names (one SELECT),
2. the approved tiers of all of them (`approved_tiers_for`, one SELECT),
3. every inspection of the window with its open corrective-action counts (one SELECT),

and evaluates each target with `rules.evaluate`. The status page adds one query for the
○△×- cells of the page it shows; the exports add one for all cells of the 年度.
Rows are built from plain column tuples, never ORM objects per contract, so 10,000
contracts cost three result sets, not 10,000 lazy loads. `city_counts` is the dashboard's
cheap summary: aggregate counts, no per-target evaluation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.account.models import User
from portal.contract.models import Contract, ContractStatus
from portal.extensions import db
from portal.inspection.models import (
    METHOD_LABELS,
    OPEN_STATUSES,
    RESULT_SYMBOLS,
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionItem,
    InspectionMethod,
    InspectionStatus,
    InspectorKind,
    ItemResult,
)
from portal.inspection.rules import (
    OVERDUE_REASON_LABELS,
    TARGET_STATUS_LABELS,
    Deadlines,
    OverdueReason,
    TargetStatus,
    deadlines,
    evaluate,
    method_counts,
    window_years,
)
from portal.org.models import Company, Section
from portal.profile import ChecklistItem, Profile
from portal.subcontract.models import SubcontractRequest
from portal.subcontract.services import approved_tiers_for
from portal.wareki import JST, fiscal_year, fiscal_year_bounds

# Above this many contracts, fetch every approved tier and filter in Python instead of
# sending thousands of bound parameters in one IN list.
_IN_LIST_LIMIT = 1000


TargetKey = tuple[int, int | None]  # (contract id, subcontract id or None)


@dataclass(slots=True)
class InspectionFacts:
    id: int
    contract_id: int
    subcontract_id: int | None
    company_id: int
    company_name: str
    tier: int
    fiscal_year: int
    status: InspectionStatus
    scheduled_on: date
    method: InspectionMethod
    inspector_kind: InspectorKind
    inspector_name: str
    performed_on: date | None
    open_actions: int
    past_due_actions: int

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(slots=True)
class StatusRow:
    """One target's line on the status page, the CSV and the PDF."""

    contract_id: int
    subcontract_id: int | None
    tier: int
    contract_number: str
    contract_title: str
    section_id: int
    section_code: str
    section_name: str
    contractor_id: int  # the contract's company
    contractor_name: str
    company_id: int  # the inspected company (the contractor, or the tier's subcontractor)
    company_name: str
    status: TargetStatus
    overdue_reason: OverdueReason | None
    overdue_is_violation: bool
    deadlines: Deadlines
    record_late: bool
    near_year_end: bool
    inspection: InspectionFacts | None

    @property
    def key(self) -> TargetKey:
        return (self.contract_id, self.subcontract_id)

    @property
    def status_label(self) -> str:
        label = TARGET_STATUS_LABELS[self.status]
        if self.status == TargetStatus.OVERDUE and not self.overdue_is_violation:
            # 広島市 第10 4「努めるものとする」: a warning, not a breach.
            return f"{label}（警告）"
        return label

    @property
    def severity(self) -> str:
        if self.status != TargetStatus.OVERDUE:
            return ""
        return "violation" if self.overdue_is_violation else "warning"

    @property
    def overdue_reason_label(self) -> str:
        return OVERDUE_REASON_LABELS[self.overdue_reason] if self.overdue_reason else ""

    @property
    def tier_label(self) -> str:
        if self.tier == 0:
            return "委託先"
        return "再委託先" if self.tier == 1 else f"再{'々' * (self.tier - 1)}委託先"


@dataclass
class StatusReport:
    fiscal_year: int
    today: date
    profile: Profile
    rows: list[StatusRow]
    sections: list[tuple[int, str, str]] = field(default_factory=list)  # (id, code, name)
    companies: list[tuple[int, str]] = field(default_factory=list)

    def counts(self, rows: Iterable[StatusRow] | None = None) -> Counter[TargetStatus]:
        return Counter(r.status for r in (self.rows if rows is None else rows))

    def counts_by_section(self) -> list[tuple[str, Counter[TargetStatus], int]]:
        """(section name, counts per status, total) in section-code order."""
        per: dict[int, Counter[TargetStatus]] = defaultdict(Counter)
        for r in self.rows:
            per[r.section_id][r.status] += 1
        return [(name, per[sid], sum(per[sid].values())) for sid, _code, name in self.sections]

    def filtered(
        self,
        *,
        section_id: int | None = None,
        company_id: int | None = None,
        status: TargetStatus | None = None,
        text: str = "",
    ) -> list[StatusRow]:
        """Rows of one section, one company (as contractor or as inspected subcontractor),
        one status, and/or whose company name, contract number or title contains `text`."""
        out = self.rows
        if section_id:
            out = [r for r in out if r.section_id == section_id]
        if company_id:
            out = [r for r in out if company_id in (r.company_id, r.contractor_id)]
        if text:
            out = [
                r
                for r in out
                if text in r.company_name
                or text in r.contractor_name
                or text in r.contract_number
                or text in r.contract_title
            ]
        if status:
            out = [r for r in out if r.status == status]
        return out


def _is_target(fy: int) -> sa.ColumnElement[bool]:
    """Contracts with targets in 年度 `fy`: active and overlapping it, or already inspected in
    it (a contract that ended keeps its history)."""
    start, end = fiscal_year_bounds(fy)
    has_inspection = sa.select(Inspection.contract_id).where(
        Inspection.fiscal_year == fy, Inspection.status != InspectionStatus.CANCELLED
    )
    return sa.or_(
        sa.and_(
            Contract.status == ContractStatus.ACTIVE,
            Contract.period_start <= end,
            Contract.period_end >= start,
        ),
        Contract.id.in_(has_inspection),
    )


def _target_contracts(
    fy: int, *, section_id: int | None, contract_ids: Collection[int] | None
) -> Sequence[Any]:
    stmt = (
        sa.select(
            Contract.id,
            Contract.number,
            Contract.title,
            Contract.section_id,
            Section.code,
            Section.name,
            Contract.company_id,
            Company.name,
            Contract.period_start,
        )
        .join(Section, Section.id == Contract.section_id)
        .join(Company, Company.id == Contract.company_id)
        .where(_is_target(fy))
        .order_by(Section.code, Contract.number, Contract.id)
    )
    if section_id is not None:
        stmt = stmt.where(Contract.section_id == section_id)
    if contract_ids is not None:
        stmt = stmt.where(Contract.id.in_(list(contract_ids)))
    return db.session.execute(stmt).all()


def _inspections(
    fy_from: int, fy_to: int, today: date, contract_ids: Collection[int] | None
) -> list[InspectionFacts]:
    action_counts = (
        sa.select(
            CorrectiveAction.inspection_id.label("inspection_id"),
            sa.func.count().label("open_n"),
            sa.func.sum(sa.case((CorrectiveAction.due_on < today, 1), else_=0)).label("late_n"),
        )
        .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
        .where(
            CorrectiveAction.status != ActionStatus.CLOSED,
            Inspection.fiscal_year.between(fy_from, fy_to),
        )
        .group_by(CorrectiveAction.inspection_id)
        .subquery()
    )
    target_co = so.aliased(Company)
    inspector_co = so.aliased(Company)
    stmt = (
        sa.select(
            Inspection.id,
            Inspection.contract_id,
            Inspection.subcontract_id,
            Inspection.company_id,
            target_co.name,
            SubcontractRequest.tier,
            Inspection.fiscal_year,
            Inspection.status,
            Inspection.scheduled_on,
            Inspection.method,
            Inspection.inspector_kind,
            User.name,
            inspector_co.name,
            Inspection.performed_on,
            action_counts.c.open_n,
            action_counts.c.late_n,
        )
        .join(target_co, target_co.id == Inspection.company_id)
        .outerjoin(SubcontractRequest, SubcontractRequest.id == Inspection.subcontract_id)
        .outerjoin(User, User.id == Inspection.inspector_user_id)
        .outerjoin(inspector_co, inspector_co.id == Inspection.inspector_company_id)
        .outerjoin(action_counts, action_counts.c.inspection_id == Inspection.id)
        .where(
            Inspection.fiscal_year.between(fy_from, fy_to),
            Inspection.status != InspectionStatus.CANCELLED,
        )
        .order_by(Inspection.id)
    )
    if contract_ids is not None:
        stmt = stmt.where(Inspection.contract_id.in_(list(contract_ids)))
    facts = []
    for row in db.session.execute(stmt):
        kind = row[10]
        if kind == InspectorKind.VIA_CONTRACTOR:
            inspector = f"委託先を通じて（{row[12] or ''}）"
        else:
            inspector = row[11] or "市職員"
        facts.append(
            InspectionFacts(
                id=row[0],
                contract_id=row[1],
                subcontract_id=row[2],
                company_id=row[3],
                company_name=row[4],
                tier=row[5] or 0,
                fiscal_year=row[6],
                status=row[7],
                scheduled_on=row[8],
                method=row[9],
                inspector_kind=kind,
                inspector_name=inspector,
                performed_on=row[13],
                open_actions=int(row[14] or 0),
                past_due_actions=int(row[15] or 0),
            )
        )
    return facts


def _pick(
    profile: Profile, fy: int, facts: list[InspectionFacts]
) -> tuple[InspectionFacts | None, bool, InspectionFacts | None]:
    """(inspection to show, satisfied?, open inspection of the 年度) for one target."""
    rules = profile.inspection
    counting = [
        f for f in facts if f.status == InspectionStatus.RECORDED and method_counts(rules, f.method)
    ]
    open_now = [f for f in facts if f.fiscal_year == fy and f.is_open]
    open_one = max(open_now, key=lambda f: (f.scheduled_on, f.id)) if open_now else None
    if counting:
        best = max(counting, key=lambda f: (f.fiscal_year, f.performed_on or f.scheduled_on, f.id))
        return best, True, open_one
    if open_one is not None:
        return open_one, False, open_one
    # e.g. a 書面 record where 書面 does not count: shown, but the target is not satisfied
    this_year = [f for f in facts if f.fiscal_year == fy]
    return (max(this_year, key=lambda f: f.id) if this_year else None), False, None


def compute_status(
    *,
    profile: Profile,
    fiscal_year: int,
    today: date,
    section_id: int | None = None,
    contract_ids: Collection[int] | None = None,
) -> StatusReport:
    """Every target of 年度 `fiscal_year` with its status on `today` (three queries).

    `section_id` / `contract_ids` narrow the contracts read (dashboards); the status page
    reads them all so that its counts per section cover the whole city.
    """
    rules = profile.inspection
    fy = fiscal_year
    contracts = _target_contracts(fy, section_id=section_id, contract_ids=contract_ids)
    ids = [c[0] for c in contracts]
    if not ids:
        return StatusReport(fiscal_year=fy, today=today, profile=profile, rows=[])
    scope = ids if len(ids) <= _IN_LIST_LIMIT else None
    tiers = approved_tiers_for(scope)
    facts = _inspections(fy - window_years(rules) + 1, fy, today, scope)
    by_target: dict[TargetKey, list[InspectionFacts]] = defaultdict(list)
    this_year: dict[int, list[InspectionFacts]] = defaultdict(list)
    for f in facts:
        by_target[(f.contract_id, f.subcontract_id)].append(f)
        if f.fiscal_year == fy:
            this_year[f.contract_id].append(f)

    rows: list[StatusRow] = []
    limits: dict[date | None, Deadlines] = {}  # deadlines per start date (few distinct)
    sections: dict[int, tuple[int, str, str]] = {}
    companies: dict[int, str] = {}
    for cid, number, title, sid, scode, sname, co_id, co_name, period_start in contracts:
        sections[sid] = (sid, scode, sname)
        companies[co_id] = co_name
        # (subcontract id, tier, company id, company name, start of the duty)
        targets: list[tuple[int | None, int, int, str, date | None]] = [
            (None, 0, co_id, co_name, period_start)
        ]
        seen: set[int | None] = {None}
        for tier in tiers.get(cid, []):
            decided = tier.decided_at.astimezone(JST).date() if tier.decided_at else None
            started = max(d for d in (period_start, decided) if d is not None)
            targets.append(
                (tier.id, tier.tier, tier.subcontractor_id, tier.subcontractor.name, started)
            )
            seen.add(tier.id)
        # A tier no longer approved (expired, withdrawn) that was inspected this 年度 stays.
        for f in this_year.get(cid, []):
            if f.subcontract_id not in seen:
                targets.append((f.subcontract_id, f.tier, f.company_id, f.company_name, None))
                seen.add(f.subcontract_id)
        for sub_id, tier_no, company_id, company_name, started in targets:
            companies[company_id] = company_name
            found = by_target.get((cid, sub_id))
            if found:
                shown, satisfied, open_one = _pick(profile, fy, found)
            else:  # most targets of a large city: nothing to pick from
                shown, satisfied, open_one = None, False, None
            known = limits.get(started)
            if known is None:
                known = limits[started] = deadlines(rules, fy, started)
            ev = evaluate(
                rules,
                fy=fy,
                today=today,
                target_start=started,
                satisfied=satisfied,
                actions_open=bool(satisfied and shown is not None and shown.open_actions),
                open_inspection_status=open_one.status.value if open_one else None,
                open_scheduled_on=open_one.scheduled_on if open_one else None,
                known=known,
            )
            rows.append(
                StatusRow(
                    contract_id=cid,
                    subcontract_id=sub_id,
                    tier=tier_no,
                    contract_number=number,
                    contract_title=title,
                    section_id=sid,
                    section_code=scode,
                    section_name=sname,
                    contractor_id=co_id,
                    contractor_name=co_name,
                    company_id=company_id,
                    company_name=company_name,
                    status=ev.status,
                    overdue_reason=ev.overdue_reason,
                    overdue_is_violation=rules.overdue_is_violation,
                    deadlines=ev.deadlines,
                    record_late=ev.record_late,
                    near_year_end=ev.near_year_end,
                    inspection=shown,
                )
            )
    return StatusReport(
        fiscal_year=fy,
        today=today,
        profile=profile,
        rows=rows,
        sections=sorted(sections.values(), key=lambda s: s[1]),
        companies=sorted(companies.items(), key=lambda c: c[1]),
    )


_RESULT_CELLS = sa.select(
    InspectionItem.inspection_id, InspectionItem.key, InspectionItem.result
).where(InspectionItem.result.is_not(None))


def _results(stmt: sa.Select[int, str, ItemResult | None]) -> dict[int, dict[str, ItemResult]]:
    out: dict[int, dict[str, ItemResult]] = defaultdict(dict)
    for iid, key, result in db.session.execute(stmt):
        if result is not None:  # excluded by the query; narrows the type
            out[iid][key] = result
    return out


def item_results(inspection_ids: Collection[int]) -> dict[int, dict[str, ItemResult]]:
    """○△×- per checklist key for the given inspections (one query)."""
    if not inspection_ids:
        return {}
    return _results(_RESULT_CELLS.where(InspectionItem.inspection_id.in_(list(inspection_ids))))


def item_results_for_years(fy_from: int, fy_to: int) -> dict[int, dict[str, ItemResult]]:
    """○△×- of every recorded inspection of the 年度 range (one query, no IN list)."""
    return _results(
        _RESULT_CELLS.join(Inspection, Inspection.id == InspectionItem.inspection_id).where(
            Inspection.fiscal_year.between(fy_from, fy_to),
            Inspection.status == InspectionStatus.RECORDED,
        )
    )


def report_results(report: StatusReport) -> dict[int, dict[str, ItemResult]]:
    """All cells the exports need for `report` (one query)."""
    rules = report.profile.inspection
    return item_results_for_years(report.fiscal_year - window_years(rules) + 1, report.fiscal_year)


@dataclass(frozen=True)
class Matrix:
    """The 龍ヶ崎市-style table: rows are checklist items, columns are targets."""

    items: list[ChecklistItem]
    columns: list[StatusRow]
    cells: dict[tuple[str, int], str]  # (item key, column index) → ○ △ × -

    def cell(self, key: str, col: int) -> str:
        return self.cells.get((key, col), "")


def build_matrix(
    profile: Profile, rows: Iterable[StatusRow], results: dict[int, dict[str, ItemResult]]
) -> Matrix:
    """Columns: the rows whose shown inspection has recorded results."""
    columns: list[StatusRow] = []
    cells: dict[tuple[str, int], str] = {}
    seen_keys: set[str] = set()
    for row in rows:
        found = results.get(row.inspection.id) if row.inspection is not None else None
        if not found:
            continue
        for key, res in found.items():
            cells[(key, len(columns))] = RESULT_SYMBOLS[res]
            seen_keys.add(key)
        columns.append(row)
    items = list(profile.inspection.checklist)
    known = {i.key for i in items}
    # Items of an older checklist (the profile changed since) keep their own row.
    items += [ChecklistItem(key=k, label=k) for k in sorted(seen_keys - known)]
    return Matrix(items=items, columns=columns, cells=cells)


@dataclass(frozen=True)
class CityCounts:
    """The dashboard's summary of 年度 `fiscal_year` for 監査責任者 / 総括保護管理者."""

    fiscal_year: int
    contracts: int  # contracts with inspection targets (their 再委託 tiers not counted)
    inspections: Counter[InspectionStatus]  # planned in the 年度, cancelled ones left out
    open_actions: int  # corrective actions not closed, whatever their 年度
    past_due_actions: int


def city_counts(fy: int, *, today: date) -> CityCounts:
    """Aggregate counts for the dashboard in three queries whatever the size of the city.
    Which target is overdue needs every target evaluated: that is the status page's job."""
    contracts = db.session.scalar(sa.select(sa.func.count(Contract.id)).where(_is_target(fy)))
    by_status = db.session.execute(
        sa.select(Inspection.status, sa.func.count(Inspection.id))
        .where(Inspection.fiscal_year == fy, Inspection.status != InspectionStatus.CANCELLED)
        .group_by(Inspection.status)
    ).all()
    open_n, late_n = db.session.execute(
        sa.select(
            sa.func.count(CorrectiveAction.id),
            sa.func.sum(sa.case((CorrectiveAction.due_on < today, 1), else_=0)),
        ).where(CorrectiveAction.status != ActionStatus.CLOSED)
    ).one()
    return CityCounts(
        fiscal_year=fy,
        contracts=contracts or 0,
        inspections=Counter({status: n for status, n in by_status}),
        open_actions=open_n or 0,
        past_due_actions=int(late_n or 0),
    )


def contract_overdue_condition(today: date) -> sa.ColumnElement[bool]:
    """SQL condition on Contract for the contract list's 「期限超過」 filter: an active contract
    whose own yearly inspection is late (入間市 第37条第3項) — not planned by the profile's
    schedule_by date, or planned for a day that has passed without a recorded result — and
    no recorded inspection covers this 年度. The status page applies the full per-target
    rules (tiers, late starts); this is the contract-level view of the same deadlines."""
    from portal.profile import current_profile

    rules = current_profile().inspection
    fy = fiscal_year(today)
    own = sa.and_(
        Inspection.contract_id == Contract.id,
        Inspection.subcontract_id.is_(None),
    )
    recorded = (
        sa.exists()
        .where(
            own,
            Inspection.status == InspectionStatus.RECORDED,
            Inspection.fiscal_year > fy - window_years(rules),
            Inspection.fiscal_year <= fy,
        )
        .correlate(Contract)
    )
    open_ = sa.and_(
        own,
        Inspection.fiscal_year == fy,
        Inspection.status.in_([InspectionStatus.SCHEDULED, InspectionStatus.EVIDENCE_SUBMITTED]),
    )
    planned = sa.exists().where(open_).correlate(Contract)
    passed = sa.exists().where(open_, Inspection.scheduled_on < today).correlate(Contract)
    # Same lead time as `deadlines()`: schedule_by counts from the later of the 年度's first day
    # and the contract's start, so a contract that began last week is not late yet.
    fy_start, _ = fiscal_year_bounds(fy)
    cutoff = today - (deadlines(rules, fy).schedule_by - fy_start)
    unplanned_too_late = sa.and_(
        ~planned, sa.literal(cutoff > fy_start), Contract.period_start < cutoff
    )
    return sa.and_(
        Contract.status == ContractStatus.ACTIVE,
        sa.literal(rules.enforced),
        ~recorded,
        sa.or_(passed, unplanned_too_late),
    )
