"""Photo uploads: prove a file is a real image, then re-encode it without its metadata.

Erasure certificates come with photos of destroyed media (入間市規程 第16条第2項); phone photos
carry EXIF with GPS coordinates, the camera owner and comments. What the portal serves is
always a re-encoded copy without any of that (広島市要綱 第6 7: 付加情報に個人情報が含まれて
いることがあることに注意する).

Decoding runs in the sandbox (`portal.sandbox.run_limited`) because image decoders are native
code fed with hostile bytes; the pixel count is checked from the header *before* decoding, so a
small file that declares 30000×30000 pixels is refused without allocating them.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from portal.filecheck._common import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    Rejection,
    atomic_outputs,
    check_size,
    read_head,
    run_checked,
)
from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.sniff import HEAD_BYTES, IMAGE_KINDS, FileKind, safe_content_type, sniff

DEFAULT_MAX_PIXELS = 60_000_000
"""Enough for 48-megapixel phone photos (8064×6048); a 60 MP RGBA decode is ~240 MB."""

ACCEPTED_IMAGE_KINDS = frozenset(
    {FileKind.JPEG, FileKind.PNG, FileKind.HEIC, FileKind.HEIF, FileKind.WEBP}
)

# Image.open(formats=...) only tries the plugin the bytes were sniffed as, so a file cannot be
# steered into a rarely used decoder.
_PIL_FORMATS: dict[FileKind, tuple[str, ...]] = {
    FileKind.JPEG: ("JPEG",),
    FileKind.PNG: ("PNG",),
    FileKind.HEIC: ("HEIF",),
    FileKind.HEIF: ("HEIF",),
    FileKind.WEBP: ("WEBP",),
}

_EXIF_ORIENTATION = 0x0112
_EXIF_GPS_IFD = 0x8825

# EXIF orientation -> the transpose that makes the pixels upright (as PIL.ImageOps.exif_transpose).
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class ImageInfo:
    """What validation learned about an uploaded image (sizes are as stored, before rotation)."""

    kind: FileKind
    width: int
    height: int
    size_bytes: int
    frames: int
    orientation: int
    has_exif: bool
    has_gps: bool
    has_comment: bool = False  # JPEG COM, XMP, PNG text chunks

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class SanitizedImage:
    """The re-encoded display image and thumbnail written by `sanitize_image`."""

    kind: FileKind  # JPEG, or PNG when the source has transparency
    content_type: str
    display_width: int
    display_height: int
    display_bytes: int
    thumb_width: int
    thumb_height: int
    thumb_bytes: int
    source: ImageInfo


def validate_image(
    path: Path,
    *,
    max_bytes: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> ImageInfo:
    """Prove `path` is a complete JPEG/PNG/HEIC/HEIF/WebP within the byte and pixel limits.

    Raises FileRejected: empty, too_large, not_an_image, unsupported_type (GIF/TIFF),
    image_too_many_pixels, truncated, malformed, timeout, resource_limit, processing_failed.
    """
    size = check_size(path, max_bytes)
    kind = _accepted_kind(path)
    return run_checked(
        _validate_worker, path, kind, max_pixels, size, timeout_s=timeout_s, memory_mb=memory_mb
    )


def sanitize_image(
    src: Path,
    dst_display: Path,
    dst_thumb: Path,
    *,
    display_max_px: int = 2048,
    thumb_px: int = 320,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    jpeg_quality: int = 85,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> SanitizedImage:
    """Write upright, metadata-free copies of `src`: a display image and a thumbnail.

    EXIF orientation is applied to the pixels, an embedded ICC profile is converted to sRGB,
    and the output is rebuilt from raw pixels, so no EXIF (GPS), XMP, ICC, JPEG COM or PNG text
    chunk survives. Output is JPEG (PNG when the source has transparency) whatever the
    destination suffix; the longest side is at most `display_max_px` / `thumb_px` (never
    enlarged; a large JPEG may come out up to 10% under `display_max_px`, because it is
    decoded at 1/2, 1/4 or 1/8 scale when that is close enough, e.g. 4032 px -> 2016 px).
    `src` is checked again (type, pixel limit, truncation); both outputs appear atomically, or
    neither does. Raises FileRejected like `validate_image`.
    """
    if display_max_px < 1 or thumb_px < 1:
        raise ValueError("display_max_px and thumb_px must be positive")
    size = src.stat().st_size
    if size == 0:
        raise FileRejected(RejectCode.EMPTY)
    kind = _accepted_kind(src)
    with atomic_outputs(dst_display, dst_thumb) as (tmp_display, tmp_thumb):
        return run_checked(
            _sanitize_worker,
            src,
            tmp_display,
            tmp_thumb,
            kind,
            max_pixels,
            size,
            display_max_px,
            thumb_px,
            jpeg_quality,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
        )


def _accepted_kind(path: Path) -> FileKind:
    kind = sniff(read_head(path, HEAD_BYTES))
    if kind in ACCEPTED_IMAGE_KINDS:
        return kind
    if kind in IMAGE_KINDS:
        raise FileRejected(
            RejectCode.UNSUPPORTED_TYPE,
            f"この画像形式（{kind.value.upper()}）には対応していません。"
            "JPEG・PNG・HEIC・WebP 形式の写真を選んでください。",
        )
    if kind is FileKind.EMPTY:
        raise FileRejected(RejectCode.EMPTY)
    raise FileRejected(RejectCode.NOT_AN_IMAGE)


# --- sandboxed workers (module-level so they pickle) ---------------------------------------


def _validate_worker(
    path: Path, kind: FileKind, max_pixels: int, size: int
) -> ImageInfo | Rejection:
    try:
        with _open_image(path, kind) as im:
            info = _inspect(im, kind, size, max_pixels)
            if isinstance(info, Rejection):
                return info
            if im.format in ("JPEG", "MPO"):
                # DCT scaling still entropy-decodes the whole scan, so truncation is found,
                # at 1/64 of the memory.
                im.draft(None, (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
            return info
    except Exception as exc:  # hostile input: every failure becomes a code
        return _rejection_for(exc)


def _sanitize_worker(
    src: Path,
    dst_display: Path,
    dst_thumb: Path,
    kind: FileKind,
    max_pixels: int,
    size: int,
    display_max_px: int,
    thumb_px: int,
    jpeg_quality: int,
) -> SanitizedImage | Rejection:
    try:
        with _open_image(src, kind) as im:
            info = _inspect(im, kind, size, max_pixels)
            if isinstance(info, Rejection):
                return info
            icc = im.info.get("icc_profile")
            transparent = _has_transparency(im)
            scale = _draft_scale(im.size, display_max_px) if im.format in ("JPEG", "MPO") else 1
            if scale > 1:
                # libjpeg decodes straight to 1/2, 1/4 or 1/8 size (DCT scaling): a 12 MP photo
                # becomes 2016×1512 at a quarter of the memory and with no resampling at all.
                im.draft(None, (im.width // scale, im.height // scale))
            im.load()
            # Palette, bilevel and 16-bit images would be resized with NEAREST or clipped.
            base = _resizable(im, transparent)
            base.thumbnail((display_max_px, display_max_px), Image.Resampling.LANCZOS, 2.0)
            pixels = _to_output_mode(base, icc if isinstance(icc, bytes) else None, transparent)
        pixels = _upright(pixels, info.orientation)
        # Rebuild from raw pixels: nothing from the source's info (exif, xmp, icc_profile,
        # comment, PNG text) can ride along into the saved file.
        display = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
        del pixels
        thumb = display.copy()
        thumb.thumbnail((thumb_px, thumb_px), Image.Resampling.LANCZOS, 2.0)
        out_kind = FileKind.PNG if display.mode in ("RGBA", "LA") else FileKind.JPEG
        _save(display, dst_display, out_kind, jpeg_quality)
        _save(thumb, dst_thumb, out_kind, jpeg_quality)
        return SanitizedImage(
            kind=out_kind,
            content_type=safe_content_type(out_kind),
            display_width=display.width,
            display_height=display.height,
            display_bytes=dst_display.stat().st_size,
            thumb_width=thumb.width,
            thumb_height=thumb.height,
            thumb_bytes=dst_thumb.stat().st_size,
            source=info,
        )
    except Exception as exc:  # hostile input: every failure becomes a code
        return _rejection_for(exc)


def _open_image(path: Path, kind: FileKind) -> Image.Image:
    formats = _PIL_FORMATS[kind]
    if "HEIF" in formats:
        from pillow_heif import register_heif_opener

        # No embedded thumbnails (draft() could decode one instead of the real image), no
        # depth/aux images, one thread: the sandbox limits are per process.
        register_heif_opener(
            thumbnails=False, depth_images=False, aux_images=False, decode_threads=1
        )
    # open() reads the header only. Pillow's own bomb check (a warning above MAX_IMAGE_PIXELS,
    # an error above twice that) is switched off for this call because `_inspect` applies the
    # caller's, usually lower, max_pixels right after, with the dimensions in the message.
    # This runs in a sandbox child, so the global is not shared with the web worker.
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path, formats=list(formats))
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _inspect(im: Image.Image, kind: FileKind, size: int, max_pixels: int) -> ImageInfo | Rejection:
    width, height = im.size
    if width < 1 or height < 1:
        return Rejection(RejectCode.MALFORMED)
    if width * height > max_pixels:
        man = width * height // 10_000  # 万画素
        return Rejection(
            RejectCode.IMAGE_TOO_MANY_PIXELS,
            f"画像の画素数が多すぎます（{width}×{height}、約 {man:,} 万画素）。"
            f"上限は約 {max_pixels // 10_000:,} 万画素です。",
        )
    exif = im.getexif()
    orientation = exif.get(_EXIF_ORIENTATION, 1)
    return ImageInfo(
        kind=kind,
        width=width,
        height=height,
        size_bytes=size,
        frames=int(getattr(im, "n_frames", 1)),
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1,
        has_exif=len(exif) > 0,
        has_gps=bool(exif.get_ifd(_EXIF_GPS_IFD)),
        has_comment=_has_comment(im),
    )


def _has_comment(im: Image.Image) -> bool:
    """A JPEG comment, an XMP packet or PNG text chunks read with the header (im.info)."""
    for key, value in im.info.items():
        if key in ("comment", "xmp", "XML:com.adobe.xmp") and value:
            return True
        if im.format == "PNG" and isinstance(value, str) and value.strip():
            return True
    return False


def _draft_scale(size: tuple[int, int], display_max_px: int) -> int:
    """The largest JPEG DCT scale (1, 2, 4, 8) keeping the long side >= 90% of display_max_px."""
    longest = max(size)
    for scale in (8, 4, 2):
        if longest // scale >= display_max_px * 0.9:
            return scale
    return 1


def _has_transparency(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _resizable(im: Image.Image, transparent: bool) -> Image.Image:
    """`im`, or a copy in a mode Pillow resamples smoothly (8-bit L/RGB/RGBA)."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greyscale: scale instead of clipping everything above 255 to white.
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode in ("P", "PA") or (transparent and im.mode not in ("RGBA", "LA")):
        return im.convert("RGBA" if transparent else "RGB")
    if im.mode == "1":
        return im.convert("L")
    return im


def _to_output_mode(im: Image.Image, icc: bytes | None, transparent: bool) -> Image.Image:
    """Convert to RGB/L (opaque) or RGBA/LA (transparent), in sRGB when a profile says how."""
    if icc:
        im = _to_srgb(im, icc)
    if transparent:
        return im if im.mode in ("RGBA", "LA") else im.convert("RGBA")
    return im if im.mode in ("RGB", "L") else im.convert("RGB")


def _to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    """Convert through the embedded profile (e.g. iPhone Display P3) so dropping it is safe."""
    out_mode = "RGBA" if im.mode in ("RGBA", "LA") else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            im, source, ImageCms.createProfile("sRGB"), outputMode=out_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im  # unusable profile: keep the pixels as they are, the profile is dropped
    return converted if converted is not None else im


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return im if method is None else im.transpose(method)


def _save(im: Image.Image, dst: Path, kind: FileKind, jpeg_quality: int) -> None:
    if kind is FileKind.PNG:
        im.save(dst, format="PNG", compress_level=6)
    else:
        im.save(dst, format="JPEG", quality=jpeg_quality)


def _rejection_for(exc: BaseException) -> Rejection:
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return Rejection(RejectCode.IMAGE_TOO_MANY_PIXELS)
    if isinstance(exc, UnidentifiedImageError):
        return Rejection(RejectCode.NOT_AN_IMAGE)
    if isinstance(exc, MemoryError):
        return Rejection(RejectCode.RESOURCE_LIMIT)
    if isinstance(exc, OSError) and "truncated" in str(exc).lower():
        return Rejection(RejectCode.TRUNCATED)
    return Rejection(RejectCode.MALFORMED)
