"""Read-side queries of the incident screens: what a user may list and export, the contracts
they may report on, and what other screens show about incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.account.models import CITY_ROLES, CITYWIDE_ROLES, Role, User
from portal.authz.contract import visible_contracts_filter
from portal.authz.incident import can_report_incident_for
from portal.contract.models import Contract
from portal.extensions import db
from portal.incident import services
from portal.incident.models import Incident, IncidentStatus
from portal.incident.rules import IncidentRules
from portal.org.models import Section
from portal.wareki import jst_datetime, today_jst


def visible_filter(user: User) -> sa.ColumnElement[bool]:
    """SQL condition matching the incidents `can_view_incident` lets `user` see (the query
    joins Contract)."""
    if user.role in CITYWIDE_ROLES:
        return sa.true()
    if user.role == Role.CONTRACTOR and user.company_id is not None:
        company = sa.literal(int(user.company_id))
        return sa.or_(Incident.company_id == company, Contract.company_id == company)
    if user.role in CITY_ROLES and user.section_id is not None:
        return Incident.section_id == sa.literal(int(user.section_id))
    return sa.false()


def list_stmt(
    user: User,
    *,
    status: IncidentStatus | None = None,
    fiscal_year: int | None = None,
    open_only: bool = False,
) -> sa.Select[Any]:
    """The user's incidents, newest day of knowledge first."""
    stmt = (
        sa.select(Incident)
        .join(Contract, Contract.id == Incident.contract_id)
        .where(visible_filter(user))
        .options(
            so.contains_eager(Incident.contract).joinedload(Contract.company),
            so.joinedload(Incident.company),
        )
        .order_by(Incident.known_on.desc(), Incident.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Incident.status == status)
    if fiscal_year is not None:
        stmt = stmt.where(Incident.fiscal_year == fiscal_year)
    if open_only:
        stmt = stmt.where(Incident.status != IncidentStatus.CLOSED)
    return stmt


def export_items(user: User, **filters: Any) -> list[Incident]:
    stmt = list_stmt(user, **filters).options(
        so.selectinload(Incident.measures), so.joinedload(Incident.section)
    )
    return list(db.session.scalars(stmt).unique())


def open_for_panel(user: User, limit: int = 20) -> list[Incident]:
    return list(db.session.scalars(list_stmt(user, open_only=True).limit(limit)).unique())


def reportable_contracts(user: User) -> list[Contract]:
    """The contracts `user` may report a case on (own company's / own section's)."""
    rows = db.session.scalars(
        sa.select(Contract).where(visible_contracts_filter(user)).order_by(Contract.number)
    ).all()
    return [c for c in rows if can_report_incident_for(user, c)]


def sections_to_share(incident: Incident) -> list[Section]:
    """Sections the measures may still be shared with (not the case's own, not twice)."""
    done = {s.section_id for s in incident.shares} | {incident.section_id}
    return [
        s for s in db.session.scalars(sa.select(Section).order_by(Section.code)) if s.id not in done
    ]


def previous_inspection_day(inspection: Any) -> date | None:
    """When the inspected company was last inspected before `inspection` (recorded ones)."""
    from portal.inspection.models import Inspection, InspectionStatus

    before = inspection.performed_on or today_jst()
    previous: date | None = db.session.scalar(
        sa.select(sa.func.max(Inspection.performed_on)).where(
            Inspection.company_id == inspection.company_id,
            Inspection.id != inspection.id,
            Inspection.performed_on < before,
            Inspection.status == InspectionStatus.RECORDED,
            Inspection.performed_on.is_not(None),
        )
    )
    return previous


EXPORT_HEADER = [
    "事案番号",
    "年度",
    "課",
    "契約番号",
    "契約件名",
    "委託先",
    "発生した事業者",
    "再委託の次数",
    "件名",
    "原因",
    "発生日",
    "把握日（報告者）",
    "市が把握した日",
    "本人の数",
    "要配慮個人情報",
    "条例要配慮個人情報",
    "財産的被害のおそれ",
    "不正の目的のおそれ",
    "高度な暗号化（鍵は安全）",
    "判定（規則）",
    "判定の根拠",
    "市の判断",
    "判断日時",
    "速報期限",
    "速報日",
    "確報期限",
    "確報日",
    "本人への通知",
    "通知日",
    "公表",
    "公表日",
    "再発防止策（件）",
    "再発防止策（未了）",
    "状況",
    "完了日時",
]


def _yn(v: bool | None) -> str:
    return "" if v is None else ("要" if v else "不要")


def export_rows(items: Sequence[Incident], rules: IncidentRules) -> list[list[Any]]:
    """The export's cells, built before the response streams (the session is gone then)."""
    rows: list[list[Any]] = []
    for i in items:
        d = services.incident_deadlines(i, rules)
        due = i.effective_reportable
        rows.append(
            [
                i.number,
                i.fiscal_year,
                i.section.name,
                i.contract.number,
                i.contract.title,
                i.contract.company.name,
                i.company.name,
                i.tier,
                i.title,
                i.cause_label,
                i.occurred_on.isoformat() if i.occurred_on else "",
                i.discovered_on.isoformat(),
                i.known_on.isoformat(),
                i.people.label,
                "、".join(i.sensitive_kinds),
                "あり" if i.ordinance_sensitive else "なし",
                "あり" if i.financial_damage_risk else "なし",
                "あり" if i.unlawful_purpose_risk else "なし",
                "はい" if i.encrypted_key_safe else "いいえ",
                "報告対象" if i.auto_reportable else "報告対象外",
                " / ".join(services.grounds_text(i)),
                _yn(i.reportable),
                jst_datetime(i.decided_at),
                d.sokuho_due.isoformat() if due else "",
                i.sokuho_filed_on.isoformat() if i.sokuho_filed_on else "",
                d.kakuho_due.isoformat() if due else "",
                i.kakuho_filed_on.isoformat() if i.kakuho_filed_on else "",
                _yn(i.notify_individuals),
                i.individuals_notified_on.isoformat() if i.individuals_notified_on else "",
                _yn(i.publish),
                i.published_on.isoformat() if i.published_on else "",
                len(i.measures),
                sum(m.done_on is None for m in i.measures),
                i.status_label,
                jst_datetime(i.closed_at),
            ]
        )
    return rows
