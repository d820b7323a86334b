"""The dry run and the apply step shared by the command line and the web pages.

`build_plan` decides, row by row, whether it creates, updates, leaves unchanged or refuses
(with the column and a Japanese reason); nothing is written. `apply_plan` writes a plan that
refuses nothing: every created or updated object gets its own audit entry and the import one
more, all in the caller's transaction (the caller commits once, so all of it or none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.account.models import Actor
from portal.audit.services import record
from portal.dataio.kinds import (
    Checked,
    CompanyImporter,
    ContractImporter,
    Importer,
    UserImporter,
)
from portal.dataio.models import ImportKind
from portal.dataio.reading import Table
from portal.dataio.sheet import CellError, data_rows, find_header
from portal.extensions import db
from portal.profile import current_profile

Progress = Callable[[int, int], None]
_REPORT_EVERY = 250


def make_importer(kind: ImportKind | str, actor: Actor) -> Importer:
    kind = ImportKind(kind)
    if kind == ImportKind.COMPANIES:
        return CompanyImporter(actor)
    if kind == ImportKind.CONTRACTS:
        return ContractImporter(actor)
    return UserImporter(actor, current_profile().roles)


@dataclass
class PlannedRow:
    number: int
    key: str
    label: str
    action: str  # create | update | unchanged | refused
    changes: list[str] = field(default_factory=list)


@dataclass
class Plan:
    kind: ImportKind
    sheet: str | None
    header_row: int
    ignored_columns: tuple[str, ...]
    rows: list[PlannedRow] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    checked: dict[int, Checked] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def actions(self) -> list[list[Any]]:
        return [[r.number, r.action] for r in self.rows]

    def summary(self, *, file: str, applied: bool) -> dict[str, Any]:
        """The command line's JSON: rows = create + update + unchanged + refused rows."""
        return {
            "file": file,
            "kind": self.kind.value,
            "applied": applied,
            "rows": len(self.rows),
            "create": self.count("create"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "refused": self.refusals,
        }

    def preview(self) -> dict[str, Any]:
        """What the preview page lists (stored with the import)."""
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "ignored_columns": list(self.ignored_columns),
            "counts": {
                "rows": len(self.rows),
                "create": self.count("create"),
                "update": self.count("update"),
                "unchanged": self.count("unchanged"),
                "refused": self.count("refused"),
            },
            "rows": [
                {
                    "row": r.number,
                    "key": r.key,
                    "label": r.label,
                    "action": r.action,
                    "changes": r.changes,
                }
                for r in self.rows
                if r.action != "unchanged"
            ],
            "refused": self.refusals,
            "actions": self.actions,
        }


def build_plan(
    importer: Importer,
    table: Table,
    progress: Progress | None = None,
    after_lookups: Callable[[], None] | None = None,
) -> Plan:
    """Check every row against the database as it is now; writes nothing. `after_lookups`
    runs once the few lookup queries are done (a job ends its read transaction there, so
    SQLite's single lock is free while the rows are checked)."""
    header = find_header(table, importer.columns)
    rows = data_rows(table, header)
    plan = Plan(
        kind=importer.kind,
        sheet=table.sheet,
        header_row=header.row,
        ignored_columns=header.ignored,
    )
    keys: list[str | CellError] = []
    for row in rows:
        try:
            keys.append(importer.row_key(row))
        except CellError as exc:
            keys.append(exc)
    importer.prepare(sorted({k for k in keys if isinstance(k, str) and k}))
    importer.prepare_companies(sorted({n for n in map(importer.company_number, rows) if n}))
    if after_lookups is not None:
        after_lookups()

    first_row: dict[str, int] = {}
    key_header = importer.key_header
    total = len(rows)
    for index, (row, key) in enumerate(zip(rows, keys, strict=True), start=1):
        if progress is not None and index % _REPORT_EVERY == 0:
            progress(index, total)
        if isinstance(key, CellError):
            _refuse(plan, row.number, "", "", [(key_header, str(key))])
            continue
        if not key:
            _refuse(
                plan,
                row.number,
                "",
                "",
                [(key_header, f"{key_header}がありません（合計・注記などの行は取り込めません）。")],
            )
            continue
        checked = importer.check(row, key)
        if checked.key in first_row:
            checked.problems.insert(
                0,
                (
                    key_header,
                    f"{key_header} {checked.key} は{first_row[checked.key]}行目と重複しています。",
                ),
            )
        else:
            first_row[checked.key] = row.number
        if checked.problems:
            _refuse(plan, row.number, checked.key, checked.label, checked.problems)
            continue
        existing = importer.existing.get(checked.key)
        if existing is None:
            plan.rows.append(PlannedRow(row.number, checked.key, checked.label, "create"))
        else:
            changes = importer.changes(existing, checked.values)
            action = "update" if changes else "unchanged"
            plan.rows.append(PlannedRow(row.number, checked.key, checked.label, action, changes))
        plan.checked[row.number] = checked
    if progress is not None:
        progress(total, total)
    return plan


def _refuse(plan: Plan, number: int, key: str, label: str, problems: list[tuple[str, str]]) -> None:
    plan.rows.append(PlannedRow(number, key, label, "refused"))
    for column, message in problems:
        plan.refusals.append({"row": number, "column": column, "message": message})


def apply_plan(
    importer: Importer,
    plan: Plan,
    *,
    import_obj: Any = None,
    data: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> None:
    """Create and update what the plan says (audited per object, plus one entry for the
    import). Refuses to run a plan with refused rows; never commits."""
    if not plan.ok:
        raise ValueError("a plan with refused rows is never applied")
    writes = [r for r in plan.rows if r.action in ("create", "update")]
    import_id = getattr(import_obj, "id", None)
    for index, planned in enumerate(writes, start=1):
        values = plan.checked[planned.number].values
        if planned.action == "create":
            importer.create(values, import_id)
        else:
            importer.update(importer.existing[planned.key], values, import_id)
        if progress is not None and index % _REPORT_EVERY == 0:
            progress(index, len(writes))
    record(
        importer.actor,
        "import.applied",
        import_obj,
        data={
            "kind": plan.kind.value,
            "rows": len(plan.rows),
            "create": plan.count("create"),
            "update": plan.count("update"),
            "unchanged": plan.count("unchanged"),
            **(data or {}),
        },
    )
    db.session.flush()
    if progress is not None:
        progress(len(writes), len(writes))
