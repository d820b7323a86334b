"""Benchmark: twenty 12-megapixel phone photos through validate_image + sanitize_image.

    .venv/bin/python bench/bench_photos.py [--count 20] [--width 4032 --height 3024] [--dir /tmp]

The erasure form takes up to twenty photos: this measures the time and peak memory of twenty
12 MP photos. Each photo
is generated (smooth colour noise plus grain, JPEG quality 92: ~4.5 MB, like a phone photo) with
EXIF GPS, half of them with orientation 6 (portrait), and goes through the real path: every
call runs in a `portal.sandbox` child, as in production.

Memory: the sandbox children are forked by the fork server, so the caller cannot wait4() them.
A second pass therefore runs the same workers inside `run_limited` through a probe that returns
the child's own ru_maxrss (peak RSS) and its tracemalloc peak (Python objects only; Pillow's
pixel buffers are C allocations). A probe that does nothing gives the child's baseline (the fork
server's preloaded modules), which is subtracted. The web worker's side is measured with
tracemalloc and its own ru_maxrss. The working directory is removed at the end.
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024


def make_photo(path: Path, width: int, height: int, orientation: int) -> None:
    """Runs in a sandbox child, so generating 12 MP images does not inflate the caller's RSS."""
    from PIL import Image

    # os.urandom, not Image.effect_noise: every sandbox child inherits the same C rand() state,
    # and twenty identical photos would flatter the page cache and the JPEG decoder.
    small = (width // 8, height // 8)
    channels = [Image.frombytes("L", small, os.urandom(small[0] * small[1])) for _ in range(3)]
    coarse = Image.merge("RGB", channels).resize((width, height), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((width, height), 12)
    photo = Image.merge("RGB", [Image.blend(c, grain, 0.25) for c in coarse.split()])
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15"
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (35.0, 51.0, 24.5), 3: "E", 4: (139.0, 23.0, 27.8)})
    photo.save(path, "JPEG", quality=92, exif=exif.tobytes())


def probe(worker: str, *args: Any) -> tuple[Any, int, int]:
    """Runs in the sandbox child: call a filecheck worker, report (result, peak RSS, py peak)."""
    from portal.filecheck import images

    tracemalloc.start()
    result = getattr(images, worker)(*args) if worker else None
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, py_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--width", type=int, default=4032)
    parser.add_argument("--height", type=int, default=3024)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()

    from portal.filecheck.images import sanitize_image, validate_image
    from portal.filecheck.sniff import FileKind
    from portal.sandbox import run_limited

    workdir = Path(tempfile.mkdtemp(prefix="bench-photos-", dir=args.dir))
    try:
        # Imported by module name (not __main__) so the sandbox can pickle its functions.
        me = importlib.import_module("bench_photos")
        print(f"generating {args.count} photos of {args.width}×{args.height} ...", flush=True)
        photos = []
        for i in range(args.count):
            path = workdir / f"IMG_{i:04d}.JPG"
            orientation = 6 if i % 2 else 1
            run_limited(me.make_photo, path, args.width, args.height, orientation, timeout_s=60)
            photos.append(path)
        sizes = [p.stat().st_size for p in photos]
        print(
            f"  {sum(sizes) / MB:.1f} MB in total, {statistics.mean(sizes) / MB:.2f} MB each"
            f" ({min(sizes) / 1000:,.0f}-{max(sizes) / 1000:,.0f} kB)\n"
        )

        # Warm the fork server once (its start-up is paid once per web worker, not per photo).
        validate_image(photos[0], max_bytes=30 * MB)

        # --- pass 1: the production path, timed ------------------------------------------
        tracemalloc.start()
        validate_times, sanitize_times = [], []
        out_bytes = 0
        started = time.perf_counter()
        for i, photo in enumerate(photos):
            t0 = time.perf_counter()
            info = validate_image(photo, max_bytes=30 * MB)
            t1 = time.perf_counter()
            result = sanitize_image(photo, workdir / f"d{i}.jpg", workdir / f"t{i}.jpg")
            t2 = time.perf_counter()
            assert info.has_gps
            assert result.kind is FileKind.JPEG
            validate_times.append(t1 - t0)
            sanitize_times.append(t2 - t1)
            out_bytes += result.display_bytes + result.thumb_bytes
        total = time.perf_counter() - started
        _, parent_py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

        # --- pass 2: the same work inside probes that report the child's peak memory -------
        _, baseline_rss, _ = run_limited(me.probe, "")
        child_rss: dict[str, list[int]] = {"validate": [], "sanitize": []}
        child_py: dict[str, list[int]] = {"validate": [], "sanitize": []}
        for i, photo in enumerate(photos):
            size = photo.stat().st_size
            _, rss, py = run_limited(
                me.probe, "_validate_worker", photo, FileKind.JPEG, 60_000_000, size
            )
            child_rss["validate"].append(rss)
            child_py["validate"].append(py)
            _, rss, py = run_limited(
                me.probe,
                "_sanitize_worker",
                photo,
                workdir / f"p{i}.jpg",
                workdir / f"q{i}.jpg",
                FileKind.JPEG,
                60_000_000,
                size,
                2048,
                320,
                85,
            )
            child_rss["sanitize"].append(rss)
            child_py["sanitize"].append(py)

        # --- pass 3: sandbox overhead (the same workers called in-process) -----------------
        images = importlib.import_module("portal.filecheck.images")
        sample = photos[:5]
        t0 = time.perf_counter()
        for i, photo in enumerate(sample):
            size = photo.stat().st_size
            images._validate_worker(photo, FileKind.JPEG, 60_000_000, size)
            images._sanitize_worker(
                photo, workdir / f"x{i}.jpg", workdir / f"y{i}.jpg", FileKind.JPEG,
                60_000_000, size, 2048, 320, 85,
            )  # fmt: skip
        in_process = (time.perf_counter() - t0) / len(sample)

        decoded = args.width * args.height * 4  # Pillow keeps RGB as 4 bytes per pixel
        per_photo = [v + s for v, s in zip(validate_times, sanitize_times, strict=True)]
        print("pass 1: validate_image + sanitize_image, each in a sandbox child")
        print(f"  total                     {total:7.2f} s for {args.count} photos")
        print(
            f"  per photo                 {statistics.mean(per_photo):7.3f} s mean,"
            f" {statistics.median(per_photo):.3f} median, {max(per_photo):.3f} max"
        )
        print(f"    validate_image          {statistics.mean(validate_times):7.3f} s mean")
        print(f"    sanitize_image          {statistics.mean(sanitize_times):7.3f} s mean")
        print(f"  same work in-process      {in_process:7.3f} s per photo (no sandbox)")
        print(f"  output (display + thumb)  {out_bytes / args.count / MB:7.2f} MB per photo")
        print("memory")
        print(f"  full decode of one photo  {decoded / MB:7.1f} MB (width × height × 4)")
        print(f"  sandbox child baseline    {baseline_rss / MB:7.1f} MB RSS (fork server image)")
        for phase in ("validate", "sanitize"):
            peak = max(child_rss[phase])
            print(
                f"  child peak, {phase:<9}    {peak / MB:7.1f} MB RSS"
                f" (+{(peak - baseline_rss) / MB:.1f} MB over baseline),"
                f" python objects {max(child_py[phase]) / MB:.1f} MB"
            )
        print(
            f"  web worker (caller)       {parent_rss / MB:7.1f} MB RSS peak,"
            f" python objects {parent_py_peak / MB:.2f} MB during pass 1"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
