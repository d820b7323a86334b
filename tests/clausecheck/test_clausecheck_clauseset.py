"""Clause sets are data: loading, validation, profiles, and a sixth city added as files."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from portal.clausecheck import (
    CLAUSE_KEYS,
    ClauseSet,
    ClauseSetError,
    DraftParticulars,
    draft_tokki_docx,
    extract_document,
    list_clause_sets,
    load_clause_set,
    resolve_clause_set_name,
)
from tests.clausecheck.conftest import PROFILES, check_text, corpus_text, statuses


def test_the_four_clause_sets_are_listed_and_shared_parts_are_not(templates_dir: Path) -> None:
    assert list_clause_sets(templates_dir) == sorted(PROFILES)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_clause_set_has_the_eight_clauses_of_domain_md(
    clause_sets: dict[str, ClauseSet], profile: str
) -> None:
    clause_set = clause_sets[profile]

    assert [(c.no, c.key) for c in clause_set.clauses] == list(enumerate(CLAUSE_KEYS, start=1))
    assert all(c.article and c.title for c in clause_set.clauses)


@pytest.mark.parametrize(
    ("profile", "citation"),
    [
        ("iruma", "入間市規程 第37条第1項第8号"),
        ("hiroshima", "広島市要綱 第10 2(8)"),
        ("okinawa", "沖縄市規程 第35条第1項第8号"),
        ("ryugasaki", "龍ヶ崎市規程 第35条第1項第8号"),
    ],
)
def test_clauses_cite_the_city_rule(
    clause_sets: dict[str, ClauseSet], profile: str, citation: str
) -> None:
    assert clause_sets[profile].clauses[7].article == citation


def test_subcontractor_audit_is_required_except_in_ryugasaki(
    clause_sets: dict[str, ClauseSet],
) -> None:
    required = {p: "subcontractor_audit" in clause_sets[p].clauses[7].require for p in PROFILES}

    assert required == {"iruma": True, "hiroshima": True, "okinawa": True, "ryugasaki": False}


def test_subsidiaries_are_required_where_the_seed_names_them(
    clause_sets: dict[str, ClauseSet],
) -> None:
    # 広島市 第10 2(2), 沖縄市 第35条第1項第2号 and 龍ヶ崎市 第35条第1項第2号 name 子会社;
    # 入間市 第37条第1項第2号 does not
    required = {p: "subsidiary" in clause_sets[p].clauses[1].require for p in PROFILES}

    assert required == {"iruma": False, "hiroshima": True, "okinawa": True, "ryugasaki": True}


def test_yokkaichi_profile_uses_the_iruma_clause_set(templates_dir: Path) -> None:
    assert resolve_clause_set_name("yokkaichi", templates_dir) == "iruma"


def test_a_clause_set_name_resolves_to_itself(templates_dir: Path) -> None:
    assert resolve_clause_set_name("okinawa", templates_dir) == "okinawa"


def test_unknown_profile_is_an_error_naming_the_known_sets(templates_dir: Path) -> None:
    with pytest.raises(ClauseSetError, match="iruma"):
        resolve_clause_set_name("nowhere", templates_dir)


# --- validation ----------------------------------------------------------------------------------


@pytest.fixture
def scratch(templates_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "contract_templates"
    shutil.copytree(templates_dir / "clauses", target / "clauses")
    shutil.copytree(templates_dir / "texts", target / "texts")
    return target


def _write_set(scratch: Path, name: str, body: str) -> None:
    (scratch / "clauses" / f"{name}.toml").write_text(body, encoding="utf-8")


def _iruma_with(scratch: Path, old: str, new: str) -> None:
    text = (scratch / "clauses" / "iruma.toml").read_text(encoding="utf-8")
    assert old in text
    _write_set(
        scratch, "broken", text.replace(old, new, 1).replace('name = "iruma"', 'name = "broken"')
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('key = "copying"', 'key = "copies"', "clauses must be exactly"),
        ('require = ["copy_restriction"]', 'require = ["no_such_element"]', "unknown element"),
        ('require = ["copy_restriction"]', "require = []", "names no element"),
        ('extends = "_common"', 'extends = "broken"', "nests too deeply"),
    ],
)
def test_malformed_clause_set_is_refused_with_a_reason(
    scratch: Path, old: str, new: str, message: str
) -> None:
    _iruma_with(scratch, old, new)

    with pytest.raises(ClauseSetError, match=message):
        load_clause_set("broken", scratch)


def test_invalid_regular_expression_is_refused(scratch: Path) -> None:
    _write_set(
        scratch,
        "broken",
        'extends = "iruma"\n[elements.copy_restriction]\nsentence = ["(unclosed"]\n',
    )

    with pytest.raises(ClauseSetError, match="invalid regular expression"):
        load_clause_set("broken", scratch)


def test_unknown_macro_is_refused(scratch: Path) -> None:
    _write_set(
        scratch,
        "broken",
        'extends = "iruma"\n[elements.copy_restriction]\nsentence = ["{nomacro}複製"]\n',
    )

    with pytest.raises(ClauseSetError, match="unknown macro"):
        load_clause_set("broken", scratch)


def test_missing_clause_set_file_is_an_error(scratch: Path) -> None:
    with pytest.raises(ClauseSetError, match="not found"):
        load_clause_set("absent", scratch)


# --- a sixth city is files only ------------------------------------------------------------------


def test_a_sixth_city_is_added_with_files_only(scratch: Path) -> None:
    iruma = (scratch / "clauses" / "iruma.toml").read_text(encoding="utf-8")
    nagoya = (
        iruma.replace('name = "iruma"', 'name = "sakura"')
        .replace('texts = "iruma"', 'texts = "sakura"')
        .replace(
            'require = ["subcontract_restriction"]',
            'require = ["subcontract_restriction", "subsidiary"]',
        )
    )
    _write_set(scratch, "sakura", nagoya)
    shutil.copytree(scratch / "texts" / "okinawa", scratch / "texts" / "sakura")

    clause_set = load_clause_set("sakura", scratch)
    result = check_text(corpus_text("complete_no_subsidiary"), clause_set)
    drafted = draft_tokki_docx(
        DraftParticulars(
            "件名", "佐倉市", "株式会社A", date(2025, 4, 1), date(2026, 3, 31), "氏名", "庁舎"
        ),
        clause_set,
    )

    assert "sakura" in list_clause_sets(scratch)
    assert statuses(result)["subcontracting"] == "partial"
    assert check_text("\n".join(extract_document(drafted, filename="d.docx").pages), clause_set).ok


def test_a_set_may_override_one_element_of_the_shared_file(scratch: Path) -> None:
    _write_set(
        scratch,
        "strict",
        'extends = "iruma"\nname = "strict"\n'
        '[elements.copy_restriction]\nlabel = "複製の全面禁止"\n'
        "sentence = ['複製(?:し|す).{0,10}てはならない']\n",
    )
    clause_set = load_clause_set("strict", scratch)

    lenient = check_text(
        "第1条　乙は、個人情報の複製を必要最小限の範囲に限るものとする。", clause_set
    )

    assert clause_set.element_label("copy_restriction") == "複製の全面禁止"
    assert statuses(lenient)["copying"] == "missing"


# --- 労働者派遣: the 派遣 set only --------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "article"),
    [
        ("iruma", "入間市規程 第37条第5項"),
        ("hiroshima", "広島市要綱 第10 6"),
        ("okinawa", "沖縄市規程 第35条第5項"),
        ("ryugasaki", "龍ヶ崎市規程 第35条第5項"),
    ],
)
def test_a_haken_contract_is_checked_for_secrecy_only(
    templates_dir: Path, profile: str, article: str
) -> None:
    haken = load_clause_set(f"{profile}_haken", templates_dir)
    text = (templates_dir / "texts" / profile / "haken_himitsu.txt").read_text(encoding="utf-8")

    result = check_text(text, haken)

    assert [(c.key, c.article) for c in haken.clauses] == [("confidentiality", article)]
    assert [(c.key, c.status) for c in result.clauses] == [("confidentiality", "present")]
    assert result.ok is True


def test_a_haken_contract_without_a_secrecy_clause_is_not_ok(templates_dir: Path) -> None:
    haken = load_clause_set("iruma_haken", templates_dir)
    text = "第1条 乙は、派遣労働者を甲の指揮命令の下に就業させる。\n第2条 派遣料金は別に定める。\n"

    result = check_text(text, haken)

    assert [c.status for c in result.clauses] == ["missing"]
    assert result.ok is False


def test_haken_sets_are_not_offered_as_profiles_but_resolve_by_name(templates_dir: Path) -> None:
    assert not any(name.endswith("_haken") for name in list_clause_sets(templates_dir))
    assert resolve_clause_set_name("iruma_haken", templates_dir) == "iruma_haken"


def test_a_haken_set_may_not_name_an_unknown_clause(scratch: Path) -> None:
    _write_set(
        scratch,
        "broken",
        'extends = "iruma"\nscope = "haken"\n[[clauses]]\nno = 9\nkey = "other"\ntitle = "x"\n'
        'require = ["secrecy"]\n',
    )

    with pytest.raises(ClauseSetError, match="haken set lists some of"):
        load_clause_set("broken", scratch)
