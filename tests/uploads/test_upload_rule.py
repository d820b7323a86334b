"""A route cannot store an uploaded file without the shared intake: only portal/uploads writes
uploads to the file store (besides restoring a backup and the spreadsheet import, whose file
is read by the import job and never served)."""

from __future__ import annotations

import re
from pathlib import Path

import portal

ROOT = Path(portal.__file__).parent
ALLOWED = {
    "uploads/blobs.py",  # BlobWriter: stores what `take` returned
    "ops/backup.py",  # restore: blobs come from the portal's own backup archive
    "dataio/services.py",  # the import spreadsheet: parsed by the import job, never served
}
SAVE = re.compile(r"(?:get_filestore\(\)|\bstore)\s*\.\s*save\(")
TAKE = re.compile(r"\b(?:take|take_bytes)\(")


def test_only_the_upload_layer_writes_files_to_the_store():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if SAVE.search(path.read_text(encoding="utf-8"))
        and str(path.relative_to(ROOT)) not in ALLOWED
    ]

    assert offenders == []


def test_every_feature_with_a_file_field_calls_the_intake():
    forms = [p for p in ROOT.rglob("forms.py") if "FileField" in p.read_text(encoding="utf-8")]
    features = {p.parent.name for p in forms} - {"dataio"}
    calling = {
        p.relative_to(ROOT).parts[0]
        for p in ROOT.rglob("*.py")
        if TAKE.search(p.read_text(encoding="utf-8"))
    }

    assert features, "no upload forms found"
    assert features <= calling, features - calling
