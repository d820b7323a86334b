"""`portal inspections status --fiscal-year 2026 --json`: the auditors' status from the shell."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from portal.inspection.rules import TARGET_STATUS_LABELS, TargetStatus


@click.group("inspections", help="委託先の検査（実地検査・書面）")
def inspections_group() -> None:
    pass


@inspections_group.command("status", help="年度の検査状況（委託先及び再委託先ごと）を表示します。")
@click.option(
    "--fiscal-year", "fiscal_year", type=int, help="年度（西暦、例: 2026）。省略時は今年度。"
)
@click.option("--as-of", "as_of", help="基準日 YYYY-MM-DD（省略時は今日）。")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力します。")
@with_appcontext
def status_command(fiscal_year: int | None, as_of: str | None, as_json: bool) -> None:
    from portal.inspection.export import report_dict
    from portal.inspection.status import compute_status, report_results
    from portal.profile import current_profile
    from portal.wareki import fiscal_year as fy_of
    from portal.wareki import fiscal_year_label, today_jst

    try:
        today = date.fromisoformat(as_of) if as_of else today_jst()
    except ValueError as exc:
        raise click.BadParameter(
            "YYYY-MM-DD の形式で指定してください。", param_hint="--as-of"
        ) from exc
    fy = fiscal_year or fy_of(today)
    if not 2000 <= fy <= 2100:
        raise click.BadParameter(
            "年度は 2000〜2100 で指定してください。", param_hint="--fiscal-year"
        )
    report = compute_status(profile=current_profile(), fiscal_year=fy, today=today)
    if as_json:
        click.echo(
            json.dumps(report_dict(report, report_results(report)), ensure_ascii=False, indent=2)
        )
        return
    counts = report.counts()
    click.echo(f"{fiscal_year_label(fy)}（基準日 {today.isoformat()}）対象 {len(report.rows)}件")
    click.echo(" / ".join(f"{TARGET_STATUS_LABELS[s]} {counts.get(s, 0)}" for s in TargetStatus))
    for r in report.rows:
        click.echo(
            f"{r.section_name}\t{r.contract_number}\t{r.tier_label}\t{r.company_name}\t{r.status_label}"
        )


commands = [inspections_group]
