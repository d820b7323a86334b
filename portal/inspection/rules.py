"""The yearly-inspection rules of a profile, as pure date arithmetic (no database).

Deadline rule (the same for every city; the numbers come from the profile's [inspection]):

- A target must have a *counting* inspection recorded within the 年度 — by March 31
  (入間市 第37条第3項「毎年度1回以上」, 広島市 第10 4「年1回以上」, 沖縄市 第35条第3項 and
  龍ヶ崎市 第35条第3項 without a frequency: yearly by default). With `frequency_months` of
  24, 36 … one recorded inspection covers that many 年度 (沖縄市: configurable).
- It must be *scheduled* by `schedule_by` (e.g. "06-30"). A contract or 再委託 tier that starts
  after April 1 gets the same lead time from its own start, never past March 31.
- `written_counts = false` means a 書面 inspection does not satisfy the yearly check.
- `required = false` means nothing is ever overdue (the status is still shown); so does a
  profile without `frequency_months` until the city sets its own interval (頻度未設定).
- `overdue_is_violation = false` (広島市 第10 4「努める」) shows overdue as a warning.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, timedelta

from portal.inspection.models import InspectionMethod
from portal.profile import InspectionRules, ProfileError
from portal.wareki import fiscal_year_bounds


class TargetStatus(enum.StrEnum):
    NOT_SCHEDULED = "not_scheduled"
    SCHEDULED = "scheduled"
    EVIDENCE_SUBMITTED = "evidence_submitted"
    DONE = "done"
    ACTIONS_OPEN = "actions_open"
    OVERDUE = "overdue"


TARGET_STATUS_LABELS = {
    TargetStatus.NOT_SCHEDULED: "未計画",
    TargetStatus.SCHEDULED: "計画済",
    TargetStatus.EVIDENCE_SUBMITTED: "資料提出済",
    TargetStatus.DONE: "完了",
    TargetStatus.ACTIONS_OPEN: "是正措置未了",
    TargetStatus.OVERDUE: "期限超過",
}


class OverdueReason(enum.StrEnum):
    NOT_SCHEDULED = "not_scheduled"  # nothing planned by the scheduling deadline
    YEAR_ENDED = "year_ended"  # the 年度 ended without a counting record


OVERDUE_REASON_LABELS = {
    OverdueReason.NOT_SCHEDULED: "期限までに検査が計画されていません",
    OverdueReason.YEAR_ENDED: "年度内に検査結果が記録されていません",
}


def parse_month_day(value: str, fy: int) -> date:
    """'06-30' in 年度 2026 → 2026-06-30; '02-15' → 2027-02-15 (January–March belong to the
    next calendar year). Raises ProfileError on a malformed or impossible value."""
    try:
        month_s, day_s = value.split("-")
        month, day = int(month_s), int(day_s)
        return date(fy if month >= 4 else fy + 1, month, day)
    except ValueError as exc:
        raise ProfileError(f"[inspection] schedule_by must be MM-DD, got {value!r}") from exc


def window_years(rules: InspectionRules) -> int:
    """How many 年度 one recorded inspection covers (12 months → 1)."""
    if rules.frequency_months is None:  # 頻度未設定: shown per 年度, never overdue
        return 1
    return max(1, math.ceil(rules.frequency_months / 12))


@dataclass(frozen=True)
class Deadlines:
    schedule_by: date
    complete_by: date
    year_end_warning_from: date


def deadlines(rules: InspectionRules, fy: int, target_start: date | None = None) -> Deadlines:
    """The scheduling and completion deadlines of one target in 年度 `fy`."""
    start, end = fiscal_year_bounds(fy)
    lead = parse_month_day(rules.schedule_by, fy) - start
    begins = max(start, target_start) if target_start else start
    return Deadlines(
        schedule_by=min(begins + lead, end),
        complete_by=end,
        year_end_warning_from=end - timedelta(days=rules.year_end_warning_days),
    )


def method_counts(rules: InspectionRules, method: InspectionMethod) -> bool:
    """Whether a recorded inspection of this method satisfies the yearly check."""
    return method == InspectionMethod.ONSITE or rules.written_counts


def written_needs_reason(rules: InspectionRules) -> bool:
    """原則実地 (入間市 第37条第3項, 広島市 第10 4): 書面 only with a recorded reason."""
    return rules.onsite_principle


@dataclass(frozen=True, slots=True)
class Evaluation:
    status: TargetStatus
    overdue_reason: OverdueReason | None
    deadlines: Deadlines
    record_late: bool  # scheduled date passed without a record
    near_year_end: bool  # inside year_end_warning_days, not yet satisfied


def evaluate(
    rules: InspectionRules,
    *,
    fy: int,
    today: date,
    target_start: date | None,
    satisfied: bool,
    actions_open: bool,
    open_inspection_status: str | None,
    open_scheduled_on: date | None,
    known: Deadlines | None = None,
) -> Evaluation:
    """The status of one target in 年度 `fy` as seen on `today`.

    `satisfied`: a counting inspection was recorded inside the window; `actions_open`: that
    inspection still has corrective actions not closed; `open_inspection_*`: the planned
    inspection not yet recorded, if any. `known`: the target's deadlines, when the caller
    has them already (they depend only on the start date).
    """
    d = known or deadlines(rules, fy, target_start)
    record_late = open_scheduled_on is not None and today > open_scheduled_on
    near_end = not satisfied and d.year_end_warning_from <= today <= d.complete_by
    if satisfied:
        status = TargetStatus.ACTIONS_OPEN if actions_open else TargetStatus.DONE
        return Evaluation(status, None, d, False, False)
    reason: OverdueReason | None = None
    if rules.enforced:  # required, and a frequency is known (頻度未設定: nothing is overdue)
        if today > d.complete_by:
            reason = OverdueReason.YEAR_ENDED
        elif open_inspection_status is None and today > d.schedule_by:
            reason = OverdueReason.NOT_SCHEDULED
    if reason is not None:
        return Evaluation(TargetStatus.OVERDUE, reason, d, record_late, near_end)
    if open_inspection_status == "evidence_submitted":
        status = TargetStatus.EVIDENCE_SUBMITTED
    elif open_inspection_status is not None:
        status = TargetStatus.SCHEDULED
    else:
        status = TargetStatus.NOT_SCHEDULED
    return Evaluation(status, None, d, record_late, near_end)
