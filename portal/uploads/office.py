"""Word, Excel and PowerPoint files without their document properties.

docProps/core.xml (作成者, 最終更新者, タイトル, キーワード), docProps/app.xml (会社名,
マネージャー, テンプレート) and docProps/custom.xml are replaced by empty property parts, so the
package stays valid and opens without a repair prompt. The zip is read in the sandbox with
bounded entry sizes (a zip bomb costs a child process its limits, not the web worker).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from portal.filecheck._common import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    Rejection,
    atomic_outputs,
    run_checked,
)
from portal.filecheck.errors import RejectCode
from portal.sandbox import register_preload

register_preload("portal.uploads.office")

_MAX_ENTRIES = 20_000
_MAX_EXPANSION = 100  # inflated / compressed, per entry, above 1 MB
_MAX_TOTAL = 1024 * 1024 * 1024

_EMPTY_PARTS = {
    "docprops/core.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:dcterms="http://purl.org/dc/terms/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    ),
    "docprops/app.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'extended-properties"/>'
    ),
    "docprops/custom.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'custom-properties"/>'
    ),
}
_NAME_TAGS = re.compile(rb"<(?:dc:creator|cp:lastModifiedBy|Manager|Company)>\s*[^<\s]", re.I)
_VALUE = re.compile(rb">\s*[^<\s][^<]*</")


@dataclass(frozen=True)
class OfficeReport:
    had_properties: bool  # any property part held a value
    had_names: bool  # 作成者, 最終更新者, マネージャー or 会社名 held one


def clean_office(
    src: Path,
    dst: Path,
    *,
    max_bytes: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> OfficeReport:
    """Write `src` to `dst` with empty property parts (atomically); raises FileRejected."""
    with atomic_outputs(dst) as (tmp,):
        return run_checked(
            _clean_worker, src, tmp, max_bytes, timeout_s=timeout_s, memory_mb=memory_mb
        )


def _clean_worker(src: Path, dst: Path, max_bytes: int) -> OfficeReport | Rejection:
    try:
        with zipfile.ZipFile(src) as zin:
            infos = zin.infolist()
            if len(infos) > _MAX_ENTRIES:
                return Rejection(RejectCode.RESOURCE_LIMIT)
            total = 0
            for info in infos:
                total += info.file_size
                bomb = info.file_size > 1024 * 1024 and info.file_size > _MAX_EXPANSION * max(
                    1, info.compress_size
                )
                if bomb or total > max(_MAX_TOTAL, 20 * max_bytes):
                    return Rejection(RejectCode.RESOURCE_LIMIT)
            had_properties = had_names = False
            with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in infos:
                    data = zin.read(info)
                    empty = _EMPTY_PARTS.get(info.filename.lower())
                    if empty is not None:
                        had_properties = had_properties or bool(_VALUE.search(data))
                        had_names = had_names or bool(_NAME_TAGS.search(data))
                        data = empty
                    out = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                    out.compress_type = zipfile.ZIP_DEFLATED
                    zout.writestr(out, data)
            return OfficeReport(had_properties=had_properties, had_names=had_names)
    except MemoryError:
        return Rejection(RejectCode.RESOURCE_LIMIT)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return Rejection(RejectCode.MALFORMED)
    except Exception:  # hostile input: every failure becomes a code
        return Rejection(RejectCode.MALFORMED)
