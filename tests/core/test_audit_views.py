from __future__ import annotations

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from tests.factories import make_user


def test_exporting_the_audit_log_is_itself_recorded(db, login_as):
    # 入間市 第20条: the log holds staff names and IP addresses.
    auditor = make_user("auditor")
    client = login_as(auditor)

    response = client.get("/audit/export.csv?action=account.&actor=山田")
    response.get_data()

    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "audit.exported")
    ).one()
    assert entry.actor_id == auditor.id
    assert entry.data == {"action": "account."}  # the searched name is not kept
