"""Drafting the 特記事項 from a contract's particulars; checking the draft gives eight present."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from portal.clausecheck import (
    ClauseSet,
    DraftParticulars,
    FontNotFoundError,
    check_documents,
    draft_tokki_docx,
    draft_tokki_pdf,
    extract_document,
    find_japanese_font,
    render_tokki_text,
)
from portal.clausecheck import draft as draft_module
from tests.clausecheck.conftest import PROFILES

PARTICULARS = DraftParticulars(
    contract_title="令和7年度 住民税課税資料入力業務委託",
    city_name="入間市長 山田太郎",
    contractor_name="株式会社サンプル情報",
    period_start=date(2025, 4, 1),
    period_end=date(2026, 3, 31),
    personal_info="氏名、住所、生年月日、課税所得額",
    handling_place="受託者の本社事業所（東京都千代田区）",
    sensitive=False,
    data_subjects=52000,
    cloud_provider_country="日本",
    server_country="日本",
)


@pytest.mark.parametrize("profile", PROFILES)
def test_drafted_docx_checks_as_eight_present(
    clause_sets: dict[str, ClauseSet], profile: str
) -> None:
    data = draft_tokki_docx(PARTICULARS, clause_sets[profile])

    document = extract_document(data, filename="特記事項.docx")
    result = check_documents([document], clause_sets[profile])

    assert result.ok, [(c.key, c.status, c.missing_elements) for c in result.clauses]


@pytest.mark.parametrize("profile", PROFILES)
def test_drafted_pdf_checks_as_eight_present(
    clause_sets: dict[str, ClauseSet], profile: str
) -> None:
    data = draft_tokki_pdf(PARTICULARS, clause_sets[profile])

    document = extract_document(data, filename="特記事項.pdf")
    result = check_documents([document], clause_sets[profile])

    assert result.ok, [(c.key, c.status, c.missing_elements) for c in result.clauses]


@pytest.mark.parametrize("profile", PROFILES)
def test_standard_text_checks_as_eight_present(
    clause_sets: dict[str, ClauseSet], profile: str
) -> None:
    text = render_tokki_text(PARTICULARS, clause_sets[profile])

    document = extract_document(text.encode(), filename="特記事項.txt")
    result = check_documents([document], clause_sets[profile])

    assert result.ok, [(c.key, c.status) for c in result.clauses]


def test_drafted_pdf_embeds_the_japanese_font(clause_sets: dict[str, ClauseSet]) -> None:
    reader = PdfReader(io.BytesIO(draft_tokki_pdf(PARTICULARS, clause_sets["iruma"])))
    resources: Any = reader.pages[0]["/Resources"]

    embedded = []
    for font in resources["/Font"].values():
        font = font.get_object()
        descriptors = [font.get("/FontDescriptor")]
        descriptors += [
            d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])
        ]
        for descriptor in descriptors:
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded.append(any(k in descriptor for k in ("/FontFile2", "/FontFile3")))
    assert embedded
    assert all(embedded)


@pytest.mark.parametrize("profile", PROFILES)
def test_particulars_fill_every_placeholder(
    clause_sets: dict[str, ClauseSet], profile: str
) -> None:
    text = render_tokki_text(PARTICULARS, clause_sets[profile])

    assert "${" not in text
    for expected in (
        "令和7年度 住民税課税資料入力業務委託",
        "株式会社サンプル情報",
        "令和7年4月1日から令和8年3月31日まで",
        "氏名、住所、生年月日、課税所得額",
        "サーバの所在国 日本",
        "約52,000人",
    ):
        assert expected in text


@pytest.mark.parametrize("profile", PROFILES)
def test_haken_confidentiality_template_renders_for_every_profile(
    clause_sets: dict[str, ClauseSet], profile: str
) -> None:
    text = render_tokki_text(PARTICULARS, clause_sets[profile], template="haken_himitsu")

    assert "${" not in text
    assert "秘密保持義務" in text
    assert "派遣労働者" in text


def test_drafted_docx_states_the_contract_title_in_its_properties(
    clause_sets: dict[str, ClauseSet],
) -> None:
    import docx

    document = docx.Document(io.BytesIO(draft_tokki_docx(PARTICULARS, clause_sets["okinawa"])))

    assert (
        document.core_properties.title
        == "個人情報取扱特記事項（令和7年度 住民税課税資料入力業務委託）"
    )


def test_control_characters_in_the_particulars_do_not_stop_the_draft(
    clause_sets: dict[str, ClauseSet],
) -> None:
    import dataclasses

    import docx

    hostile = dataclasses.replace(
        PARTICULARS, contract_title="住民税\x01課税資料\x0b入力業務委託", city_name="入間市長\x00"
    )

    document = docx.Document(io.BytesIO(draft_tokki_docx(hostile, clause_sets["iruma"])))

    assert document.core_properties.title == "個人情報取扱特記事項（住民税課税資料 入力業務委託）"
    assert document.core_properties.author == "入間市長"


def test_missing_japanese_font_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_PDF_FONT", raising=False)
    monkeypatch.setattr(draft_module, "FONT_CANDIDATES", (Path("/nonexistent/font.ttf"),))

    with pytest.raises(FontNotFoundError, match="fonts-ipaexfont-mincho"):
        find_japanese_font()


def test_font_path_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    gothic = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
    monkeypatch.setenv("PORTAL_PDF_FONT", str(gothic))

    assert find_japanese_font() == gothic
