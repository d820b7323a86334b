"""Inspection frequency as data: a profile sets a frequency (入間市 violation; 広島市 warning,
「努める」) or none (沖縄市, 龍ヶ崎市 第35条第3項). Without one the portal shows 「頻度未設定」 and
chases nothing as overdue until the city sets its own interval in settings."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.chase.services import run_chase
from portal.inspection.rules import TargetStatus, evaluate
from portal.inspection.status import compute_status
from portal.org.models import CitySetting
from portal.profile import current_profile
from tests.factories import make_user
from tests.inspection.factories import make_world
from tests.profiles.conftest import profile

AFTER_YEAR_END = date(2027, 4, 1)
AUTUMN = date(2026, 11, 24)  # past schedule_by (06-30), nothing planned


def _evaluate(rules: Any, today: date) -> Any:
    return evaluate(
        rules,
        fy=2026,
        today=today,
        target_start=None,
        satisfied=False,
        actions_open=False,
        open_inspection_status=None,
        open_scheduled_on=None,
    )


def test_each_profile_states_its_frequency_or_none() -> None:
    iruma, hiroshima = profile("iruma").inspection, profile("hiroshima").inspection
    assert (iruma.frequency_months, iruma.overdue_is_violation) == (12, True)
    assert (hiroshima.frequency_months, hiroshima.overdue_is_violation) == (12, False)
    for name in ("okinawa", "ryugasaki"):
        rules = profile(name).inspection
        assert (rules.frequency_months, rules.frequency_source) == (None, "unset")
        assert rules.frequency_unset
        assert not rules.enforced


def test_without_a_frequency_nothing_is_overdue_until_the_city_sets_one() -> None:
    rules = profile("ryugasaki").inspection

    assert _evaluate(rules, AFTER_YEAR_END).status == TargetStatus.NOT_SCHEDULED
    assert _evaluate(rules.with_interval(12), AFTER_YEAR_END).status == TargetStatus.OVERDUE
    assert rules.with_interval(12).frequency_source == "setting"
    # Where the rule sets a frequency, a setting does not change it.
    assert profile("iruma").inspection.with_interval(36).frequency_months == 12


def _inspection_items(today: date) -> int:
    report = run_chase(today=today, dry_run=True, rules={"inspection_unscheduled"})
    return sum(r.items for r in report.rules)


def test_the_chase_chases_nothing_as_overdue_until_the_city_sets_its_interval(
    db: Any, use_profile: Any, client: Any, login_as: Any, csrf_token: Any
) -> None:
    use_profile("okinawa")
    world = make_world()
    admin = make_user("admin")
    db.session.flush()

    assert current_profile().inspection.frequency_unset
    status = compute_status(profile=current_profile(), fiscal_year=2026, today=AUTUMN)
    assert all(r.status != TargetStatus.OVERDUE for r in status.rows)
    assert _inspection_items(AUTUMN) == 0

    login_as(admin)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "頻度未設定" in page
    assert "沖縄市個人情報の取扱いに関する管理規程 第35条第3項" in page
    response = client.post(
        "/admin/settings", data={"months": "12", "csrf_token": csrf_token("/admin/settings")}
    )
    assert response.status_code == 302
    assert db.session.get(CitySetting, ("okinawa", "inspection_interval_months")).value == "12"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "setting.changed")
    ).one()
    assert entry.data["after"] == 12
    assert "12か月ごと（市の設定）" in client.get("/admin/settings").get_data(as_text=True)

    from portal.profile import forget_settings

    forget_settings()
    assert current_profile().inspection.frequency_months == 12
    status = compute_status(profile=current_profile(), fiscal_year=2026, today=AUTUMN)
    mine = [r for r in status.rows if r.contract_id == world.contract.id]
    assert mine
    assert all(r.status == TargetStatus.OVERDUE for r in mine)
    assert _inspection_items(AUTUMN) >= 1


def test_the_inspection_pages_show_frequency_unset(
    db: Any, use_profile: Any, login_as: Any
) -> None:
    use_profile("ryugasaki")
    world = make_world()
    chief = make_user("chief")

    html = login_as(world.pm).get("/inspections").get_data(as_text=True)
    assert 'data-testid="frequency-unset"' in html
    assert "期限超過 <strong>0</strong>" in re.sub(r"\s+", " ", html)
    html = login_as(chief).get("/inspections/status").get_data(as_text=True)
    assert 'data-testid="frequency-unset"' in html


def test_a_city_whose_rule_sets_the_frequency_cannot_change_it(
    db: Any, use_profile: Any, login_as: Any, csrf_token: Any
) -> None:
    use_profile("iruma")
    client = login_as(make_user("admin"))

    page = client.get("/admin/settings").get_data(as_text=True)
    assert "設定では変更できません" in page
    assert "<form" not in page.split("<main", 1)[-1]
    client.post(
        "/admin/settings", data={"months": "36", "csrf_token": csrf_token("/admin/sections")}
    )
    assert db.session.get(CitySetting, ("iruma", "inspection_interval_months")) is None
    assert current_profile().inspection.frequency_months == 12


def test_a_bad_interval_is_refused_in_japanese(
    db: Any, use_profile: Any, login_as: Any, csrf_token: Any
) -> None:
    use_profile("okinawa")
    client = login_as(make_user("admin"))

    response = client.post(
        "/admin/settings", data={"months": "0", "csrf_token": csrf_token("/admin/settings")}
    )
    assert response.status_code == 422
    assert "1から60までの月数を入力してください。" in response.get_data(as_text=True)
