"""The dashboard panel: erasure proof awaited, overdue and waiting for review."""

from __future__ import annotations

from portal.account.models import Role, User
from portal.authz.erasure import can_list_erasure
from portal.dashboard.panels import Panel, panel
from portal.erasure.services import erasure_counts
from portal.wareki import today_jst


@panel
def erasure_panel(user: User) -> Panel | None:
    """Counts for the user's scope; nothing when there is nothing to do."""
    if not can_list_erasure(user):
        return None
    counts = erasure_counts(user, today=today_jst())
    if not (counts.pending or counts.overdue or counts.review or counts.returned):
        return None
    return Panel(
        title="消去・廃棄証明",
        template="erasure/_panel.html",
        context={"counts": counts, "contractor": user.role == Role.CONTRACTOR},
        order=40,
    )
