"""The pieces every chaser shares: what falls due, its stages, and who must act at each.

A *chaser* is one rule ("再委託 requests waiting for a decision", "certificates about to
expire"...). It returns the items that are currently open — in a constant number of queries,
whatever the number of contracts — and, for each item, its *stages*: reminders before the
due date (`remind_days_before`, e.g. 14 and 3 days), the due date itself, and the escalation
after `escalate_after_days` more. Only the latest stage reached is sent, once: a run that
was missed (the scheduler was down) sends the stage that applies now, not every stage it
skipped, and a second run the same day finds it already sent (`ChaseMark`, and the unique
`Notification.dedupe_key` as the last guard).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from portal.profile import Profile


class Audience(enum.StrEnum):
    """Who receives a stage; resolved to users per item (section, company)."""

    SECTION_PM = "section_pm"  # the item's section's 保護管理者
    SECTION_PROCUREMENT = "section_procurement"  # 契約担当 of the item's sections
    CONTRACTOR = "contractor"  # the users of the item's companies
    CHIEF = "chief"  # 総括保護管理者 (city-wide)


class Severity(enum.StrEnum):
    REMINDER = "reminder"  # before the due date
    OVERDUE = "overdue"  # on / after the due date
    ESCALATION = "escalation"  # to the 総括保護管理者
    WARNING = "warning"  # 広島市 第10 4「努める」: overdue is a warning, never escalated


SEVERITY_LABELS = {
    Severity.REMINDER: "督促",
    Severity.OVERDUE: "期限超過",
    Severity.ESCALATION: "エスカレーション",
    Severity.WARNING: "注意",
}
SEVERITY_ORDER = {
    Severity.ESCALATION: 0,
    Severity.OVERDUE: 1,
    Severity.WARNING: 2,
    Severity.REMINDER: 3,
}


@dataclass(frozen=True, slots=True)
class Stage:
    name: str  # "before14", "due", "escalation", ...
    on: date  # the first day the stage applies
    severity: Severity
    audience: frozenset[Audience]


class DueItem(NamedTuple):
    """One open thing a rule chases. `object_type`/`object_id` name the object the reminder
    history hangs on (the class name, as `Notification.object_type` stores it).
    A NamedTuple: a run builds one per open item, several times cheaper than a frozen
    dataclass."""

    rule: str
    object_type: str
    object_id: int
    due_on: date
    title: str
    stages: tuple[Stage, ...]
    scope: str = ""  # restarts the stages when it changes (e.g. the 年度)
    contract_id: int | None = None
    section_ids: tuple[int, ...] = ()
    company_ids: tuple[int, ...] = ()
    url: str | None = None
    # What the chaser needs to write the message (a row); read only for items that are sent,
    # so a run over 100,000 contracts formats text only for what goes out.
    detail: Any = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.object_type, self.object_id)


def current_stage(stages: Sequence[Stage], today: date) -> Stage | None:
    """The latest stage that has begun on `today` (None before the first one)."""
    best: Stage | None = None
    for stage in stages:
        if stage.on <= today and (best is None or stage.on >= best.on):
            best = stage
    return best


@dataclass(frozen=True)
class ChaseContext:
    today: date
    profile: Profile
    # Results shared by several chasers of one run (e.g. the inspection status report).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def violation(self) -> bool:
        """Whether an overdue yearly check is a violation (escalate) or a warning."""
        return self.profile.inspection.overdue_is_violation


def before_stages(
    due_on: date,
    days: Iterable[int],
    audience: frozenset[Audience],
    *,
    not_before: date | None = None,
) -> list[Stage]:
    """Reminders `days` before `due_on`; a reminder that would fall on or before the item's
    own start (`not_before`, e.g. the day a request was submitted) is dropped as noise."""
    out = []
    for n in sorted({d for d in days if d > 0}, reverse=True):
        on = due_on - timedelta(days=n)
        if not_before is not None and on <= not_before:
            continue
        out.append(Stage(f"before{n}", on, Severity.REMINDER, audience))
    return out


def escalation_stage(
    on: date, ctx: ChaseContext, *, warn_to: frozenset[Audience] | None = None
) -> Stage:
    """After `escalate_after_days` more: to the 総括保護管理者, or — where an overdue yearly
    check is only a warning (広島市 第10 4) — a warning to the 保護管理者 instead."""
    if ctx.violation:
        return Stage("escalation", on, Severity.ESCALATION, frozenset({Audience.CHIEF}))
    return Stage("warning", on, Severity.WARNING, warn_to or frozenset({Audience.SECTION_PM}))


@dataclass
class RuleResult:
    rule: str
    label: str
    available: bool = True
    items: int = 0  # open items the rule found
    sent: int = 0  # items whose current stage went out in this run
    notifications: int = 0
    note: str = ""


class Sent(NamedTuple):
    """One stage of one item that went (or, in a dry run, would go) out. A dry run keeps
    the subject as a function and writes it only when asked (a report over 100,000
    contracts prints a hundred lines, not 50,000 subjects)."""

    rule: str
    object_type: str
    object_id: int
    stage: str
    stage_on: date
    severity: Severity
    subject_of: str | Callable[[], str]
    user_ids: tuple[int, ...]
    emails: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        s = self.subject_of
        return s if isinstance(s, str) else s()
