"""Contract services: particulars, document versions, the check, overrides and the lifecycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.account.models import SYSTEM, Role
from portal.audit.models import AuditEntry
from portal.contract import services
from portal.contract.engine import Limits
from portal.contract.models import (
    ClauseCheck,
    ClauseOverride,
    ClauseStatus,
    Contract,
    ContractDocument,
    ContractKind,
    ContractStatus,
    DocumentRole,
    HandlingLocation,
)
from portal.erasure.services import erasure_due_date
from portal.errors import PortalError
from portal.extensions import db as _db
from portal.filestore import get_filestore
from portal.wareki import today_jst
from tests.contract import documents
from tests.contract.factories import make_check, make_contract
from tests.factories import make_company, make_section, make_user

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _input(company_id: int, **changes) -> services.ContractInput:
    base = services.ContractInput(
        number="R8-001",
        title="住民記録システム保守業務委託",
        company_id=company_id,
        kind=ContractKind.ITAKU,
        fiscal_year=2026,
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
        pi_categories="氏名、住所、生年月日",
        sensitive=False,
        people_count=12000,
        location=HandlingLocation.CONTRACTOR_SITE,
        cloud_provider=None,
        cloud_provider_country=None,
        cloud_server_country=None,
        minimum_scope="保守に必要な項目に限る。",
        anonymised=False,
        anonymisation_note="",
        retention_years=5,
    )
    return replace(base, **changes)


def _blob_keys() -> set[str]:
    return set(get_filestore().iter_keys("contract/"))


def _actions(contract: Contract) -> list[str]:
    return list(
        _db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.contract_id == contract.id)
            .order_by(AuditEntry.seq)
        ).all()
    )


@pytest.fixture
def staff(db):
    return make_user(Role.PROCUREMENT)


@pytest.fixture
def contract(db, staff):
    return make_contract(section=staff.section)


# --- particulars ------------------------------------------------------------------------------


def test_creating_a_contract_stores_every_particular_and_audits_it(db, staff):
    company = make_company()

    contract = services.create_contract(
        actor=staff, section_id=staff.section_id, data=_input(company.id, sensitive=True)
    )

    assert contract.status == ContractStatus.DRAFT
    assert (contract.number, contract.people_count, contract.sensitive) == ("R8-001", 12000, True)
    assert contract.section_id == staff.section_id
    assert _actions(contract) == ["contract.created"]


def test_a_contract_number_can_be_registered_only_once(db, staff):
    company = make_company()
    services.create_contract(actor=staff, section_id=staff.section_id, data=_input(company.id))

    with pytest.raises(PortalError, match="既に登録"):
        services.create_contract(actor=staff, section_id=staff.section_id, data=_input(company.id))


def test_cloud_handling_needs_the_providers_and_the_servers_country(db, staff):
    company = make_company()

    with pytest.raises(PortalError, match="第18条"):
        services.create_contract(
            actor=staff,
            section_id=staff.section_id,
            data=_input(company.id, location=HandlingLocation.CLOUD, cloud_provider="X社"),
        )


def test_cloud_fields_are_dropped_when_the_information_stays_on_premises(db, staff):
    company = make_company()

    contract = services.create_contract(
        actor=staff,
        section_id=staff.section_id,
        data=_input(
            company.id, location=HandlingLocation.CITY_PREMISES, cloud_provider="残った入力"
        ),
    )

    assert contract.cloud_provider is None


def test_updating_records_which_fields_changed(db, staff):
    company = make_company()
    contract = services.create_contract(
        actor=staff, section_id=staff.section_id, data=_input(company.id)
    )

    changed = services.update_contract(
        actor=staff, contract=contract, data=_input(company.id, title="新しい件名", people_count=5)
    )

    assert sorted(changed) == ["people_count", "title"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "contract.updated")
    ).one()
    assert entry.data == {"fields": changed}


def test_a_period_ending_before_it_starts_is_refused(db, staff):
    company = make_company()

    with pytest.raises(PortalError, match="終了日"):
        services.create_contract(
            actor=staff,
            section_id=staff.section_id,
            data=_input(company.id, period_end=date(2026, 3, 1)),
        )


# --- upload and check -------------------------------------------------------------------------


def test_uploading_a_complete_special_terms_text_finds_all_eight_clauses(db, staff, contract):
    outcome = services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.text_file(),
        filename="特記事項.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    assert outcome.check.ok
    assert [r.status for r in outcome.check.results] == [ClauseStatus.PRESENT] * 8
    assert all(r.document_id == outcome.document.id and r.page == 1 for r in outcome.check.results)
    assert contract.status == ContractStatus.CHECKED
    assert outcome.document.storage_key in _blob_keys()
    assert _actions(contract) == ["document.uploaded", "contract.checked"]


def test_results_keep_the_evidence_excerpt_with_its_highlight(db, staff, contract):
    outcome = services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.text_file(),
        filename="特記事項.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    copying = next(r for r in outcome.check.results if r.key == "copying")
    before, marked, after = copying.excerpt_parts
    assert marked
    assert marked in copying.excerpt
    assert before + marked + after == copying.excerpt


def test_a_missing_clause_is_reported_with_its_missing_element(db, staff, contract):
    outcome = services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.text_file(without=("copying",)),
        filename="特記事項.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    copying = next(r for r in outcome.check.results if r.key == "copying")
    assert not outcome.check.ok
    assert copying.status == ClauseStatus.MISSING
    assert copying.document_id is None
    assert copying.missing_elements


def test_the_check_reads_all_current_documents_and_names_where_each_clause_was_found(
    db, staff, contract
):
    body = services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.BODY_TEXT.encode(),
        filename="契約書.txt",
        role=DocumentRole.BODY,
        now=NOW,
    )
    assert not body.check.ok

    terms = services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.pdf_file([documents.HEADER, documents.terms_text()]),
        filename="特記事項.pdf",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    assert terms.check.ok
    assert {r.document_id for r in terms.check.results} == {terms.document.id}
    assert {r.page for r in terms.check.results} == {2}
    assert terms.document.file_kind == "pdf"
    assert terms.document.page_count == 2
    assert terms.document.content_type == "application/pdf"


def test_a_new_upload_of_the_same_role_is_a_new_version_and_keeps_the_old_one(db, staff, contract):
    first = services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.text_file(without=("copying",)),
        filename="特記事項.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )
    second = services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.docx_file(documents.terms_text()),
        filename="特記事項（修正）.docx",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    db.session.refresh(first.document)
    assert (first.document.version, first.document.is_current) == (1, False)
    assert (second.document.version, second.document.is_current) == (2, True)
    assert second.document.file_kind == "docx"
    assert {first.document.storage_key, second.document.storage_key} <= _blob_keys()
    assert second.check.ok
    assert services.current_documents(contract) == [second.document]


BAD_FILES = {
    "encrypted": documents.encrypted_pdf,
    "no_text": documents.scanned_pdf,
    "malformed": documents.truncated_pdf,
    "empty": lambda: b"",
    "unsupported_type": documents.png_file,
}


@pytest.mark.parametrize("code", sorted(BAD_FILES))
def test_an_unreadable_upload_saves_no_row_and_no_blob(db, staff, contract, code):
    keys = _blob_keys()

    with pytest.raises(services.DocumentRejected) as err:
        services.upload_document(
            actor=staff,
            contract=contract,
            data=BAD_FILES[code](),
            filename="契約書.pdf",
            role=DocumentRole.BODY,
            now=NOW,
        )

    assert err.value.code == code
    assert f"エラーコード: {code}" in str(err.value)
    assert db.session.scalar(sa.select(sa.func.count(ContractDocument.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ClauseCheck.id))) == 0
    assert _blob_keys() == keys
    assert contract.status == ContractStatus.DRAFT


def test_a_file_over_the_byte_limit_is_rejected_as_too_large(db, staff, contract):
    keys = _blob_keys()

    with pytest.raises(services.DocumentRejected) as err:
        services.upload_document(
            actor=staff,
            contract=contract,
            data=documents.text_file(),
            filename="特記事項.txt",
            role=DocumentRole.SPECIAL_TERMS,
            now=NOW,
            limits=Limits(max_bytes=1024, max_pages=10),
        )

    assert err.value.code == "too_large"
    assert _blob_keys() == keys


def test_a_failure_after_the_blob_was_saved_deletes_the_blob(db, staff, contract, monkeypatch):
    keys = _blob_keys()

    def broken(**_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_store_check", broken)

    with pytest.raises(RuntimeError):
        services.upload_document(
            actor=staff,
            contract=contract,
            data=documents.text_file(),
            filename="特記事項.txt",
            role=DocumentRole.SPECIAL_TERMS,
            now=NOW,
        )

    assert _blob_keys() == keys


def test_rechecking_without_documents_is_refused(db, staff, contract):
    with pytest.raises(PortalError, match="登録されていない"):
        services.recheck_contract(actor=staff, contract=contract, now=NOW)


def test_rechecking_reads_the_stored_documents_again(db, staff, contract):
    services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.text_file(),
        filename="特記事項.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    check = services.recheck_contract(actor=staff, contract=contract, now=NOW)

    assert check.ok
    assert db.session.scalar(sa.select(sa.func.count(ClauseCheck.id))) == 2


# --- overrides and activation -----------------------------------------------------------------


def test_activation_is_refused_while_a_clause_is_missing(db, staff, contract):
    make_check(contract, {"copying": ClauseStatus.MISSING})
    contract.status = ContractStatus.CHECKED

    with pytest.raises(PortalError, match=r"\(3\)個人情報の複製等の制限［記載なし］"):
        services.activate_contract(actor=staff, contract=contract, now=NOW)

    assert contract.status == ContractStatus.CHECKED


def test_activation_is_refused_while_a_clause_is_partial(db, staff, contract):
    make_check(contract, {"reporting_audit": ClauseStatus.PARTIAL})
    contract.status = ContractStatus.CHECKED

    with pytest.raises(PortalError, match="一部不足"):
        services.activate_contract(actor=staff, contract=contract, now=NOW)


def test_activation_needs_a_check(db, staff, contract):
    contract.status = ContractStatus.CHECKED

    with pytest.raises(PortalError, match="条項確認"):
        services.activate_contract(actor=staff, contract=contract, now=NOW)


def test_a_protection_managers_override_lets_the_contract_become_active(db, contract):
    manager = make_user(Role.PROTECTION_MANAGER, section=contract.section)
    make_check(contract, {"copying": ClauseStatus.MISSING})
    contract.status = ContractStatus.CHECKED

    services.override_clause(
        actor=manager,
        contract=contract,
        key="copying",
        status=ClauseStatus.PRESENT,
        reason="仕様書第5項に複製禁止の記載があることを確認した。",
        now=NOW,
    )
    services.activate_contract(actor=manager, contract=contract, now=NOW)

    assert contract.status == ContractStatus.ACTIVE
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "contract.activated")
    ).one()
    assert entry.data["overridden"] == ["copying"]


def test_an_override_needs_a_written_reason(db, contract):
    manager = make_user(Role.PROTECTION_MANAGER, section=contract.section)
    make_check(contract, {"copying": ClauseStatus.MISSING})

    with pytest.raises(PortalError, match="理由"):
        services.override_clause(
            actor=manager,
            contract=contract,
            key="copying",
            status=ClauseStatus.PRESENT,
            reason="   ",
            now=NOW,
        )


def test_an_override_is_audited_with_the_machine_status_and_replaces_the_previous_one(db, contract):
    manager = make_user(Role.PROTECTION_MANAGER, section=contract.section)
    make_check(contract, {"copying": ClauseStatus.PARTIAL})
    first = services.override_clause(
        actor=manager,
        contract=contract,
        key="copying",
        status=ClauseStatus.PRESENT,
        reason="確認した。",
        now=NOW,
    )

    second = services.override_clause(
        actor=manager,
        contract=contract,
        key="copying",
        status=ClauseStatus.MISSING,
        reason="再確認の結果、承諾の要件がなかった。",
        now=NOW,
    )

    assert not first.is_current
    assert second.is_current
    rows = {row.key: row for row in services.clause_rows(contract)}
    assert rows["copying"].status == ClauseStatus.MISSING
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "clause.overridden")
        .order_by(AuditEntry.seq)
    ).all()
    assert [e.data["machine_status"] for e in entries] == ["partial", "partial"]
    assert entries[1].data["replaces"] == first.id


def test_an_override_of_an_unknown_clause_is_refused(db, contract):
    manager = make_user(Role.PROTECTION_MANAGER, section=contract.section)
    make_check(contract)

    with pytest.raises(PortalError, match="条項はありません"):
        services.override_clause(
            actor=manager,
            contract=contract,
            key="nonsense",
            status=ClauseStatus.PRESENT,
            reason="x",
            now=NOW,
        )


def test_an_override_lapses_when_a_new_check_reads_the_clause_differently(db, staff, contract):
    manager = make_user(Role.PROTECTION_MANAGER, section=contract.section)
    services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.text_file(without=("copying", "incident")),
        filename="特記事項.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )
    for key in ("copying", "incident"):
        services.override_clause(
            actor=manager,
            contract=contract,
            key=key,
            status=ClauseStatus.PRESENT,
            reason="別紙で確認した。",
            now=NOW,
        )

    services.upload_document(
        actor=staff,
        contract=contract,
        data=documents.text_file(without=("incident",)),
        filename="特記事項v2.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    current = services.current_overrides(contract)
    assert set(current) == {"incident"}
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(
                AuditEntry.action == "clause.override_lapsed"
            )
        )
        == 1
    )


# --- lifecycle ------------------------------------------------------------------------------


def test_the_lifecycle_runs_from_active_to_erasure_pending_with_a_due_date(db, staff, contract):
    make_check(contract)
    contract.status = ContractStatus.CHECKED
    services.activate_contract(actor=staff, contract=contract, now=NOW)

    services.start_ending_contract(actor=staff, contract=contract, now=NOW)
    services.mark_erasure_pending(actor=staff, contract=contract, now=NOW)

    assert contract.status == ContractStatus.ERASURE_PENDING
    # 入間市 profile: erasure.due_days = 30 after the work ended (here: today, before the
    # period end) — the erasure feature's rule.
    assert contract.erasure_due_on == erasure_due_date(
        contract.period_end, today_jst(NOW), due_days=30
    )
    actions = _actions(contract)
    assert actions.index("contract.activated") < actions.index("contract.ending_started")
    assert actions.index("contract.ending_started") < actions.index("contract.erasure_required")


def test_only_draft_or_checked_contracts_can_be_cancelled(db, staff, contract):
    contract.status = ContractStatus.ACTIVE

    with pytest.raises(PortalError, match="取り消し"):
        services.cancel_contract(actor=staff, contract=contract, now=NOW)

    contract.status = ContractStatus.CHECKED
    services.cancel_contract(actor=staff, contract=contract, now=NOW)
    assert contract.status == ContractStatus.CANCELLED


def test_active_contracts_lists_only_contracts_in_performance(db):
    section = make_section()
    company = make_company()
    active = make_contract(section=section, company=company, status=ContractStatus.ACTIVE)
    make_contract(section=section, company=company, status=ContractStatus.CHECKED)
    make_contract(status=ContractStatus.ACTIVE)

    found = services.active_contracts(section_id=section.id)

    assert found == [active]
    assert services.active_contracts(company_id=company.id) == [active]


def test_status_counts_cover_every_status_of_one_section(db):
    section = make_section()
    make_contract(section=section, status=ContractStatus.ACTIVE)
    make_contract(section=section, status=ContractStatus.ACTIVE)
    make_contract(section=section)
    make_contract(status=ContractStatus.ACTIVE)

    counts = services.status_counts(section_id=section.id)

    assert counts[ContractStatus.ACTIVE] == 2
    assert counts[ContractStatus.DRAFT] == 1
    assert counts[ContractStatus.CLOSED] == 0


def test_clause_summaries_use_the_latest_check_and_count_overrides(db):
    manager = make_user(Role.PROTECTION_MANAGER)
    contract = make_contract(section=manager.section)
    make_check(contract, {k: ClauseStatus.MISSING for k in ("copying", "incident", "safeguards")})
    make_check(contract, {"copying": ClauseStatus.MISSING})
    db.session.add(
        ClauseOverride(
            contract_id=contract.id,
            key="copying",
            status=ClauseStatus.PRESENT,
            reason="確認済み",
            decided_by_id=manager.id,
        )
    )
    db.session.flush()

    summary = services.clause_summaries([contract.id])[contract.id]

    assert (summary.present, summary.total, summary.overridden, summary.ok) == (8, 8, 1, True)


def test_the_overdue_filter_accepts_conditions_from_other_features(db, monkeypatch):
    section = make_section()
    overdue = make_contract(
        section=section,
        status=ContractStatus.ACTIVE,
        period_start=date(2025, 4, 1),
        period_end=date(2026, 3, 31),
        fiscal_year=2025,
    )
    flagged = make_contract(section=section, status=ContractStatus.ACTIVE, title="検査未実施")
    make_contract(section=section, status=ContractStatus.ACTIVE)
    monkeypatch.setattr(services, "_overdue_conditions", [])
    services.register_overdue_condition(lambda _today: Contract.title == "検査未実施")

    ids = services.overdue_ids(
        [c.id for c in db.session.scalars(sa.select(Contract)).all()], today=date(2026, 6, 1)
    )

    assert ids == {overdue.id, flagged.id}


def test_system_actor_may_upload_for_the_demo(db, contract):
    outcome = services.upload_document(
        actor=SYSTEM,
        contract=contract,
        data=documents.text_file(),
        filename="特記事項.txt",
        role=DocumentRole.SPECIAL_TERMS,
        now=NOW,
    )

    assert outcome.document.uploaded_by_id is None
    assert outcome.check.checked_by_id is None
