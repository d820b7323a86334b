"""Make scanned-looking pages from contract texts: what a copier or a phone makes of paper.

A page is the text set in IPAex Mincho on A4 at the chosen dpi, turned slightly (a sheet fed
askew), sprinkled with dust, crossed by a fold line and overprinted with a red 印影; then it is
saved as an image (PNG / JPEG / TIFF) or wrapped, one image per page, as a PDF without a text
layer. Nothing is committed but this generator.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
)


def font_path() -> Path:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("IPAex font (fonts-ipaexfont) is not installed")


def wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        if not line:
            lines.append("")
            continue
        lines.extend(line[i : i + width] for i in range(0, len(line), width))
    return lines


def paginate(text: str, *, chars_per_line: int = 36, lines_per_page: int = 40) -> list[list[str]]:
    """Lines per page; a form feed starts a new page."""
    pages: list[list[str]] = []
    for chunk in text.split("\f"):
        lines = wrap(chunk.strip("\n"), chars_per_line)
        for start in range(0, max(len(lines), 1), lines_per_page):
            pages.append(lines[start : start + lines_per_page])
    return pages


def render_page(
    lines: Sequence[str],
    *,
    dpi: int = 200,
    skew_deg: float = 0.6,
    noise: float = 0.002,
    stamp: bool = True,
    fold: bool = True,
    rotate: int = 0,
    seed: int = 1,
) -> Image.Image:
    """One A4 page in RGB. `rotate` (0/90/180/270) turns the whole sheet, as a scanner might."""
    rng = random.Random(seed)  # noqa: S311 - reproducible dust, not a secret
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("RGB", (width, height), (250, 250, 247))
    draw = ImageDraw.Draw(page)
    size = round(10.5 / 72 * dpi)
    font = ImageFont.truetype(str(font_path()), size)
    left, top, step = round(0.9 * dpi), round(0.9 * dpi), round(size * 1.6)
    for row, line in enumerate(lines):
        draw.text((left, top + row * step), line, font=font, fill=(25, 25, 25))
    if fold:
        y = height // 2 + rng.randint(-20, 20)
        draw.line([(0, y), (width, y + 6)], fill=(200, 200, 196), width=max(2, dpi // 100))
    if stamp:
        # 印影: a red ring with a name, over the end of the text (as a seal is pressed).
        r = round(0.35 * dpi)
        cx = width - round(1.6 * dpi)
        cy = top + min(len(lines), 8) * step
        overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
        od = ImageDraw.Draw(overlay)
        od.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(210, 40, 40, 170), width=dpi // 40)
        sfont = ImageFont.truetype(str(font_path()), round(r * 0.55))
        od.text((cx, cy), "受託印", font=sfont, fill=(210, 40, 40, 150), anchor="mm")
        page = Image.alpha_composite(page.convert("RGBA"), overlay).convert("RGB")
    if noise:
        px = page.load()
        assert px is not None
        for _ in range(int(width * height * noise)):
            x, y = rng.randrange(width), rng.randrange(height)
            g = rng.randint(60, 160)
            px[x, y] = (g, g, g)
    if skew_deg:
        page = page.rotate(skew_deg, resample=Image.Resampling.BICUBIC, fillcolor=(250, 250, 247))
    page = page.filter(ImageFilter.GaussianBlur(0.4))
    if rotate:
        page = page.rotate(rotate, expand=True)
    return page


def render_vertical_page(text: str, *, dpi: int = 200) -> Image.Image:
    """One A4 page of 縦書き: columns from right to left, one character under the other."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    size = round(10.5 / 72 * dpi)
    font = ImageFont.truetype(str(font_path()), size)
    margin = round(0.9 * dpi)
    per_column = (height - 2 * margin) // size
    flat = text.replace("\n", "")
    x = width - margin - size
    for start in range(0, len(flat), per_column):
        for row, ch in enumerate(flat[start : start + per_column]):
            draw.text((x, margin + row * size), ch, font=font, fill=20)
        x -= round(size * 1.7)
        if x < margin:
            break
    return page


def image_bytes(image: Image.Image, fmt: str = "PNG", dpi: int = 200) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=80, dpi=(dpi, dpi))
    elif fmt == "TIFF":
        image.convert("L").save(out, "TIFF", compression="tiff_lzw", dpi=(dpi, dpi))
    else:
        image.save(out, fmt, dpi=(dpi, dpi))
    return out.getvalue()


def images_to_pdf(images: Sequence[Image.Image], dpi: int = 200) -> bytes:
    """An image-only PDF (no text layer), one page per image."""
    out = io.BytesIO()
    first, *rest = [im.convert("L") for im in images]
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return out.getvalue()


def scanned_pdf(text: str, *, dpi: int = 200, rotate: int = 0, seed: int = 1) -> bytes:
    pages = paginate(text)
    return images_to_pdf(
        [render_page(p, dpi=dpi, rotate=rotate, seed=seed + i) for i, p in enumerate(pages)], dpi
    )
