"""The audit log for auditors and the 総括保護管理者: search, page, export."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from portal.audit import bp, services
from portal.authz import roles
from portal.templating import register_nav
from portal.web import commit, current_actor, paged
from portal.web.args import date_arg, int_arg, text_arg
from portal.xlsxexport import table_response

READERS = ("auditor", "chief")
register_nav("audit.index", "監査ログ", set(READERS), order=90)
FILTERS = ("action", "actor", "object_type", "object_id", "contract_id", "from", "to")


def _filters() -> tuple[services.AuditFilter, dict[str, str]]:
    args = {k: text_arg(request.args.get(k)) for k in FILTERS}
    flt = services.AuditFilter(
        action=args["action"],
        actor=args["actor"],
        object_type=args["object_type"],
        object_id=int_arg(args["object_id"]),
        contract_id=int_arg(args["contract_id"]),
        start=date_arg(args["from"]),
        end=date_arg(args["to"], end=True),
    )
    return flt, args


@bp.get("/audit")
@roles(*READERS)
def index() -> ResponseReturnValue:
    flt, args = _filters()
    page = paged(services.entries_stmt(flt), per_page=100)
    return render_template("audit/index.html", page=page, args=args)


@bp.get("/audit/export.csv")
@roles(*READERS)
def export() -> ResponseReturnValue:
    flt, args = _filters()
    services.record_export(actor=current_actor(), filters=args)
    commit()
    return table_response(
        "監査ログ.csv", services.EXPORT_HEADER, services.export_rows(services.entries_stmt(flt))
    )
