"""Photos are proven to be images and served only as re-encoded copies without metadata.

入間市規程 第16条第2項 (写真付き証明); 広島市要綱 第6 7 (付加情報に個人情報が
含まれていることがある).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from portal.filecheck.errors import FileRejected, RejectCode
from portal.filecheck.images import sanitize_image, validate_image
from portal.filecheck.sniff import FileKind
from tests.filecheck import makers

MB = 1024 * 1024


def _outputs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "display.bin", tmp_path / "thumb.bin"


def _assert_no_metadata(path: Path) -> None:
    with Image.open(path) as im:
        exif = im.getexif()
        assert len(exif) == 0
        assert not exif.get_ifd(0x8825)
        for key in ("exif", "xmp", "icc_profile", "comment", "Author", "Comment", "Description"):
            assert key not in im.info
        assert not getattr(im, "text", {})
    raw = path.read_bytes()
    for marker in (b"Exif", b"http://ns.adobe.com/xap", "山田".encode(), b"Yamada", b"Apple"):
        assert marker not in raw


def test_a_jpeg_with_gps_exif_comes_back_without_exif_gps_xmp_icc_or_comment(
    tmp_path: Path,
) -> None:
    src = makers.jpeg_with_gps(tmp_path / "photo.jpg")
    display, thumb = _outputs(tmp_path)

    result = sanitize_image(src, display, thumb)

    assert result.source.has_gps
    assert result.kind is FileKind.JPEG
    assert result.content_type == "image/jpeg"
    _assert_no_metadata(display)
    _assert_no_metadata(thumb)


def test_validation_reports_the_gps_it_found_in_the_original(tmp_path: Path) -> None:
    src = makers.jpeg_with_gps(tmp_path / "photo.jpg", size=(640, 480))

    info = validate_image(src, max_bytes=5 * MB)

    assert (info.kind, info.width, info.height) == (FileKind.JPEG, 640, 480)
    assert info.has_exif
    assert info.has_gps


def test_exif_orientation_is_applied_to_the_pixels_before_it_is_dropped(tmp_path: Path) -> None:
    src = makers.jpeg_with_gps(tmp_path / "portrait.jpg", size=(800, 600), orientation=6)
    display, thumb = _outputs(tmp_path)

    result = sanitize_image(src, display, thumb)

    assert (result.display_width, result.display_height) == (600, 800)
    with Image.open(display) as im:
        assert im.size == (600, 800)
        assert 0x0112 not in im.getexif()


def test_display_and_thumbnail_are_bounded_and_never_enlarged(tmp_path: Path) -> None:
    big = makers.jpeg_with_gps(tmp_path / "big.jpg", size=(3000, 1000))
    small = makers.jpeg_with_gps(tmp_path / "small.jpg", size=(200, 100))

    big_result = sanitize_image(big, tmp_path / "b1", tmp_path / "b2", display_max_px=1200)
    small_result = sanitize_image(small, tmp_path / "s1", tmp_path / "s2")

    assert (big_result.display_width, big_result.display_height) == (1200, 400)
    assert (big_result.thumb_width, big_result.thumb_height) == (320, 107)
    assert (small_result.display_width, small_result.display_height) == (200, 100)
    assert (small_result.thumb_width, small_result.thumb_height) == (200, 100)


def test_a_large_jpeg_is_decoded_at_a_reduced_dct_scale_when_that_is_close_enough(
    tmp_path: Path,
) -> None:
    src = makers.jpeg_with_gps(tmp_path / "wide.jpg", size=(3000, 1500))

    result = sanitize_image(src, *_outputs(tmp_path), display_max_px=1600)

    # 1/2 scale gives 1500 px, within 10% of 1600: no full-size decode, no resampling.
    assert (result.display_width, result.display_height) == (1500, 750)


def test_png_text_chunks_and_exif_are_removed(tmp_path: Path) -> None:
    src = makers.png_with_text(tmp_path / "screenshot.png")
    display, thumb = _outputs(tmp_path)

    result = sanitize_image(src, display, thumb)

    assert result.source.has_gps
    _assert_no_metadata(display)
    raw = display.read_bytes()
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
        assert chunk not in raw


def test_a_transparent_png_stays_png_with_its_alpha(tmp_path: Path) -> None:
    src = makers.png_with_text(tmp_path / "stamp.png", mode="RGBA")
    display, thumb = _outputs(tmp_path)

    result = sanitize_image(src, display, thumb)

    assert result.kind is FileKind.PNG
    with Image.open(display) as im:
        assert im.format == "PNG"
        assert im.mode == "RGBA"
    _assert_no_metadata(display)


def test_a_palette_png_with_a_transparent_colour_becomes_an_rgba_png(tmp_path: Path) -> None:
    src = tmp_path / "logo.png"
    makers.noisy_image((300, 200)).convert("P", palette=Image.Palette.ADAPTIVE).save(
        src, transparency=0
    )

    result = sanitize_image(src, *_outputs(tmp_path), display_max_px=100)

    assert result.kind is FileKind.PNG
    assert (result.display_width, result.display_height) == (100, 67)
    with Image.open(tmp_path / "display.bin") as im:
        assert im.mode == "RGBA"


def test_a_sixteen_bit_greyscale_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    src = tmp_path / "scan16.png"
    Image.new("I;16", (64, 64), 0x8000).save(src)

    sanitize_image(src, tmp_path / "d", tmp_path / "t")

    with Image.open(tmp_path / "d") as im:
        assert im.mode == "L"
        assert 120 <= im.getpixel((10, 10)) <= 135  # type: ignore[operator]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("pdf.jpg", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
        ("zip.jpg", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40),
        ("page.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("vector.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'),
        ("setup.heic", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
    ],
)
def test_non_images_renamed_as_photos_are_rejected(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(FileRejected) as rejected:
        validate_image(path, max_bytes=MB)

    assert rejected.value.code is RejectCode.NOT_AN_IMAGE
    assert "画像ファイルではありません" in rejected.value.message


def test_a_gif_is_refused_as_an_unsupported_image_type(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    makers.noisy_image((16, 16)).save(path, "GIF")

    with pytest.raises(FileRejected) as rejected:
        validate_image(path, max_bytes=MB)

    assert rejected.value.code is RejectCode.UNSUPPORTED_TYPE


def test_an_image_over_the_byte_limit_is_rejected_before_parsing(tmp_path: Path) -> None:
    src = makers.jpeg_with_gps(tmp_path / "photo.jpg", size=(1200, 900))
    limit = src.stat().st_size - 1

    with pytest.raises(FileRejected) as rejected:
        validate_image(src, max_bytes=limit)

    assert rejected.value.code is RejectCode.TOO_LARGE
    assert "上限" in rejected.value.message


def test_an_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")

    with pytest.raises(FileRejected) as rejected:
        validate_image(path, max_bytes=MB)

    assert rejected.value.code is RejectCode.EMPTY


def test_a_decompression_bomb_png_is_rejected_quickly_without_decoding(tmp_path: Path) -> None:
    bomb = makers.png_bomb(tmp_path / "bomb.png")  # 30000×30000, ~0.1 MB on disk
    started = time.monotonic()

    # 256 MB for the child: had it started decoding the ~900 MB of pixels, the answer would be
    # resource_limit (memory), not image_too_many_pixels (header check).
    with pytest.raises(FileRejected) as rejected:
        validate_image(bomb, max_bytes=5 * MB, max_pixels=60_000_000, memory_mb=256)

    assert bomb.stat().st_size < MB
    assert rejected.value.code is RejectCode.IMAGE_TOO_MANY_PIXELS
    assert "30000×30000" in rejected.value.message
    assert time.monotonic() - started < 5


def test_sanitize_also_refuses_a_bomb_and_writes_nothing(tmp_path: Path) -> None:
    bomb = makers.png_bomb(tmp_path / "bomb.png")
    display, thumb = _outputs(tmp_path)

    with pytest.raises(FileRejected) as rejected:
        sanitize_image(bomb, display, thumb, memory_mb=256)

    assert rejected.value.code is RejectCode.IMAGE_TOO_MANY_PIXELS
    assert not display.exists()
    assert not thumb.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.png"]


def test_a_truncated_jpeg_is_rejected(tmp_path: Path) -> None:
    whole = makers.jpeg_with_gps(tmp_path / "whole.jpg", size=(1600, 1200)).read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) * 6 // 10])

    with pytest.raises(FileRejected) as rejected:
        validate_image(cut, max_bytes=5 * MB)

    assert rejected.value.code is RejectCode.TRUNCATED
    assert "途中で切れて" in rejected.value.message


def test_a_truncated_png_is_rejected_by_sanitize_too(tmp_path: Path) -> None:
    buf = io.BytesIO()
    makers.noisy_image((600, 400)).save(buf, "PNG")
    cut = tmp_path / "cut.png"
    cut.write_bytes(buf.getvalue()[: buf.tell() // 2])

    with pytest.raises(FileRejected) as rejected:
        sanitize_image(cut, *_outputs(tmp_path))

    assert rejected.value.code is RejectCode.TRUNCATED


def test_a_jpeg_header_with_garbage_after_it_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "garbage.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20)

    with pytest.raises(FileRejected) as rejected:
        validate_image(path, max_bytes=MB)

    assert rejected.value.code in {RejectCode.MALFORMED, RejectCode.NOT_AN_IMAGE}


def test_a_heic_photo_round_trips_to_a_jpeg_without_gps(tmp_path: Path) -> None:
    src = makers.heic_with_gps(tmp_path / "IMG_0001.HEIC")
    display, thumb = _outputs(tmp_path)

    info = validate_image(src, max_bytes=5 * MB)
    result = sanitize_image(src, display, thumb)

    assert info.kind is FileKind.HEIC
    assert info.has_gps
    assert (result.kind, result.display_width, result.display_height) == (FileKind.JPEG, 640, 480)
    _assert_no_metadata(display)


def test_a_webp_is_accepted_and_re_encoded(tmp_path: Path) -> None:
    src = tmp_path / "photo.webp"
    makers.noisy_image((400, 300)).save(src, "WEBP", exif=makers.gps_exif().tobytes())

    result = sanitize_image(src, *_outputs(tmp_path))

    assert result.source.kind is FileKind.WEBP
    assert result.source.has_gps
    assert result.kind is FileKind.JPEG
    _assert_no_metadata(tmp_path / "display.bin")


def test_an_image_needing_more_memory_than_the_sandbox_allows_is_a_resource_limit(
    tmp_path: Path,
) -> None:
    flat = tmp_path / "flat.png"  # 48 MP of one colour: 150 KB on disk, ~190 MB decoded
    Image.new("RGB", (8000, 6000), (200, 10, 10)).save(flat)
    display, thumb = _outputs(tmp_path)

    with pytest.raises(FileRejected) as rejected:
        sanitize_image(flat, display, thumb, memory_mb=128)

    assert rejected.value.code is RejectCode.RESOURCE_LIMIT
    assert not display.exists()
    assert not thumb.exists()


def test_an_image_that_takes_too_long_is_a_timeout(tmp_path: Path) -> None:
    src = makers.jpeg_with_gps(tmp_path / "photo.jpg", size=(2000, 1500))

    with pytest.raises(FileRejected) as rejected:
        sanitize_image(src, *_outputs(tmp_path), timeout_s=0.01)

    assert rejected.value.code is RejectCode.TIMEOUT
    assert "制限時間" in rejected.value.message
