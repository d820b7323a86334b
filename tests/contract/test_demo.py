"""The demo contracts promise a state for each part of the register."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.contract import demo, services
from portal.contract.models import ContractKind, ContractStatus, DocumentRole
from portal.demo import DemoContext, _load_core
from portal.filestore import get_filestore

NOW = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def contracts(db):
    ctx = DemoContext(now=NOW)
    _load_core(ctx)
    demo.load(ctx)
    return ctx.extra["contracts"]


def test_alpha_has_an_active_shimin_contract_with_a_generated_special_terms_checked_ok(
    contracts,
):
    juki = contracts["juki"]

    rows = services.clause_rows(juki)
    documents = services.current_documents(juki)
    assert juki.status == ContractStatus.ACTIVE
    assert (juki.section.code, juki.company.corporate_number) == ("S01", "9010001000015")
    assert [d.role for d in documents] == [DocumentRole.BODY, DocumentRole.SPECIAL_TERMS]
    assert [row.status.value for row in rows] == ["present"] * 8
    assert all(get_filestore().exists(d.storage_key) for d in documents)


def test_one_demo_contract_lacks_a_clause_and_stays_checked(contracts):
    mailing = contracts["mailing"]

    lacking = [row.key for row in services.clause_rows(mailing) if row.status.value != "present"]
    assert mailing.status == ContractStatus.CHECKED
    assert lacking == ["copying"]


def test_last_years_contract_waits_for_the_erasure_certificate(contracts):
    printing = contracts["kyufu_print"]

    assert printing.status == ContractStatus.ERASURE_PENDING
    assert printing.period_end < NOW.date()
    assert printing.erasure_due_on is not None


def test_the_demo_has_a_dispatch_contract_and_other_states(contracts):
    states = {c.status for c in contracts.values()}

    assert contracts["madoguchi_haken"].kind == ContractKind.HAKEN
    # 入間市規程 第37条第5項: a 派遣 contract is asked for 秘密保持義務等 only
    rows = services.clause_rows(contracts["madoguchi_haken"])
    assert [(row.key, row.status.value) for row in rows] == [("confidentiality", "present")]
    assert {ContractStatus.DRAFT, ContractStatus.CANCELLED, ContractStatus.CHECKED} <= states
    assert len({c.fiscal_year for c in contracts.values()}) == 3
