"""The one error hierarchy: every refusal the portal shows a person is a `PortalError`.

A refusal carries two separate things:

- `message`: the Japanese sentence for the person (what was wrong, what to do);
- `code`: a stable key (``"encrypted"``, ``"too_large"``) for logs, tests and the help desk.

`text` is what a page or a flash shows: the message, then the code in brackets when there is
one, so the person can quote it to the help desk. Views catch `PortalError` only (the web
layer's `run()` does it for them); one that reaches no view's handler becomes the error page
with its `status` and `text` (never a 500).

This module imports nothing from Flask or the database, so the pure libraries
(`portal.filecheck`, run in sandbox children) can raise these too.

    PortalError            a business rule refused the action (400 when it reaches the page)
    ├── UploadRejected     an uploaded file was refused; nothing was stored
    │   └── FileRejected   (portal.filecheck) a byte-level check, `code` is a RejectCode
    └── StoredFileMissing  a document's row exists but its file does not (404)
"""

from __future__ import annotations

CODE_LABEL = "エラーコード"


class PortalError(Exception):
    """A business rule refused the action. Raise it from a service; nothing is saved."""

    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def text(self) -> str:
        """The message as shown to the person, with the error code when there is one."""
        return f"{self.message}（{CODE_LABEL}: {self.code}）" if self.code else self.message

    def __str__(self) -> str:
        return self.text

    # Refusals raised in a sandbox child are pickled back to the parent; `args` alone would
    # not rebuild the keyword-only code.
    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[PortalError], state: dict[str, object]) -> PortalError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message"))
    err.__dict__.update(state)
    return err


class UploadRejected(PortalError):
    """An uploaded file was refused (size, type or content); nothing was stored.

    `code` names the check that refused it; `filename` is the person's name for the file when
    the refusal concerns one of several files.
    """

    def __init__(self, message: str, *, code: str, filename: str | None = None) -> None:
        super().__init__(message, code=code)
        self.filename = filename

    def naming(self, label: str, filename: str) -> UploadRejected:
        """The same refusal, its message saying which of several files it was."""
        return UploadRejected(
            f"{label}「{filename}」を受け付けられません。{self.message}",
            code=str(self.code),
            filename=filename,
        )


class StoredFileMissing(PortalError):
    """A document's row exists but its file is not in the file store (the nightly reconcile
    job reports such rows). Nothing is served and nothing is recorded."""

    status = 404

    def __init__(self) -> None:
        super().__init__(
            "ファイルが見つかりません。保存されているはずのファイルがないため、表示できません。"
            "システム管理者に連絡してください。",
            code="file_missing",
        )
