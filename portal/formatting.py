"""How the portal writes numbers a person reads: file sizes in one style everywhere."""

from __future__ import annotations

KIB = 1024
MIB = 1024 * 1024
GIB = 1024 * MIB


def file_size(n: int | None) -> str:
    """1536 → "1.5 KB", 20 MiB → "20 MB", 1.25 GiB → "1.3 GB"; whole numbers lose the ".0"."""
    if n is None:
        return ""
    if n < KIB:
        return f"{n} B"
    for unit, size in (("GB", GIB), ("MB", MIB), ("KB", KIB)):
        if n >= size:
            value = f"{n / size:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    raise AssertionError("unreachable")


# What an upload field's `accept` list means to a person (the bytes are checked on the server).
ACCEPT_LABELS = {
    ".pdf": "PDF",
    ".docx": "Word（.docx）",
    ".xlsx": "Excel（.xlsx）",
    ".csv": "CSV",
    ".txt": "テキスト",
    ".zip": "ZIP",
    "image/*": "写真・画像（JPEG・PNG など）",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".heic": "HEIC",
}


def accept_label(accept: str | None) -> str:
    """ ".pdf,.docx,application/pdf" → "PDF・Word（.docx）" (MIME types repeat the extensions)."""
    labels: list[str] = []
    for token in (accept or "").split(","):
        label = ACCEPT_LABELS.get(token.strip().lower())
        if label and label not in labels:
            labels.append(label)
    return "・".join(labels)
