from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal.audit import bp
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.authz import roles
from portal.csvexport import csv_response
from portal.extensions import db
from portal.pagination import date_arg, int_arg, page_arg, paginate
from portal.templating import register_nav
from portal.wareki import jst_datetime

READERS = ("auditor", "chief")
register_nav("audit.index", "監査ログ", set(READERS), order=90)
FILTERS = ("action", "actor", "object_type", "object_id", "contract_id", "from", "to")


def _filtered() -> tuple[sa.Select[Any], dict[str, str]]:
    args = {k: (request.args.get(k) or "").strip()[:100] for k in FILTERS}
    stmt = sa.select(AuditEntry).order_by(AuditEntry.seq.desc())
    if args["action"]:
        stmt = stmt.where(AuditEntry.action.like(f"{args['action']}%"))
    if args["actor"]:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{args['actor']}%"))
    if args["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == args["object_type"])
    for key, col in (("object_id", AuditEntry.object_id), ("contract_id", AuditEntry.contract_id)):
        if (value := int_arg(args[key])) is not None:
            stmt = stmt.where(col == value)
    if (start := date_arg(args["from"])) is not None:
        stmt = stmt.where(AuditEntry.created_at >= start)
    if (end := date_arg(args["to"], end=True)) is not None:
        stmt = stmt.where(AuditEntry.created_at <= end)
    return stmt, args


@bp.get("/audit")
@roles(*READERS)
def index() -> ResponseReturnValue:
    stmt, args = _filtered()
    page = paginate(stmt, page=page_arg(request.args.get("page")), per_page=100)
    return render_template("audit/index.html", page=page, args=args)


CSV_HEADER = [
    "連番",
    "日時",
    "操作者",
    "操作者ID",
    "操作",
    "対象種別",
    "対象ID",
    "契約ID",
    "IPアドレス",
    "ハッシュ",
]


@bp.get("/audit/export.csv")
@roles(*READERS)
def export() -> ResponseReturnValue:
    stmt, args = _filtered()
    # The log names staff and their IP addresses: taking a copy out is itself recorded
    # (入間市 第20条: アクセス記録).
    record(
        current_user._get_current_object(),
        "audit.exported",
        data={k: v for k, v in args.items() if v and k != "actor"},
    )
    db.session.commit()

    def rows() -> Iterator[list[Any]]:
        for e in db.session.scalars(stmt.execution_options(yield_per=1000)):
            yield [
                e.seq,
                jst_datetime(e.created_at),
                e.actor_label,
                e.actor_id,
                e.action,
                e.object_type,
                e.object_id,
                e.contract_id,
                e.ip,
                e.hash,
            ]

    return csv_response("監査ログ.csv", CSV_HEADER, rows())
