"""The demo 年度 has done, open-action and overdue inspections, whatever day it is loaded."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from portal.demo import DemoContext, _load_core
from portal.inspection import demo
from portal.inspection.rules import TargetStatus
from portal.inspection.status import compute_status
from portal.wareki import today_jst
from tests.inspection.factories import profile


@pytest.mark.parametrize(
    ("now", "expected_year"),
    [
        (datetime(2026, 11, 20, 1, 0, tzinfo=UTC), 2026),  # after the scheduling deadline
        (datetime(2026, 5, 10, 1, 0, tzinfo=UTC), 2025),  # before it: the ended 年度
    ],
)
def test_the_demo_year_mixes_done_open_action_and_overdue_targets(db, now, expected_year):
    ctx = DemoContext(now=now)
    _load_core(ctx)

    demo.load(ctx)

    report = compute_status(
        profile=profile("iruma"), fiscal_year=expected_year, today=today_jst(now)
    )
    counts = Counter(r.status for r in report.rows)
    assert ctx.extra["inspection_fiscal_year"] == expected_year
    assert counts[TargetStatus.DONE] >= 1
    assert counts[TargetStatus.ACTIONS_OPEN] >= 1
    assert counts[TargetStatus.OVERDUE] >= 1
