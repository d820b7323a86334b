"""Demo: after every other feature's demo objects, chase once for the demo day so the bell
and the reminder histories show something on first start (no mail is sent)."""

from __future__ import annotations

from portal.chase.services import run_chase
from portal.demo import DemoContext


def load(ctx: DemoContext) -> None:
    report = run_chase(today=ctx.today, now=ctx.now)
    ctx.extra["chase"] = {"items": len(report.sent), "notifications": report.notifications}
