"""The one intake every uploaded file goes through before anything is stored.

    result = take(path, filename, allowed=EVIDENCE_KINDS, limits=UploadLimits.current(),
                  workdir=tmp)
    blob = writer.save(result.path, result.content_type)      # always the cleaned copy
    flash(result.notice)                                      # what was removed, in Japanese

The type is judged from the bytes (the name and the browser's type never make a file look
safer); size, page and pixel limits are checked before parsing; images and PDFs are parsed in
the sandbox (`portal.sandbox`, time and memory limits). What is stored and served is a copy
without what a person may have left in it unknowingly (広島市要綱 第6 7: 付加情報に個人情報が
含まれていることがある):

- photos (JPEG, PNG, HEIC, WebP) are re-encoded upright from their pixels: no EXIF (GPS,
  camera, owner), XMP, ICC, JPEG comment or PNG text chunk survives;
- PDFs are rewritten with the same pages and without document properties (/Info), XMP,
  しおり (outline), JavaScript, /OpenAction, /AA, embedded files and form actions;
- Word/Excel/PowerPoint files lose their document properties (作成者, 最終更新者, 会社名);
- text and CSV files are kept as sent and only ever served as attachments.

Refused, with a Japanese message and nothing written: empty or too large files, anything not
in `allowed`, HTML/SVG/scripts/executables whatever their name, encrypted or broken PDFs,
truncated images, decompression and pixel bombs, and images or PDFs with another file (a ZIP
archive) appended.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from portal.filecheck._common import check_size
from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.images import (
    ACCEPTED_IMAGE_KINDS,
    ImageInfo,
    SanitizedImage,
    sanitize_image,
    validate_image,
)
from portal.filecheck.pdf import PdfInfo, PdfMetadataReport, clean_pdf, validate_pdf
from portal.filecheck.policy import check_upload, clean_filename, with_extension
from portal.filecheck.sniff import (
    ACTIVE_KINDS,
    IMAGE_KINDS,
    OFFICE_KINDS,
    FileKind,
    safe_content_type,
    sniff_path,
)
from portal.uploads.limits import UploadLimits
from portal.uploads.office import OfficeReport, clean_office

DISPLAY_MAX_PX = 2048
THUMB_PX = 320

# ZIP end-of-central-directory record: an archive appended to an image or a PDF.
_ZIP_END = b"PK\x05\x06"
_TAIL = 65_557

# Properties in which a person's name usually appears (PDF /Info and XMP).
_NAME_FIELDS = frozenset({"/Author", "dc:creator", "pdf:author", "/LastModifiedBy"})


@dataclass(frozen=True)
class Upload:
    """An uploaded file already streamed to a temporary path by the view (never read whole)."""

    path: Path
    filename: str


@dataclass(frozen=True)
class Intake:
    """A file that passed the intake: `path` is the copy to store and serve."""

    path: Path
    kind: FileKind
    content_type: str
    filename: str
    size: int
    pages: int = 0
    removed: tuple[str, ...] = ()
    original: Path | None = None
    original_kind: FileKind | None = None
    pdf: PdfInfo | None = None
    image: ImageInfo | None = None
    sanitized: SanitizedImage | None = None
    thumb: Path | None = None

    @property
    def cleaned(self) -> bool:
        """True when the stored copy is not the upload's bytes (re-encoded or rewritten)."""
        return self.original is not None and self.path != self.original

    @property
    def pdf_report(self) -> PdfMetadataReport | None:
        """What the uploaded PDF held (its properties, しおり, active content)."""
        return self.pdf.metadata if self.pdf is not None else None

    @property
    def notice(self) -> str:
        """What the person is told after the upload (empty when nothing was found)."""
        return "".join(self.removed)

    def audit_data(self) -> dict[str, object]:
        """For the audit entry: which version is stored and which kinds of data were removed
        (never the removed text itself: it may be personal information)."""
        return {
            "served": "cleaned" if self.cleaned else "original",
            "file_kind": self.kind.value,
            "removed": list(self.removed),
        }


def take(
    upload: Path,
    filename: str,
    *,
    allowed: Collection[FileKind],
    limits: UploadLimits,
    workdir: Path,
    label: str | None = None,
    thumbnail: bool = False,
    display_max_px: int = DISPLAY_MAX_PX,
) -> Intake:
    """Check `upload` and write the copy to store into `workdir`; raises FileRejected (an
    UploadRejected) with a Japanese message.

    `label` ("写真", "消去証明書") makes the refusal name the file: 写真「IMG_1.jpg」を受け付けら
    れません。… `thumbnail` also writes a THUMB_PX thumbnail of a photo.
    """
    try:
        return _take(
            upload,
            filename,
            allowed=allowed,
            limits=limits,
            workdir=workdir,
            thumbnail=thumbnail,
            display_max_px=display_max_px,
        )
    except FileRejected as exc:
        if label is None:
            raise
        raise exc.naming(label, clean_filename(filename)) from exc


def precheck(
    upload: Path, filename: str, *, allowed: Collection[FileKind], limits: UploadLimits
) -> FileKind:
    """The cheap part of `take` (size, type, polyglot) for a first pass over many files."""
    check_size(upload, limits.max_bytes)
    kind = sniff_path(upload, filename=filename)
    _check_kind(kind, allowed)
    _refuse_appended_archive(upload, kind)
    return kind


def _check_kind(kind: FileKind, allowed: Collection[FileKind]) -> None:
    """`check_upload`, saying what was expected where only photos or only a PDF are taken."""
    if kind in allowed or kind is FileKind.EMPTY or kind in ACTIVE_KINDS:
        check_upload(kind, allowed=allowed)
        return
    if set(allowed) <= ACCEPTED_IMAGE_KINDS:
        if kind in IMAGE_KINDS:
            raise FileRejected(
                RejectCode.UNSUPPORTED_TYPE,
                f"この画像形式（{kind.value.upper()}）には対応していません。"
                "JPEG・PNG・HEIC・WebP 形式の写真を選んでください。",
            )
        raise FileRejected(RejectCode.NOT_AN_IMAGE)
    if set(allowed) == {FileKind.PDF}:
        raise FileRejected(RejectCode.UNSUPPORTED_TYPE, "PDF ファイルではありません。")
    check_upload(kind, allowed=allowed)


def _take(
    upload: Path,
    filename: str,
    *,
    allowed: Collection[FileKind],
    limits: UploadLimits,
    workdir: Path,
    thumbnail: bool,
    display_max_px: int,
) -> Intake:
    size = check_size(upload, limits.max_bytes)
    kind = precheck(upload, filename, allowed=allowed, limits=limits)
    workdir.mkdir(parents=True, exist_ok=True)
    stem = _unique_stem(workdir)
    if kind is FileKind.PDF:
        info = validate_pdf(upload, max_bytes=limits.max_bytes, max_pages=limits.max_pages)
        cleaned = workdir / f"{stem}.pdf"
        clean_pdf(upload, cleaned)
        return Intake(
            path=cleaned,
            kind=kind,
            content_type=safe_content_type(kind),
            filename=served_filename(filename, kind),
            size=cleaned.stat().st_size,
            pages=info.pages,
            removed=pdf_removals(info.metadata),
            original=upload,
            original_kind=kind,
            pdf=info,
        )
    if kind in ACCEPTED_IMAGE_KINDS:
        image = validate_image(upload, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
        display = workdir / f"{stem}.img"
        thumb = workdir / f"{stem}-thumb.img"
        result = sanitize_image(
            upload,
            display,
            thumb,
            display_max_px=display_max_px,
            thumb_px=THUMB_PX,
            max_pixels=limits.max_pixels,
        )
        if not thumbnail:
            thumb.unlink(missing_ok=True)
        return Intake(
            path=display,
            kind=result.kind,
            content_type=result.content_type,
            filename=served_filename(filename, result.kind),
            size=result.display_bytes,
            removed=image_removals(image),
            original=upload,
            original_kind=kind,
            image=image,
            sanitized=result,
            thumb=thumb if thumbnail else None,
        )
    if kind in OFFICE_KINDS:
        cleaned = workdir / f"{stem}.{kind.value}"
        report = clean_office(upload, cleaned, max_bytes=limits.max_bytes)
        return Intake(
            path=cleaned,
            kind=kind,
            content_type=safe_content_type(kind),
            filename=served_filename(filename, kind),
            size=cleaned.stat().st_size,
            removed=office_removals(report),
            original=upload,
            original_kind=kind,
        )
    # Text and CSV: nothing hidden to remove; served only as attachments (filecheck.policy).
    return Intake(
        path=upload,
        kind=kind,
        content_type=safe_content_type(kind),
        filename=served_filename(filename, kind),
        size=size,
        original=upload,
        original_kind=kind,
    )


def _unique_stem(workdir: Path) -> str:
    """A name no earlier intake in `workdir` used (several files may share one folder)."""
    used = {p.name.split(".", 1)[0].removesuffix("-thumb") for p in workdir.iterdir()}
    n = 1
    while f"clean-{n}" in used:
        n += 1
    return f"clean-{n}"


def _refuse_appended_archive(path: Path, kind: FileKind) -> None:
    """A photo or PDF with a ZIP archive behind it (a polyglot: opened as an archive by another
    program) is refused, although cleaning would drop the archive: the sender should know."""
    if kind not in ACCEPTED_IMAGE_KINDS and kind is not FileKind.PDF:
        return
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - _TAIL))
        tail = f.read()
    end = tail.rfind(_ZIP_END)
    if end < 0:
        return
    if kind is FileKind.PDF and tail.rfind(b"%%EOF") > end:
        return  # inside the PDF (e.g. an uncompressed embedded file), removed by clean_pdf
    raise FileRejected(RejectCode.POLYGLOT)


def served_filename(filename: str, kind: FileKind) -> str:
    """The name to keep and offer: no directories, control or reserved characters, at most
    255 characters, and an extension that matches what is served ('写真.heic' -> '写真.jpg',
    '報告' (a PDF) -> '報告.pdf')."""
    return with_extension(clean_filename(filename), kind)


def served_label(cleaned: bool | None) -> str:
    """For access records (入間市 第20条: which version was served): the intake's cleaned
    copy, a file stored as sent (text, CSV), or one stored before uploads were cleaned."""
    if cleaned is None:
        return "before_intake"
    return "cleaned" if cleaned else "as_uploaded"


# --- what the person is told --------------------------------------------------------------


def image_removals(info: ImageInfo) -> tuple[str, ...]:
    if info.has_gps:
        return ("位置情報と撮影情報を削除しました。",)
    if info.has_exif or info.has_comment:
        return ("撮影情報・コメントなどの付加情報を削除しました。",)
    return ()


def pdf_removals(report: PdfMetadataReport) -> tuple[str, ...]:
    hidden = report.hidden_text
    parts = []
    if any(where != "しおり" for where, _text in hidden):
        parts.append("PDFのプロパティ")
    if report.outline_titles:
        parts.append("しおり")
    notices = []
    if parts:
        named = any(where in _NAME_FIELDS for where, _text in hidden)
        notices.append(
            "と".join(parts) + "を削除しました" + ("（氏名を含んでいました）。" if named else "。")
        )
    active = []
    if report.has_javascript:
        active.append("JavaScript")
    if report.has_open_action or report.has_additional_actions or report.action_types:
        active.append("自動実行・リンクの動作")
    if report.has_embedded_files:
        active.append("埋め込みファイル")
    if report.has_xfa:
        active.append("XFA フォーム")
    if active:
        notices.append("PDFの" + "・".join(active) + "を削除しました。")
    return tuple(notices)


def office_removals(report: OfficeReport) -> tuple[str, ...]:
    if not report.had_properties:
        return ()
    return (
        "文書のプロパティ（作成者・最終更新者など）を削除しました"
        + ("（氏名を含んでいました）。" if report.had_names else "。"),
    )


def take_bytes(
    data: bytes,
    filename: str,
    *,
    allowed: Collection[FileKind],
    limits: UploadLimits,
    label: str | None = None,
) -> tuple[bytes, Intake]:
    """`take` for callers that hold the (already size-limited) upload in memory, such as the
    clause check that reads the whole document anyway; returns the cleaned bytes."""
    with tempfile.TemporaryDirectory(prefix="portal-intake-") as tmp:
        src = Path(tmp) / "upload"
        src.write_bytes(data)
        intake = take(
            src, filename, allowed=allowed, limits=limits, workdir=Path(tmp) / "out", label=label
        )
        return intake.path.read_bytes(), intake
