"""Each rule of the import, through `portal import KIND FILE --json` (one test per rule)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from portal.account.models import Role, User
from portal.account.passwords import verify_password
from portal.contract.models import Contract, ContractKind, HandlingLocation
from portal.extensions import db as _db
from portal.org.models import CertificateKind, Company
from tests.dataio.books import (
    COMPANY_HEADER,
    CONTRACT_HEADER,
    USER_HEADER,
    company_row,
    contract_row,
    corporate_number,
    csv_bytes,
    user_row,
    xlsx_bytes,
)
from tests.factories import make_company, make_section, make_user


def _company(number: str) -> Company | None:
    return _db.session.scalar(sa.select(Company).where(Company.corporate_number == number))


# --- the command line's answer ----------------------------------------------------------------


def test_a_clean_file_is_a_dry_run_that_counts_creates_and_exits_0(db, run_import):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1), company_row(2)])

    result = run_import("companies", book)

    assert result.exit_code == 0
    assert result.payload == {
        "file": result.payload["file"],
        "kind": "companies",
        "applied": False,
        "rows": 2,
        "create": 2,
        "update": 0,
        "unchanged": 0,
        "refused": [],
    }
    assert result.payload["file"].endswith("book.xlsx")
    assert _company(corporate_number(1)) is None


def test_apply_creates_the_rows_and_audits_each_object_and_the_import(db, run_import, audit_count):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1), company_row(2)])

    result = run_import("companies", book, "--apply")

    assert result.exit_code == 0
    assert result.payload["applied"] is True
    company = _company(corporate_number(1))
    assert company is not None
    assert (company.name, company.contact_email) == ("株式会社テスト1", "tanto1@example.co.jp")
    assert audit_count("company.created") == 2
    assert audit_count("import.applied") == 1


def test_importing_the_same_file_twice_changes_nothing(db, run_import, audit_count):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1), company_row(2)])
    run_import("companies", book, "--apply")

    again = run_import("companies", book, "--apply")

    assert again.exit_code == 0
    assert (again.payload["create"], again.payload["update"], again.payload["unchanged"]) == (
        0,
        0,
        2,
    )
    assert audit_count("company.created") == 2
    assert audit_count("company.updated") == 0
    assert audit_count("import.applied") == 1


def test_a_known_key_with_a_changed_value_is_an_update(db, run_import, audit_count):
    run_import("companies", xlsx_bytes([COMPANY_HEADER, company_row(1)]), "--apply")

    result = run_import(
        "companies", xlsx_bytes([COMPANY_HEADER, company_row(1, 名称="株式会社新名称")]), "--apply"
    )

    assert (result.payload["update"], result.payload["unchanged"]) == (1, 0)
    assert _company(corporate_number(1)).name == "株式会社新名称"
    assert audit_count("company.updated") == 1


def test_rows_count_every_create_update_unchanged_and_refused_row(db, run_import):
    run_import("companies", xlsx_bytes([COMPANY_HEADER, company_row(1), company_row(2)]), "--apply")
    book = xlsx_bytes(
        [
            COMPANY_HEADER,
            company_row(1),
            company_row(2, 所在地="移転先"),
            company_row(3),
            company_row(4, 法人番号="1234567890123"),
        ]
    )

    result = run_import("companies", book)

    p = result.payload
    assert (p["create"], p["update"], p["unchanged"], len(result.refused_rows)) == (1, 1, 1, 1)
    assert p["rows"] == p["create"] + p["update"] + p["unchanged"] + len(result.refused_rows)


def test_refused_rows_exit_1_and_nothing_is_applied(db, run_import):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1), company_row(2, 法人番号="1234567890123")])

    result = run_import("companies", book, "--apply")

    assert result.exit_code == 1
    assert result.payload["applied"] is False
    assert result.payload["refused"] == [
        {"row": 3, "column": "法人番号", "message": "法人番号のチェックデジットが不正です。"}
    ]
    assert _company(corporate_number(1)) is None


def test_row_numbers_are_those_excel_shows(db, run_import):
    book = xlsx_bytes(
        [COMPANY_HEADER, company_row(1), [], company_row(2, 名称="")],
        above=[["委託先一覧"], []],
    )

    result = run_import("companies", book)

    assert result.refused_rows == {6}


def test_row_numbers_in_a_csv_are_its_line_numbers(db, run_import):
    data = csv_bytes(
        [COMPANY_HEADER, company_row(1, 所在地="東京都\n千代田区"), company_row(2, 名称="")]
    )

    result = run_import("companies", data, name="book.csv")

    # Line 2 holds a quoted line break, so the second record starts on line 4.
    assert result.refused_rows == {4}


# --- the header row ---------------------------------------------------------------------------


def test_the_header_row_is_the_first_row_with_every_template_header(db, run_import):
    book = xlsx_bytes(
        [COMPANY_HEADER, company_row(1)],
        above=[["令和7年度 委託先一覧"], ["作成: 情報政策課"], []],
    )

    result = run_import("companies", book)

    assert (result.exit_code, result.payload["create"]) == (0, 1)


def test_a_note_row_that_only_mentions_a_header_word_is_not_the_header(db, run_import):
    note = ["法人番号は13桁", "名称は正式名称で", "所在地", "担当者氏名", "担当者メールアドレス等"]
    book = xlsx_bytes([COMPANY_HEADER, company_row(1)], above=[note])

    result = run_import("companies", book)

    assert (result.exit_code, result.payload["rows"]) == (0, 1)


def test_a_file_without_the_template_headers_cannot_be_read(db, run_import):
    book = xlsx_bytes([["法人番号", "名称"], company_row(1)[:2]])

    result = run_import("companies", book)

    assert result.exit_code == 2
    assert result.payload["error"]["code"] == "header_not_found"
    assert "所在地" in result.payload["error"]["message"]


def test_headers_are_matched_after_nfkc_and_without_spaces_in_any_order(db, run_import):
    header = ["担当者 メールアドレス", "名　称", "ﾎｳｼﾞﾝ", "所在地", "担当者氏名", "法人番号"]
    row = ["a@example.jp", "株式会社ABC", "", "入間市", "山田", corporate_number(5)]

    result = run_import("companies", xlsx_bytes([header, row]), "--apply")

    assert result.exit_code == 0
    assert _company(corporate_number(5)).contact_email == "a@example.jp"


def test_unknown_columns_are_ignored_and_reported_once(db, run_import):
    book = xlsx_bytes(
        [[*COMPANY_HEADER, "備考"], [*company_row(1), "メモ"], [*company_row(2), "メモ"]]
    )

    result = run_import("companies", book)

    assert result.exit_code == 0
    assert result.stderr.count("備考") == 1


def test_a_two_row_header_may_carry_merged_group_labels(db, run_import):
    group = ["", "", "", "担当者", "", "認証", "", ""]
    header = ["法人番号", "名称", "所在地", "氏名", "メールアドレス", "種別", "番号", "有効期限"]
    row = [
        corporate_number(1),
        "株式会社A",
        "入間市",
        "山田",
        "y@example.jp",
        "ISMS",
        "IS-1",
        "R9.3.31",
    ]
    book = xlsx_bytes([group, header, row], merges=["D1:E1", "F1:H1"])

    result = run_import("companies", book, "--apply")

    assert result.exit_code == 0
    company = _company(corporate_number(1))
    assert (company.contact_name, company.contact_email) == ("山田", "y@example.jp")
    assert company.certificates[0].expires_on == date(2027, 3, 31)


def test_a_cell_merged_down_over_both_header_rows_is_read_from_the_upper_row(db, run_import):
    upper = ["法人番号", "名称", "所在地", "担当者", ""]
    lower = ["", "", "", "氏名", "メールアドレス"]
    row = company_row(1)[:5]
    book = xlsx_bytes([upper, lower, row], merges=["A1:A2", "B1:B2", "C1:C2", "D1:E1"])

    result = run_import("companies", book)

    assert (result.exit_code, result.payload["create"]) == (0, 1)


# --- values -----------------------------------------------------------------------------------


def test_values_are_trimmed_of_ascii_and_full_width_spaces(db, run_import):
    row = company_row(1, 名称="　株式会社テスト　 ", 所在地=" 入間市\u3000")

    run_import("companies", xlsx_bytes([COMPANY_HEADER, row]), "--apply")

    company = _company(corporate_number(1))
    assert (company.name, company.address) == ("株式会社テスト", "入間市")


def test_corporate_numbers_are_read_after_nfkc(db, run_import):
    full_width = corporate_number(1).translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    result = run_import(
        "companies", xlsx_bytes([COMPANY_HEADER, company_row(1, 法人番号=full_width)]), "--apply"
    )

    assert result.exit_code == 0
    assert _company(corporate_number(1)) is not None


def test_a_corporate_number_stored_as_an_excel_number_is_read(db, run_import):
    row = company_row(1, 法人番号=int(corporate_number(1)))

    result = run_import("companies", xlsx_bytes([COMPANY_HEADER, row]))

    assert (result.exit_code, result.payload["create"]) == (0, 1)


def test_the_check_digit_of_a_corporate_number_is_verified(db, run_import):
    good = corporate_number(1)
    bad = str((int(good[0]) + 1) % 10) + good[1:]

    result = run_import("companies", xlsx_bytes([COMPANY_HEADER, company_row(1, 法人番号=bad)]))

    assert result.messages(2) == ["法人番号: 法人番号のチェックデジットが不正です。"]


@pytest.mark.parametrize(
    "written",
    [
        "令和7年4月1日",
        "R7.4.1",
        "r7/4/1",
        "2025/4/1",
        "2025-04-01",
        "2025年4月1日",
        "２０２５／４／１",
        "令和７年４月１日",
        datetime(2025, 4, 1),  # noqa: DTZ001 - Excel date cells carry no zone
        date(2025, 4, 1),
    ],
)
def test_dates_are_read_in_wareki_seireki_full_width_and_as_excel_dates(db, run_import, written):
    row = company_row(1, 認証種別="ISMS", 認証番号="IS-1", 認証有効期限=written)

    run_import("companies", xlsx_bytes([COMPANY_HEADER, row]), "--apply")

    assert _company(corporate_number(1)).certificates[0].expires_on == date(2025, 4, 1)


@pytest.mark.parametrize("impossible", ["2025/2/30", "令和7年13月1日", "令和元年4月30日", "R0.1.1"])
def test_an_impossible_date_refuses_the_row(db, run_import, impossible):
    row = company_row(1, 認証種別="ISMS", 認証番号="IS-1", 認証有効期限=impossible)

    result = run_import("companies", xlsx_bytes([COMPANY_HEADER, row]))

    assert result.exit_code == 1
    assert [r["column"] for r in result.payload["refused"]] == ["認証有効期限"]


def test_email_keys_are_lower_cased(db, run_import):
    section = make_section("市民課")
    run_import(
        "users",
        xlsx_bytes([USER_HEADER, user_row(1, role="契約担当者", affiliation=section.name)]),
        "--apply",
    )
    upper = user_row(
        1, role="契約担当者", affiliation=section.name, メールアドレス="IMPORT1@City.Example.JP"
    )

    result = run_import("users", xlsx_bytes([USER_HEADER, upper]))

    assert (result.payload["create"], result.payload["unchanged"]) == (0, 1)


def test_a_duplicate_key_within_one_file_is_refused(db, run_import):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1), company_row(2), company_row(1, 名称="別名")])

    result = run_import("companies", book)

    assert result.refused_rows == {4}
    assert "2行目と重複" in result.messages(4)[0]


def test_a_row_with_nothing_in_any_template_column_is_ignored(db, run_import):
    book = xlsx_bytes(
        [
            [*COMPANY_HEADER, "備考"],
            company_row(1),
            [None] * 8 + ["ここは空行"],
            ["", " ", "　"],
            company_row(2),
        ]
    )

    result = run_import("companies", book)

    assert (result.exit_code, result.payload["rows"], result.payload["create"]) == (0, 2, 2)


@pytest.mark.parametrize("label", ["計", "合計", "※ 以上"])
def test_a_row_with_text_but_no_key_is_refused(db, run_import, label):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1), ["", label, "", "", "", "", "", ""]])

    result = run_import("companies", book)

    assert result.refused_rows == {3}
    assert result.messages(3) == [
        "法人番号: 法人番号がありません（合計・注記などの行は取り込めません）。"
    ]


def test_a_formula_cell_refuses_the_row(db, run_import):
    book = xlsx_bytes([COMPANY_HEADER, company_row(1, 名称='=CONCAT("株式会社", "A")')])

    result = run_import("companies", book)

    assert result.messages(2) == ["名称: 数式は取り込めません。値として貼り付けてください。"]


def test_a_certificate_kind_outside_the_choices_refuses_the_row(db, run_import):
    row = company_row(1, 認証種別="ISO9001", 認証番号="Q-1")

    result = run_import("companies", xlsx_bytes([COMPANY_HEADER, row]))

    assert [r["column"] for r in result.payload["refused"]] == ["認証種別"]


def test_a_certificate_kind_is_read_in_full_width_and_lower_case(db, run_import):
    row = company_row(1, 認証種別="ｉｓｍｓ", 認証番号="IS-1")

    run_import("companies", xlsx_bytes([COMPANY_HEADER, row]), "--apply")

    assert _company(corporate_number(1)).certificates[0].kind == CertificateKind.ISMS


# --- contracts --------------------------------------------------------------------------------


@pytest.fixture
def register(db):
    section = make_section("市民課")
    company = make_company("株式会社委託先")
    return section, company


def test_a_contract_row_is_created_with_its_fiscal_year_from_the_start(db, run_import, register):
    section, company = register
    row = contract_row(
        1, section="市民課", company=company.corporate_number, 本人の数="１，２００人"
    )

    result = run_import("contracts", xlsx_bytes([CONTRACT_HEADER, row]), "--apply")

    assert result.exit_code == 0
    contract = _db.session.scalar(sa.select(Contract).where(Contract.number == "R7-00001"))
    assert (contract.section_id, contract.company_id, contract.fiscal_year) == (
        section.id,
        company.id,
        2025,
    )
    assert (contract.people_count, contract.kind, contract.location) == (
        1200,
        ContractKind.ITAKU,
        HandlingLocation.CONTRACTOR_SITE,
    )
    assert contract.status.value == "draft"


@pytest.mark.parametrize(
    ("column", "value"),
    [("契約種別", "請負"), ("要配慮個人情報", "不明"), ("取扱場所", "自宅")],
)
def test_a_contract_value_outside_the_listed_choices_refuses_the_row(
    db, run_import, register, column, value
):
    _, company = register
    row = contract_row(1, section="市民課", company=company.corporate_number, **{column: value})

    result = run_import("contracts", xlsx_bytes([CONTRACT_HEADER, row]))

    assert [r["column"] for r in result.payload["refused"]] == [column]


def test_an_end_date_before_the_start_refuses_the_row(db, run_import, register):
    _, company = register
    row = contract_row(
        1,
        section="市民課",
        company=company.corporate_number,
        契約開始日="R7.4.1",
        契約終了日="R7.3.31",
    )

    result = run_import("contracts", xlsx_bytes([CONTRACT_HEADER, row]))

    assert result.messages(2) == ["契約終了日: 契約終了日が契約開始日より前です。"]


def test_an_unknown_section_refuses_the_row(db, run_import, register):
    _, company = register
    row = contract_row(1, section="存在しない課", company=company.corporate_number)

    result = run_import("contracts", xlsx_bytes([CONTRACT_HEADER, row]))

    assert result.messages(2) == ["担当課: 担当課「存在しない課」は登録されていません。"]


def test_an_unregistered_company_refuses_the_row(db, run_import, register):
    row = contract_row(1, section="市民課", company=corporate_number(99))

    result = run_import("contracts", xlsx_bytes([CONTRACT_HEADER, row]))

    assert [r["column"] for r in result.payload["refused"]] == ["委託先法人番号"]
    assert "登録されていません" in result.payload["refused"][0]["message"]


def test_a_cloud_contract_needs_the_provider_and_both_countries(db, run_import, register):
    _, company = register
    row = contract_row(1, section="市民課", company=company.corporate_number, 取扱場所="クラウド")

    result = run_import("contracts", xlsx_bytes([CONTRACT_HEADER, row]))

    assert "第18条" in result.messages(2)[0]


# --- users ------------------------------------------------------------------------------------


def test_users_are_created_with_the_role_titles_of_the_citys_profile(db, run_import):
    section = make_section("市民課")
    company = make_company()
    book = xlsx_bytes(
        [
            USER_HEADER,
            user_row(1, role="保護管理者", affiliation="市民課"),
            user_row(2, role="委託先担当者", affiliation=company.corporate_number),
            user_row(3, role="監査責任者", affiliation=""),
        ]
    )

    result = run_import("users", book, "--apply")

    assert result.exit_code == 0
    users = {
        u.email: u for u in _db.session.scalars(sa.select(User).where(User.email.like("import%")))
    }
    assert users["import1@city.example.jp"].role == Role.PROTECTION_MANAGER
    assert users["import1@city.example.jp"].section_id == section.id
    assert users["import2@city.example.jp"].company_id == company.id
    assert users["import3@city.example.jp"].role == Role.AUDITOR


def test_an_imported_account_has_no_password_until_one_is_issued(db, run_import):
    book = xlsx_bytes([USER_HEADER, user_row(1, role="監査責任者", affiliation="")])

    run_import("users", book, "--apply")

    user = _db.session.scalar(sa.select(User).where(User.email == "import1@city.example.jp"))
    assert user.must_change_password
    assert not verify_password(user.password_hash, "")


def test_a_role_title_the_profile_does_not_have_refuses_the_row(db, run_import):
    book = xlsx_bytes([USER_HEADER, user_row(1, role="課長", affiliation="")])

    result = run_import("users", book)

    assert [r["column"] for r in result.payload["refused"]] == ["役割"]


@pytest.mark.parametrize(
    ("role", "affiliation"),
    [
        ("委託先担当者", "市民課"),
        ("委託先担当者", ""),
        ("契約担当者", ""),
        ("保護管理者", "COMPANY"),
        ("総括保護管理者", "市民課"),
        ("監査責任者", "市民課"),
        ("システム管理者", "COMPANY"),
    ],
)
def test_an_affiliation_that_does_not_fit_the_role_refuses_the_row(
    db, run_import, role, affiliation
):
    make_section("市民課")
    company = make_company()
    affiliation = company.corporate_number if affiliation == "COMPANY" else affiliation
    book = xlsx_bytes([USER_HEADER, user_row(1, role=role, affiliation=affiliation)])

    result = run_import("users", book)

    assert [r["column"] for r in result.payload["refused"]] == ["所属"]


def test_a_role_change_by_import_ends_the_users_sessions(db, run_import):
    make_section("市民課")
    user = make_user("auditor", email="import1@city.example.jp", name="取込 太郎1")
    version = user.session_version

    result = run_import(
        "users",
        xlsx_bytes([USER_HEADER, user_row(1, role="契約担当者", affiliation="市民課")]),
        "--apply",
    )

    assert result.payload["update"] == 1
    assert (user.role, user.session_version) == (Role.PROCUREMENT, version + 1)


# --- encodings --------------------------------------------------------------------------------


def test_csv_in_utf8_with_bom_and_in_cp932_give_identical_results(db, run_import):
    rows = [
        COMPANY_HEADER,
        company_row(1, 名称="株式会社髙橋商事", 担当者氏名="﨑山 一郎", 所在地="①丁目"),
        company_row(
            2,
            名称="㈱テスト",
            認証種別="プライバシーマーク",
            認証番号="P-1",
            認証有効期限="令和8年3月31日",
        ),
        company_row(3, 法人番号="1234567890123"),
    ]

    utf8 = run_import("companies", csv_bytes(rows, encoding="utf-8-sig"), name="utf8.csv")
    cp932 = run_import("companies", csv_bytes(rows, encoding="cp932"), name="cp932.csv")

    assert {**utf8.payload, "file": ""} == {**cp932.payload, "file": ""}
    run_import("companies", csv_bytes(rows[:3], encoding="cp932"), "--apply", name="cp932.csv")
    assert _company(corporate_number(1)).name == "株式会社髙橋商事"
    again = run_import("companies", csv_bytes(rows[:3], encoding="utf-8-sig"), name="utf8.csv")
    assert again.payload["unchanged"] == 2
