"""Read image-only pages with Tesseract: render, turn upright, recognise, clean.

Every page is one call of `portal.sandbox.run_limited` (time and address-space limits), and in
that child the two native programs run as subprocesses with limits of their own:

- ``pdftoppm`` renders one PDF page at 300 dpi in grayscale;
- ``tesseract --psm 0`` (OSD) detects a page turned by 90/180/270 degrees, the page is turned
  upright, and ``tesseract -l jpn --psm 6`` reads it as one block of horizontal lines (a
  contract page is a single column); a page whose ink runs in columns is read with
  ``-l jpn_vert --psm 5`` (vertical block) instead.

Nothing is downloaded and no network is used: the models are Debian's tesseract-ocr-jpn and
tesseract-ocr-jpn-vert, read from the tessdata directory of the installed package. Photos of
pages (JPEG, PNG, TIFF) are decoded by Pillow in the same child, only with the plugin the bytes
were sniffed as and with the pixel count checked from the header before decoding.
"""

from __future__ import annotations

import io
import os
import re
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from portal import sandbox
from portal.clausecheck.errors import DocumentError
from portal.ocr.textfix import clean_ocr_text

if TYPE_CHECKING:
    from PIL import Image

ImageKind = Literal["jpeg", "png", "tiff"]
OcrMode = Literal["auto", "always", "never"]
OCR_MODES: tuple[str, ...] = ("auto", "always", "never")

RENDER_DPI = 300
DEFAULT_MAX_OCR_PAGES = 100
DEFAULT_PAGE_TIMEOUT_S = 90.0
DEFAULT_PAGE_MEMORY_MB = 1536
# A 300 dpi A3 page is 3508×4961 = 17 MP; a phone photo up to 48 MP.
MAX_IMAGE_PIXELS = 60_000_000
# Below this many characters (after cleaning) a page counts as unreadable.
MIN_PAGE_CHARS = 5
OSD_MIN_CONFIDENCE = 2.0

IMAGE_MAGICS: tuple[tuple[bytes, ImageKind], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
IMAGE_CONTENT_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
}
_PIL_FORMATS: dict[str, tuple[str, ...]] = {"jpeg": ("JPEG",), "png": ("PNG",), "tiff": ("TIFF",)}

sandbox.register_preload(__name__, "PIL.Image", "PIL.TiffImagePlugin", "PIL.JpegImagePlugin")


@dataclass(frozen=True)
class OcrPage:
    """What OCR made of one page."""

    number: int  # 1-based
    text: str
    rotation: int  # degrees the page was turned to read it (0/90/180/270)
    vertical: bool
    confidence: float  # tesseract's mean word confidence, 0-100 (-1 when unknown)


def image_kind(data: bytes) -> ImageKind | None:
    """The page-photo type of these bytes, judged from the magic number."""
    for magic, kind in IMAGE_MAGICS:
        if data.startswith(magic):
            return kind
    return None


def available() -> bool:
    """Whether the OCR programs and the Japanese model are installed."""
    return bool(shutil.which("tesseract") and shutil.which("pdftoppm")) and "jpn" in _langs()


def _langs() -> set[str]:
    try:
        out = subprocess.run(
            ["tesseract", "--list-langs"],  # noqa: S607 - the Debian package's binary on PATH
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.strip() for line in out.stdout.splitlines()[1:] if line.strip()}


def unavailable_error() -> DocumentError:
    return DocumentError(
        "no_text",
        "画像だけのページがありますが、この環境には文字認識（OCR）の仕組みが"
        "入っていないため読み取れません。システム管理者に連絡するか、"
        "文字情報のあるPDF又はWord・テキスト形式の版を登録してください。",
    )


def too_many_pages_error(count: int, limit: int) -> DocumentError:
    return DocumentError(
        "too_large",
        f"文字認識（OCR）が必要な画像のページが多すぎます（{count:,}ページ）。"
        f"一度に読み取れるのは{limit:,}ページまでです。"
        "特記事項など確認に必要なページだけを分けて登録してください。",
    )


# --- the parent side -------------------------------------------------------------------------


def ocr_pages(
    data: bytes,
    *,
    source: Literal["pdf"] | ImageKind,
    pages: list[int],
    max_pages: int = DEFAULT_MAX_OCR_PAGES,
    page_timeout_s: float = DEFAULT_PAGE_TIMEOUT_S,
    memory_mb: int = DEFAULT_PAGE_MEMORY_MB,
    progress: Callable[[int, int], None] | None = None,
) -> list[OcrPage]:
    """OCR the given 1-based pages of a PDF (or frames of an image), one sandbox child each.

    Raises DocumentError: too_large (more pages than `max_pages`, a page over its time or
    memory limit), no_text (OCR not installed), malformed (the renderer refused the file).
    """
    if len(pages) > max_pages:
        raise too_many_pages_error(len(pages), max_pages)
    if not pages:
        return []
    if not available():
        raise unavailable_error()
    results: list[OcrPage] = []
    with tempfile.TemporaryDirectory(prefix="portal-ocr-") as tmp:
        path = Path(tmp) / "source"
        path.write_bytes(data)
        for done, number in enumerate(pages):
            if progress is not None:
                progress(done, len(pages))
            try:
                page = sandbox.run_limited(
                    ocr_page_unsandboxed,
                    str(path),
                    source,
                    number,
                    page_timeout_s,
                    memory_mb,
                    timeout_s=page_timeout_s + 5,
                    memory_mb=memory_mb,
                )
            except sandbox.SandboxTimeout as exc:
                raise DocumentError(
                    "too_large",
                    f"{number}ページ目の文字認識（OCR）が制限時間（{page_timeout_s:g}秒）内に"
                    "終わりませんでした。解像度を下げてスキャンし直すか、"
                    "文字情報のあるPDFを登録してください。",
                ) from exc
            except sandbox.SandboxMemoryExceeded as exc:
                raise DocumentError(
                    "too_large",
                    f"{number}ページ目の画像が大きすぎるため、文字認識（OCR）を中止しました。",
                ) from exc
            except DocumentError:
                raise
            except Exception as exc:
                raise DocumentError("malformed") from exc
            results.append(page)
        if progress is not None:
            progress(len(pages), len(pages))
    return results


def count_image_frames(data: bytes, kind: ImageKind) -> tuple[int, int]:
    """Pages of a page photo (a TIFF may hold several) and its long side in pixels."""
    try:
        return sandbox.run_limited(_count_frames, data, kind, timeout_s=15, memory_mb=512)
    except sandbox.SandboxError as exc:
        raise _bad_image() from exc
    except DocumentError:
        raise
    except Exception as exc:
        raise _bad_image() from exc


def _bad_image() -> DocumentError:
    return DocumentError(
        "malformed",
        "画像ファイルが壊れているか途中で切れているため、読み取れません。"
        "撮影・スキャンし直した画像（JPEG、PNG又はTIFF）を登録してください。",
    )


# --- the child side --------------------------------------------------------------------------


def _count_frames(data: bytes, kind: ImageKind) -> tuple[int, int]:
    with _open_image(io.BytesIO(data), kind) as image:
        return max(1, int(getattr(image, "n_frames", 1))), max(image.size)


def _open_image(fh: io.BytesIO | str, kind: str) -> Image.Image:
    from PIL import Image, UnidentifiedImageError

    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # our own check below, before any pixel is decoded
    try:
        image = Image.open(fh, formats=_PIL_FORMATS[kind])
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _bad_image() from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    if image.width * image.height > MAX_IMAGE_PIXELS:
        image.close()
        raise DocumentError(
            "too_large",
            f"画像の画素数が多すぎます（{image.width}×{image.height}）。"
            "300dpi程度でスキャン・撮影し直してください。",
        )
    return image


def _limits(memory_mb: int, cpu_s: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        os.setsid()

    return apply


def _run(args: list[str], *, timeout_s: float, memory_mb: int, cwd: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "OMP_THREAD_LIMIT": "1",  # two cores are shared by the whole portal
        "LANG": "C.UTF-8",
    }
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        env["TESSDATA_PREFIX"] = prefix
    # Fixed program names and options; the only input is our own temporary file.
    done = subprocess.run(  # noqa: S603
        args,
        capture_output=True,
        timeout=timeout_s,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limits(memory_mb, max(1, int(timeout_s))),
        check=False,
    )
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, args[0], done.stdout, done.stderr)
    return done.stdout.decode("utf-8", "replace")


def _render_pdf_page(path: str, number: int, out_dir: str, timeout_s: float, mem: int) -> Path:
    stem = Path(out_dir) / "page"
    try:
        _run(
            [
                "pdftoppm",
                "-r",
                str(RENDER_DPI),
                "-gray",
                "-png",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(Path(path).resolve()),
                str(stem),
            ],
            timeout_s=timeout_s,
            memory_mb=mem,
            cwd=out_dir,
        )
    except subprocess.CalledProcessError as exc:
        raise DocumentError("malformed") from exc
    return stem.with_suffix(".png")


def _image_page(path: str, kind: str, number: int, out_dir: str) -> tuple[Path, int]:
    from PIL import Image, ImageOps

    with _open_image(path, kind) as image:
        image.seek(number - 1)
        frame = ImageOps.exif_transpose(image.copy()) or image.copy()
        dpi_info = image.info.get("dpi", (0, 0))
        dpi = round(float(dpi_info[0])) if dpi_info and dpi_info[0] else 0
        gray = frame.convert("L")
        if dpi < 150 or dpi > 600:
            # Phone photos carry 72 dpi or none; judge from the size as an A4 page.
            dpi = max(150, min(600, round(max(gray.size) / 11.69)))
        if dpi < 280:
            # Tesseract's Japanese model reads small kanji (目/日, 禁/侍) far better at 300 dpi.
            scale = 300 / dpi
            target = (round(gray.width * scale), round(gray.height * scale))
            if target[0] * target[1] <= MAX_IMAGE_PIXELS:
                gray = gray.resize(target, Image.Resampling.LANCZOS)
                dpi = 300
        out = Path(out_dir) / "page.png"
        gray.save(out, "PNG", dpi=(dpi, dpi))
    return out, dpi


_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OSD_CONF = re.compile(r"Orientation confidence:\s*([0-9.]+)")


def _detect_rotation(png: Path, dpi: int, timeout_s: float, mem: int, cwd: str) -> int:
    try:
        out = _run(
            ["tesseract", str(png), "stdout", "--psm", "0", "--dpi", str(dpi)],
            timeout_s=timeout_s,
            memory_mb=mem,
            cwd=cwd,
        )
    except subprocess.CalledProcessError:
        return 0  # too few characters to tell: read it as it is
    rotate, conf = _OSD_ROTATE.search(out), _OSD_CONF.search(out)
    if not rotate or not conf or float(conf.group(1)) < OSD_MIN_CONFIDENCE:
        return 0
    return int(rotate.group(1)) % 360


def _looks_vertical(png: Path) -> bool:
    """Whether the ink runs in columns (縦書き): gaps between columns, not between lines."""
    from PIL import Image

    with Image.open(png) as image:
        # BOX averages, so a thin stroke becomes light grey: hence the high threshold below.
        small = image.convert("L").resize(
            (300, round(300 * image.height / image.width)), Image.Resampling.BOX
        )
    w, h = small.size
    ink = [1 if v < 215 else 0 for v in small.tobytes()]
    rows = [sum(ink[y * w : (y + 1) * w]) for y in range(h)]
    cols = [sum(ink[x::w]) for x in range(w)]

    def blank_ratio(profile: list[int]) -> float:
        inked = [v for v in profile if v]
        if not inked:
            return 0.0
        first = next(i for i, v in enumerate(profile) if v)
        last = len(profile) - next(i for i, v in enumerate(reversed(profile)) if v)
        span = profile[first:last]
        return sum(1 for v in span if v <= 1) / max(len(span), 1)

    return blank_ratio(cols) > 1.5 * blank_ratio(rows) + 0.05


def _blank(png: Path) -> bool:
    """A page without ink (an empty back side) is not worth a tesseract run."""
    from PIL import Image

    with Image.open(png) as image:
        histogram = image.convert("L").histogram()
    dark = sum(histogram[:128])
    return dark < 0.0005 * sum(histogram)


def _tesseract_text(
    png: Path, dpi: int, vertical: bool, timeout_s: float, mem: int, cwd: str
) -> tuple[str, float]:
    lang, psm = ("jpn_vert", "5") if vertical else ("jpn", "6")
    base = Path(cwd) / "out"
    _run(
        [
            "tesseract",
            str(png),
            str(base),
            "-l",
            lang,
            "--psm",
            psm,
            "--dpi",
            str(dpi),
            "txt",
            "tsv",
        ],
        timeout_s=timeout_s,
        memory_mb=mem,
        cwd=cwd,
    )
    text = base.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
    confs = []
    for row in (
        base.with_suffix(".tsv").read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    ):
        cells = row.split("\t")
        if len(cells) == 12 and cells[11].strip():
            try:
                confs.append(float(cells[10]))
            except ValueError:
                continue
    confs = [c for c in confs if c >= 0]
    return text, (sum(confs) / len(confs) if confs else -1.0)


def ocr_page_unsandboxed(
    path: str, source: str, number: int, timeout_s: float, memory_mb: int
) -> OcrPage:
    """Render (or decode) one page, turn it upright and read it. Runs in the sandbox child."""
    from PIL import Image

    step_timeout = max(5.0, timeout_s / 3)
    with tempfile.TemporaryDirectory(prefix="page-") as tmp:
        if source == "pdf":
            png = _render_pdf_page(path, number, tmp, step_timeout, memory_mb)
            dpi = RENDER_DPI
        else:
            png, dpi = _image_page(path, source, number, tmp)
        if _blank(png):
            return OcrPage(number, "", 0, False, -1.0)
        rotation = _detect_rotation(png, dpi, step_timeout, memory_mb, tmp)
        if rotation:
            with Image.open(png) as image:
                # OSD's "Rotate" is clockwise; PIL rotates counter-clockwise.
                upright = image.rotate(-rotation, expand=True)
            upright.save(png, "PNG", dpi=(dpi, dpi))
        vertical = _looks_vertical(png)
        text, conf = _tesseract_text(png, dpi, vertical, step_timeout, memory_mb, tmp)
    return OcrPage(number, clean_ocr_text(text), rotation, vertical, round(conf, 1))


__all__ = [
    "DEFAULT_MAX_OCR_PAGES",
    "IMAGE_CONTENT_TYPES",
    "OCR_MODES",
    "ImageKind",
    "OcrMode",
    "OcrPage",
    "available",
    "count_image_frames",
    "image_kind",
    "ocr_page_unsandboxed",
    "ocr_pages",
]
