"""The ○△×- scale in each profile's words: 龍ヶ崎市 writes △ as 「監査指導により改善」 (its 内部監査
結果一覧), the other cities use the generic wording."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from portal.errors import PortalError
from portal.inspection.models import InspectionStatus, ItemResult
from portal.inspection.services import record_inspection
from portal.wareki import fiscal_year, today_jst
from tests.inspection.factories import make_inspection, make_world
from tests.profiles.conftest import PROFILES, profile

RYUGASAKI_LEGEND = "○：適正 △：監査指導により改善 ×：改善を要する -：該当なし"
GENERIC_LEGEND = "○：適正 △：指導により改善 ×：改善を要する -：該当なし"


def test_each_profile_words_the_scale() -> None:
    assert profile("ryugasaki").inspection.legend() == RYUGASAKI_LEGEND
    assert profile("ryugasaki").inspection.result_label(ItemResult.IMPROVED) == (
        "監査指導により改善"
    )
    for name in set(PROFILES) - {"ryugasaki"}:
        assert profile(name).inspection.legend() == GENERIC_LEGEND


@pytest.mark.parametrize(
    ("name", "legend"), [("ryugasaki", RYUGASAKI_LEGEND), ("iruma", GENERIC_LEGEND)]
)
def test_the_inspection_pages_use_the_profiles_wording(
    db: Any, use_profile: Any, login_as: Any, name: str, legend: str
) -> None:
    prof = use_profile(name)
    world = make_world()
    today = today_jst()
    inspection = make_inspection(
        world.contract, prof=prof, fy=fiscal_year(today), scheduled_on=today
    )
    done = make_inspection(
        world.contract,
        prof=prof,
        fy=fiscal_year(today),
        scheduled_on=today,
        status=InspectionStatus.RECORDED,
        default_result=ItemResult.IMPROVED,
    )
    client = login_as(world.pm)

    record = client.get(f"/inspections/{inspection.id}/record").get_data(as_text=True)
    detail = client.get(f"/inspections/{done.id}").get_data(as_text=True)

    assert legend in record
    assert prof.inspection.result_label(ItemResult.IMPROVED) in record
    assert f'title="{prof.inspection.result_label(ItemResult.IMPROVED)}"' in detail
    if name != "ryugasaki":
        assert "監査指導により改善" not in record + detail


def test_a_missing_result_is_refused_in_the_profiles_words(db: Any, use_profile: Any) -> None:
    prof = use_profile("ryugasaki")
    world = make_world()
    today = today_jst()
    inspection = make_inspection(
        world.contract, prof=prof, fy=fiscal_year(today), scheduled_on=today
    )

    with pytest.raises(PortalError, match="△ 監査指導により改善"):
        record_inspection(
            actor=world.pm,
            profile=prof,
            inspection=inspection,
            results={},
            notes={},
            findings="",
            performed_on=today,
            today=today,
            now=datetime.now(UTC),
        )
