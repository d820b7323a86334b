"""The shared intake on its own: Office properties, polyglots, names, what is reported."""

from __future__ import annotations

import zipfile

import docx
import pytest

from portal.filecheck.errors import FileRejected
from portal.filecheck.sniff import FileKind
from portal.uploads import UploadLimits, take
from tests.uploads import corpus

LIMITS = UploadLimits(max_bytes=50 * 1024 * 1024, max_pages=200, max_pixels=50_000_000)
EVERYTHING = frozenset(
    {FileKind.PDF, FileKind.DOCX, FileKind.XLSX, FileKind.TEXT, FileKind.CSV, FileKind.JPEG}
    | {FileKind.PNG}
)


def _docx_with_author(path):
    document = docx.Document()
    document.add_paragraph("再委託契約書 本文")
    document.core_properties.author = "山田 太郎"
    document.core_properties.last_modified_by = "佐藤 花子"
    document.core_properties.title = "山田様向け"
    document.save(path)
    return path


def test_a_word_file_loses_its_author_and_keeps_its_text(tmp_path):
    src = _docx_with_author(tmp_path / "契約.docx")

    result = take(src, "契約.docx", allowed=EVERYTHING, limits=LIMITS, workdir=tmp_path / "out")

    assert result.kind is FileKind.DOCX
    assert result.removed == (
        "文書のプロパティ（作成者・最終更新者など）を削除しました（氏名を含んでいました）。",
    )
    with zipfile.ZipFile(result.path) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "山田" not in core
    assert "佐藤" not in core
    reopened = docx.Document(str(result.path))
    assert reopened.paragraphs[0].text == "再委託契約書 本文"
    assert reopened.core_properties.author == ""


def test_a_jpeg_with_a_zip_appended_is_refused_as_a_polyglot(tmp_path):
    src = tmp_path / "photo.jpg"
    src.write_bytes(corpus.jpeg_zip_polyglot(tmp_path))

    with pytest.raises(FileRejected) as err:
        take(src, "photo.jpg", allowed=EVERYTHING, limits=LIMITS, workdir=tmp_path / "out")

    assert err.value.code == "polyglot"
    assert "ZIP" in err.value.message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_photo_without_metadata_reports_nothing_removed(tmp_path):
    from PIL import Image

    src = tmp_path / "plain.png"
    Image.new("RGB", (40, 30), (0, 128, 0)).save(src, "PNG")

    result = take(src, "plain.png", allowed=EVERYTHING, limits=LIMITS, workdir=tmp_path / "out")

    assert result.removed == ()
    assert result.cleaned is True
    assert result.filename == "plain.jpg"


def test_a_text_file_is_kept_as_sent_and_says_so(tmp_path):
    src = tmp_path / "memo.txt"
    src.write_bytes("議事録\n出席者: 山田\n".encode())

    result = take(src, "memo.txt", allowed=EVERYTHING, limits=LIMITS, workdir=tmp_path / "out")

    assert result.cleaned is False
    assert result.path.read_bytes() == src.read_bytes()
    assert result.audit_data()["served"] == "original"


def test_a_pdf_with_hidden_text_reports_each_kind_of_removal(tmp_path):
    src = tmp_path / "all.pdf"
    src.write_bytes(corpus.pdf_everything(tmp_path))

    result = take(src, "all.pdf", allowed=EVERYTHING, limits=LIMITS, workdir=tmp_path / "out")

    assert result.removed[0] == "PDFのプロパティとしおりを削除しました（氏名を含んでいました）。"
    assert "JavaScript" in result.removed[1]
    sample = next(s for s in corpus.SAMPLES if s.key == "pdf_info_xmp_outline")
    assert corpus.leftovers(sample, result.path.read_bytes()) == []


def test_the_upload_limits_come_from_the_config(app):
    limits = UploadLimits.from_config(app.extensions["portal_config"])

    assert limits.max_bytes == app.extensions["portal_config"].max_content_length
    assert limits.capped(max_bytes=10).max_bytes == 10
