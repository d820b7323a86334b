"""The auditors' status view: every active contract and approved tier with its status for the
年度, filters, counts per section, the ○△×- matrix (龍ヶ崎市 監査結果一覧), the CSV and PDF
exports and the CLI — in a constant number of queries."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date

import pytest
from pypdf import PdfReader

from portal.contract.models import ContractStatus
from portal.inspection.models import (
    ActionStatus,
    InspectionMethod,
    InspectionStatus,
    ItemResult,
)
from portal.inspection.rules import OverdueReason, TargetStatus
from portal.inspection.status import compute_status
from portal.wareki import fiscal_year, today_jst
from tests.factories import make_company, make_section, make_user
from tests.inspection.factories import (
    make_contract,
    make_inspection,
    make_tier,
    make_world,
    profile,
)

IRUMA = profile("iruma")
TODAY = date(2026, 11, 20)


def _by_number(report):
    return {(r.contract_number, r.tier): r for r in report.rows}


def _mixed_world():
    """Five contracts of one section in 令和8年度, one per status, plus alpha → gamma tier."""
    world = make_world()
    mk = lambda n: make_contract(section=world.section, company=world.alpha, number=n)  # noqa: E731
    scheduled, submitted, done, actions = mk("C-2"), mk("C-3"), mk("C-4"), mk("C-5")
    world.contract.number = "C-1"
    make_inspection(scheduled, prof=IRUMA, fy=2026, scheduled_on=date(2026, 12, 1))
    make_inspection(submitted, prof=IRUMA, fy=2026, status=InspectionStatus.EVIDENCE_SUBMITTED)
    make_inspection(
        done,
        prof=IRUMA,
        fy=2026,
        status=InspectionStatus.RECORDED,
        results={"staff": ItemResult.IMPROVED, "subcontractor": ItemResult.NOT_APPLICABLE},
    )
    make_inspection(
        actions,
        prof=IRUMA,
        fy=2026,
        status=InspectionStatus.RECORDED,
        results={"storage": ItemResult.NEEDS_IMPROVEMENT},
        actions=[("storage", ActionStatus.OPEN, date(2026, 11, 1))],
    )
    return world


def test_each_target_gets_its_status_for_the_fiscal_year(db):
    world = _mixed_world()

    rows = _by_number(compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY))

    assert {k: r.status for k, r in rows.items()} == {
        ("C-1", 0): TargetStatus.OVERDUE,
        ("C-1", 1): TargetStatus.OVERDUE,
        ("C-2", 0): TargetStatus.SCHEDULED,
        ("C-3", 0): TargetStatus.EVIDENCE_SUBMITTED,
        ("C-4", 0): TargetStatus.DONE,
        ("C-5", 0): TargetStatus.ACTIONS_OPEN,
    }
    assert rows[("C-1", 0)].overdue_reason == OverdueReason.NOT_SCHEDULED
    assert rows[("C-1", 1)].company_id == world.gamma.id
    assert rows[("C-1", 1)].contractor_id == world.alpha.id
    assert rows[("C-5", 0)].inspection.past_due_actions == 1


def test_before_the_scheduling_deadline_an_unplanned_target_is_only_not_scheduled(db):
    _mixed_world()

    rows = _by_number(compute_status(profile=IRUMA, fiscal_year=2026, today=date(2026, 5, 1)))

    assert rows[("C-1", 0)].status == TargetStatus.NOT_SCHEDULED


def test_hiroshima_shows_an_overdue_target_as_a_warning_and_iruma_as_a_violation(db):
    _mixed_world()

    iruma = _by_number(compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY))
    hiroshima = _by_number(
        compute_status(profile=profile("hiroshima"), fiscal_year=2026, today=TODAY)
    )

    assert (iruma[("C-1", 0)].severity, iruma[("C-1", 0)].status_label) == ("violation", "期限超過")
    assert (hiroshima[("C-1", 0)].severity, hiroshima[("C-1", 0)].status_label) == (
        "warning",
        "期限超過（警告）",
    )


def test_okinawa_with_a_24_month_frequency_counts_last_years_inspection(db):
    world = make_world()
    make_inspection(world.contract, prof=IRUMA, fy=2025, status=InspectionStatus.RECORDED)
    okinawa = profile("okinawa")  # its rule sets no frequency: the city's setting decides
    yearly = dataclasses.replace(okinawa, inspection=okinawa.inspection.with_interval(12))
    biennial = dataclasses.replace(okinawa, inspection=okinawa.inspection.with_interval(24))

    one = _by_number(compute_status(profile=yearly, fiscal_year=2026, today=TODAY))
    two = _by_number(compute_status(profile=biennial, fiscal_year=2026, today=TODAY))

    assert one[(world.contract.number, 0)].status == TargetStatus.OVERDUE
    assert two[(world.contract.number, 0)].status == TargetStatus.DONE
    assert two[(world.contract.number, 0)].inspection.fiscal_year == 2025


def test_a_written_inspection_does_not_satisfy_a_profile_where_written_does_not_count(db):
    world = make_world()
    make_inspection(
        world.contract,
        prof=IRUMA,
        fy=2026,
        status=InspectionStatus.RECORDED,
        method=InspectionMethod.WRITTEN,
    )
    strict = dataclasses.replace(
        IRUMA, inspection=dataclasses.replace(IRUMA.inspection, written_counts=False)
    )

    counted = _by_number(compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY))
    not_counted = _by_number(compute_status(profile=strict, fiscal_year=2026, today=TODAY))

    assert counted[(world.contract.number, 0)].status == TargetStatus.DONE
    assert not_counted[(world.contract.number, 0)].status == TargetStatus.OVERDUE


def test_only_active_contracts_overlapping_the_year_or_already_inspected_are_targets(db):
    world = make_world()
    section, company = world.section, world.alpha
    make_contract(section=section, company=company, number="DRAFT", status=ContractStatus.DRAFT)
    make_contract(
        section=section,
        company=company,
        number="OLD",
        period_start=date(2023, 4, 1),
        period_end=date(2024, 3, 31),
    )
    ended = make_contract(
        section=section, company=company, number="ENDED", status=ContractStatus.ERASURE_PENDING
    )
    make_inspection(ended, prof=IRUMA, fy=2026, status=InspectionStatus.RECORDED)

    numbers = {
        r.contract_number for r in compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY).rows
    }

    assert numbers == {world.contract.number, "ENDED"}


def test_a_rejected_tier_and_its_children_are_not_targets(db):
    world = make_world()
    rejected = make_tier(world.contract, world.delta, status="rejected")
    make_tier(world.contract, make_company(), parent=rejected)

    rows = compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY).rows

    assert [(r.tier, r.company_id) for r in rows] == [(0, world.alpha.id), (1, world.gamma.id)]


# --- the page and its exports ------------------------------------------------------------


@pytest.fixture
def past_year(db):
    """Two sections in the 年度 before the current one (ended: nothing depends on today)."""
    fy = fiscal_year(today_jst()) - 1
    world = _mixed_world_for(fy)
    return fy, world


def _mixed_world_for(fy):
    world = make_world()
    other = make_section(name="第二テスト課")
    make_user("protection_manager", section=other)
    world.contract.number = "P-1"
    done = make_contract(section=world.section, company=world.alpha, number="P-2")
    acts = make_contract(section=other, company=world.delta, number="Q-1")
    make_inspection(
        done,
        prof=IRUMA,
        fy=fy,
        status=InspectionStatus.RECORDED,
        results={"staff": ItemResult.IMPROVED, "erasure": ItemResult.NOT_APPLICABLE},
    )
    make_inspection(
        acts,
        prof=IRUMA,
        fy=fy,
        status=InspectionStatus.RECORDED,
        results={"storage": ItemResult.NEEDS_IMPROVEMENT},
        actions=[("storage", ActionStatus.OPEN, date(fy, 12, 1))],
    )
    world.other_section = other
    return world


def test_the_auditor_sees_every_target_counts_per_section_and_the_matrix(past_year, login_as):
    fy, _world = past_year
    client = login_as(make_user("auditor"))

    html = client.get(f"/inspections/status?fiscal_year={fy}").get_data(as_text=True)

    assert 'data-contract="P-1" data-tier="0" data-status="overdue"' in html
    assert 'data-contract="P-1" data-tier="1" data-status="overdue"' in html
    assert 'data-contract="P-2" data-tier="0" data-status="done"' in html
    assert 'data-contract="Q-1" data-tier="0" data-status="actions_open"' in html
    assert "年度内に検査結果が記録されていません" in html
    assert "第二テスト課" in html
    matrix = html.split('data-testid="matrix"')[1]
    assert "△" in matrix
    assert "×" in matrix
    assert "-" in matrix
    assert "保管・施錠管理" in matrix


def test_the_status_page_filters_by_section_contractor_and_status(past_year, login_as):
    fy, world = past_year
    client = login_as(make_user("chief"))

    by_section = client.get(
        f"/inspections/status?fiscal_year={fy}&section={world.other_section.id}"
    ).get_data(as_text=True)
    by_company = client.get(
        f"/inspections/status?fiscal_year={fy}&company={world.gamma.id}"
    ).get_data(as_text=True)
    by_status = client.get(f"/inspections/status?fiscal_year={fy}&status=done").get_data(
        as_text=True
    )
    by_text = client.get(f"/inspections/status?fiscal_year={fy}&q=Ｑ－１").get_data(as_text=True)
    rows = lambda html: html.split('data-testid="status-rows"')[1].split("</table>")[0]  # noqa: E731

    assert "Q-1" in rows(by_section)
    assert "P-1" not in rows(by_section)
    assert 'data-contract="P-1" data-tier="1"' in rows(by_company)
    assert 'data-tier="0"' not in rows(by_company)
    assert "P-2" in rows(by_status)
    assert "Q-1" not in rows(by_status)
    assert 'data-contract="Q-1"' in rows(by_text)  # full-width input is NFKC-normalised
    assert 'data-contract="P-1"' not in rows(by_text)


def test_the_status_page_survives_nonsense_parameters(past_year, login_as):
    client = login_as(make_user("auditor"))

    response = client.get("/inspections/status?fiscal_year=abc&section=x&status=<b>&page=-5")

    assert response.status_code == 200


def test_the_csv_export_has_a_bom_one_row_per_target_and_the_item_symbols(past_year, login_as):
    fy, _world = past_year
    client = login_as(make_user("auditor"))

    response = client.get(f"/inspections/status.csv?fiscal_year={fy}")
    body = response.get_data()

    text = body.decode("utf-8-sig")
    lines = text.split("\r\n")
    header = lines[0].split(",")
    assert body.startswith(b"\xef\xbb\xbf")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert header[:3] == ["年度", "課", "契約番号"]
    assert "storage:保管・施錠管理（媒体・書類の保管場所）" in header
    q1 = next(line for line in lines if ",Q-1," in line).split(",")
    assert q1[7] == "是正措置未了"
    assert q1[header.index("storage:保管・施錠管理（媒体・書類の保管場所）")] == "×"
    p2 = next(line for line in lines if ",P-2," in line).split(",")
    assert p2[header.index("erasure:不要となった個人情報の消去・廃棄の状況")] == "－"
    assert len([line for line in lines[1:] if line]) == 4


def test_the_pdf_report_parses_and_contains_japanese_text_with_the_font_embedded(
    past_year, login_as
):
    fy, _world = past_year
    client = login_as(make_user("auditor"))

    response = client.get(f"/inspections/status.pdf?fiscal_year={fy}")

    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert response.headers["Content-Type"] == "application/pdf"
    assert "実施状況報告" in text
    assert "第二テスト課" in text
    assert "是正措置未了" in text
    assert "保管・施錠管理" in text
    assert any("IPAexGothic" in str(f["/BaseFont"]) for f in fonts)
    assert all("/FontFile2" in f["/FontDescriptor"] for f in fonts if "/FontDescriptor" in f)


def test_the_cli_prints_the_status_as_json(past_year, app):
    fy, _world = past_year

    result = app.test_cli_runner().invoke(
        args=["inspections", "status", "--fiscal-year", str(fy), "--json"]
    )

    data = json.loads(result.output)
    targets = {(t["contract_number"], t["tier"]): t for t in data["targets"]}
    assert result.exit_code == 0
    assert data["fiscal_year"] == fy
    assert data["counts"]["overdue"] == 2
    assert targets[("Q-1", 0)]["status"] == "actions_open"
    assert targets[("Q-1", 0)]["results"]["storage"] == "×"
    assert targets[("P-1", 0)]["overdue_reason"] == "year_ended"


def test_the_cli_refuses_a_malformed_date(app, db):
    result = app.test_cli_runner().invoke(args=["inspections", "status", "--as-of", "2026-13-01"])

    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


# --- scale -------------------------------------------------------------------------------


def _bulk(n, fy):
    section = make_section()
    make_user("protection_manager", section=section)
    for i in range(n):
        company = make_company()
        contract = make_contract(section=section, company=company)
        tier = make_tier(contract, make_company())
        if i % 3 == 0:
            make_inspection(
                contract,
                prof=IRUMA,
                fy=fy,
                status=InspectionStatus.RECORDED,
                results={"storage": ItemResult.NEEDS_IMPROVEMENT},
                actions=[("storage", ActionStatus.OPEN, date(fy, 12, 1))],
            )
        elif i % 3 == 1:
            make_inspection(contract, prof=IRUMA, fy=fy, tier=tier)


@pytest.mark.parametrize(
    "path",
    [
        "/inspections/status?fiscal_year={fy}",
        "/inspections/status.csv?fiscal_year={fy}",
        "/inspections/status.pdf?fiscal_year={fy}",
    ],
)
def test_the_status_page_and_exports_issue_the_same_number_of_queries_for_3_and_40_contracts(
    db, login_as, count_queries, path
):
    fy = fiscal_year(today_jst())
    client = login_as(make_user("auditor"))
    url = path.format(fy=fy)
    counts = []
    for n in (3, 37):  # 3 contracts, then 40
        _bulk(n, fy)
        with count_queries() as statements:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1]
    assert counts[0] <= 12


def test_above_the_in_list_limit_the_same_rows_come_from_whole_table_reads(db, monkeypatch):
    _mixed_world()
    small = compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY)

    monkeypatch.setattr("portal.inspection.status._IN_LIST_LIMIT", 1)
    large = compute_status(profile=IRUMA, fiscal_year=2026, today=TODAY)

    assert [(r.key, r.status, r.inspection) for r in large.rows] == [
        (r.key, r.status, r.inspection) for r in small.rows
    ]


def test_a_pdf_longer_than_its_limit_says_it_shows_the_first_rows_only(
    past_year, login_as, monkeypatch
):
    fy, _world = past_year
    monkeypatch.setattr("portal.inspection.export.MAX_PDF_ROWS", 2)
    client = login_as(make_user("auditor"))

    response = client.get(f"/inspections/status.pdf?fiscal_year={fy}")

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "先頭の2件を掲載" in text.replace("\n", "")


def test_without_the_japanese_font_no_pdf_is_made_and_the_reason_is_given(past_year):
    from datetime import UTC, datetime
    from pathlib import Path

    from portal.inspection.export import ReportFontMissing, status_pdf

    fy, _world = past_year
    report = compute_status(profile=IRUMA, fiscal_year=fy, today=today_jst())

    with pytest.raises(ReportFontMissing, match="fonts-ipaexfont-gothic"):
        status_pdf(
            report,
            report.rows,
            {},
            generated_at=datetime.now(UTC),
            font_path=Path("/nonexistent/ipaexg.ttf"),
        )
