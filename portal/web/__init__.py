"""The web layer every feature's views stand on. Import from here, not from the modules.

    from portal.web import run, commit, current_actor, flash_form_errors, serve_stored
    from portal.web.args import int_arg, date_arg, text_arg, choice_arg

- `run(call, success=...)`: call one service, commit, flash; or roll back and flash the
  refusal (`PortalError.text`). Returns an `Outcome` (true when committed).
- `commit()`: the only other commit in views (downloads' access records, housekeeping).
- `current_actor()`: the signed-in `User` for `actor=` (views with `@roles` only).
- `flash_form_errors(form)`, `flash_refusal(err)`: messages shown after a redirect.
- `paged(stmt)`: the list page `?page=` asks for.
- `serve_stored(row, record=...)`: a stored document with the serving policy's headers, its
  access record committed, and one answer (404 page) when the file is missing.
- `portal.web.args`: query-string parsers that never raise.
"""

from portal.web.actions import Outcome, commit, run
from portal.web.actor import current_actor
from portal.web.flashing import flash_form_errors, flash_refusal
from portal.web.lists import paged

__all__ = [
    "Outcome",
    "commit",
    "current_actor",
    "flash_form_errors",
    "flash_refusal",
    "paged",
    "run",
]
