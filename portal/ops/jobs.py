"""Nightly: the audit chain's head leaves the database (入間市 第20条: アクセス記録の改ざん防止).

The anchor goes into the auditors' in-portal notices, and so into their daily mail digest,
and, when AUDIT_ANCHOR_DIR is set, into a dated file there. Deleting the newest audit entries
afterwards is then caught by `portal audit verify --anchor`.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.account.models import Role, User
from portal.extensions import db
from portal.notification.services import notify
from portal.ops.anchor import current_anchor, write_anchor
from portal.wareki import JST, wareki_date

ANCHOR_KIND = "audit.anchor"


def anchor_audit_chain(*, now: datetime) -> int:
    """Record today's chain head outside the audit table; returns how many copies were made."""
    anchor = current_anchor(now=now)
    if anchor.seq == 0:
        return 0
    day = now.astimezone(JST).date()
    copies = 0
    folder = current_app.extensions["portal_config"].audit_anchor_dir
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        write_anchor(anchor, folder / f"audit-anchor-{day:%Y%m%d}.json")
        copies += 1
    auditors = db.session.scalars(
        sa.select(User).where(User.role == Role.AUDITOR, User.is_active.is_(True))
    ).all()
    line = json.dumps({"seq": anchor.seq, "hash": anchor.hash})
    copies += len(
        notify(
            recipients=auditors,
            kind=ANCHOR_KIND,
            subject=f"監査ログの記録点（{wareki_date(day)}、第{anchor.seq}件まで）",
            body=(
                "監査ログ（アクセス記録等）の本日時点の最終記録です。改ざん・削除の検知に"
                "使いますので、このお知らせ（メール）を保管してください。\n"
                f"記録点: {line}\n"
                "照合: この1行をファイルに保存し portal audit verify --anchor ファイル名"
            ),
            dedupe_key=f"{ANCHOR_KIND}:{day.isoformat()}",
        )
    )
    db.session.commit()
    return copies
