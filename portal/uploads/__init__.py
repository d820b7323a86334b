"""The shared upload layer: one intake for every uploaded file, limits from the config, blob
writing that leaves nothing behind on failure, and one way to serve a stored file.

Every route that accepts a file calls `take` and stores `Intake.path` (the cleaned copy);
`tests/uploads/test_corpus_routes.py` feeds the same hostile corpus through each of them.
"""

from portal.uploads.blobs import BlobWriter, discard_blobs
from portal.uploads.intake import (
    Intake,
    Upload,
    precheck,
    served_filename,
    served_label,
    take,
    take_bytes,
)
from portal.uploads.limits import UploadLimits

__all__ = [
    "BlobWriter",
    "Intake",
    "Upload",
    "UploadLimits",
    "discard_blobs",
    "precheck",
    "served_filename",
    "served_label",
    "take",
    "take_bytes",
]
