"""The FileStore protocol shared by every storage backend, and what the backends have in common.

Nothing here imports Flask at module level: jobs and CLI commands use the store without an
app. Only `download_response` (and `build_download_response` behind it) needs a request.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast

if TYPE_CHECKING:
    import flask

# 1 MiB: large enough that per-chunk Python overhead is negligible at disk speed, small enough
# that a dozen parallel uploads stay within a few MiB of memory.
CHUNK_SIZE = 1024 * 1024

# Matches the storage_key column (String(200)) in models.StoredFileMixin.
MAX_KEY_LENGTH = 200

# Matches the original_filename column (String(255)).
MAX_FILENAME_LENGTH = 255

# Each segment starts with a letter or digit: this excludes ".", ".." and dot-files (the local
# backend's temp files start with "."), so no key can name a temp file or walk upwards.
# Segments are always separated by "/", so each string has one parse (no catastrophic
# backtracking on hostile input).
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_KEY_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_PREFIX_RE = re.compile(rf"(?:{_SEGMENT}(?:/{_SEGMENT})*/?)?")
_FEATURE_RE = re.compile(r"[a-z][a-z0-9_]*")

# Types a browser may render inline without running anything active. HTML, SVG, XML and the
# like are always attachments (nothing executable or active is ever served inline).
# PDFs reach this point only after the feature has rejected PDF JavaScript with pypdf.
# The same kinds as portal.filecheck.policy.INLINE_KINDS: cleaned PDFs and re-encoded photos.
INLINE_SAFE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


class FileStoreError(Exception):
    """A storage operation was refused or failed (bad key, backend error)."""


class MissingBlobError(FileStoreError):
    """No blob is stored at the key (a DB row without its blob: the reconcile job reports it)."""


@dataclass(frozen=True)
class StoredBlob:
    """What a backend reports after a successful save; the feature copies it into its DB row."""

    backend: str
    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    """Where uploaded documents live. Features get one from `get_filestore()`, never a backend."""

    def save(self, key: str, fileobj: BinaryIO, content_type: str) -> StoredBlob:
        """Stream `fileobj` to `key` in chunks, hashing as it goes; all or nothing."""
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Open the blob for streamed reading; raises MissingBlobError when absent."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a blob is stored at `key`."""
        ...

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key starting with `prefix` (for the nightly reconcile job)."""
        ...

    def download_response(
        self,
        key: str,
        *,
        filename: str,
        content_type: str,
        inline: bool = False,
        size: int | None = None,
    ) -> flask.Response:
        """A streamed response for the blob, served as an attachment unless `inline`."""
        ...


def validate_key(key: str) -> str:
    """Return `key` unchanged, or raise FileStoreError if it is not a key we could have made."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY_RE.fullmatch(key):
        raise FileStoreError(f"invalid storage key: {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """Return `prefix` unchanged, or raise FileStoreError (key alphabet; may end mid-segment)."""
    if (
        not isinstance(prefix, str)
        or len(prefix) > MAX_KEY_LENGTH
        or not _PREFIX_RE.fullmatch(prefix)
    ):
        raise FileStoreError(f"invalid storage key prefix: {prefix!r}")
    return prefix


def new_key(feature: str, *, now: datetime) -> str:
    """A fresh key `<feature>/<yyyy>/<mm>/<uuid4>` (UTC month); never contains a user's filename."""
    if not _FEATURE_RE.fullmatch(feature):
        raise ValueError(f"feature must be a lowercase identifier, got {feature!r}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    utc = now.astimezone(UTC)
    return f"{feature}/{utc:%Y}/{utc:%m}/{uuid.uuid4()}"


def clean_filename(filename: str) -> str:
    """The name to keep and serve back: NFC, no directories or control characters, <= 255 chars.

    Browsers used to send full client paths (`C:\\Users\\...\\契約書.pdf`), macOS sends NFD
    (decomposed kana), and a hostile client can send CR/LF, which Werkzeug rightly refuses to put
    in a header. The extension is kept when the name has to be shortened.
    """
    name = unicodedata.normalize("NFC", filename)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    name = name.strip().strip(".")
    if not name:
        return "download"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: MAX_FILENAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name


def build_download_response(
    fileobj: BinaryIO,
    *,
    filename: str,
    content_type: str,
    inline: bool,
    size: int | None,
) -> flask.Response:
    """Wrap an open blob in a streamed response; the response closes `fileobj` when done,
    and `fileobj` is closed here if no response can be built.

    `werkzeug.utils.send_file` wraps the file in the server's `wsgi.file_wrapper`, so gunicorn
    can sendfile() local blobs without copying through Python; Content-Type (one charset) and
    Content-Disposition (RFC 6266, portal.filecheck.policy) are then set by the portal.
    """
    import flask
    from werkzeug.utils import send_file

    # Imported here: portal.filecheck.policy imports this module (clean_filename).
    from portal.filecheck.policy import content_disposition, security_headers, single_charset

    mimetype = content_type.split(";", 1)[0].strip().lower()
    as_attachment = not (inline and mimetype in INLINE_SAFE_TYPES)
    try:
        # Werkzeug's own send_file rather than Flask's: Flask's injects the app's
        # SEND_FILE_MAX_AGE_DEFAULT and X-Sendfile settings, which must not apply to documents.
        rv = cast(
            "flask.Response",  # response_class below
            send_file(
                fileobj,
                flask.request.environ,
                mimetype=content_type,
                as_attachment=as_attachment,
                download_name=clean_filename(filename),
                conditional=False,
                etag=False,
                max_age=None,
                response_class=flask.Response,
            ),
        )
    except BaseException:
        fileobj.close()
        raise
    if size is not None:
        rv.content_length = size
    # Werkzeug's own header gives '契約書.pdf' the fallback 'filename=.pdf' and appends a second
    # charset to a type that names one; the portal's one helper does both right (RFC 6266).
    rv.headers["Content-Type"] = single_charset(content_type)
    rv.headers["Content-Disposition"] = content_disposition(
        filename, content_type=content_type, inline=not as_attachment
    )
    # Inline PDFs are not sandboxed: Chromium, Firefox and Safari refuse to render a PDF under
    # `sandbox`; they are cleaned of JavaScript and actions before they are stored.
    rv.headers.update(
        security_headers(inline_pdf=not as_attachment and mimetype == "application/pdf")
    )
    return rv
