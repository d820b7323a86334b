from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import render_template, request
from flask.typing import ResponseReturnValue

from portal.audit import bp
from portal.audit.models import AuditEntry
from portal.authz import roles
from portal.csvexport import csv_response
from portal.extensions import db
from portal.pagination import page_arg, paginate
from portal.wareki import JST, jst_datetime


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name) or ""
    try:
        d = date.fromisoformat(raw)
    except ValueError:
        return None
    return datetime.combine(d, time.max if name == "to" else time.min, tzinfo=JST)


def _filtered() -> tuple[sa.Select[Any], dict[str, str]]:
    args = {
        k: (request.args.get(k) or "").strip()
        for k in ("action", "actor", "object_type", "object_id", "contract_id", "from", "to")
    }
    stmt = sa.select(AuditEntry).order_by(AuditEntry.seq.desc())
    if args["action"]:
        stmt = stmt.where(AuditEntry.action.like(f"{args['action']}%"))
    if args["actor"]:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{args['actor']}%"))
    if args["object_type"]:
        stmt = stmt.where(AuditEntry.object_type == args["object_type"])
    for key, col in (("object_id", AuditEntry.object_id), ("contract_id", AuditEntry.contract_id)):
        if args[key].isdigit():
            stmt = stmt.where(col == int(args[key]))
    if (start := _date_arg("from")) is not None:
        stmt = stmt.where(AuditEntry.created_at >= start)
    if (end := _date_arg("to")) is not None:
        stmt = stmt.where(AuditEntry.created_at <= end)
    return stmt, args


@bp.get("/audit")
@roles("auditor", "chief")
def index() -> ResponseReturnValue:
    stmt, args = _filtered()
    page = paginate(stmt, page=page_arg(request.args.get("page")), per_page=100)
    return render_template("audit/index.html", page=page, args=args)


@bp.get("/audit/export.csv")
@roles("auditor", "chief")
def export() -> ResponseReturnValue:
    stmt, _ = _filtered()

    def rows() -> Any:
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

    return csv_response(
        "監査ログ.csv",
        [
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
        ],
        rows(),
    )
