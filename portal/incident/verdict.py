"""The assessment and the clocks together, as `portal incidents assess --json` prints them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.incident.assessment import Assessment, Facts, assess, kakuho_is_extended
from portal.incident.clocks import ClockRules, Deadlines, deadlines


@dataclass(frozen=True)
class Verdict:
    assessment: Assessment
    deadlines: Deadlines

    def as_json(self) -> dict[str, Any]:
        """Keys in the command's order. The dates are the clock of the day of knowledge even
        when nothing is reportable, so a case reassessed later keeps the same deadlines."""
        a, d = self.assessment, self.deadlines
        return {
            "reportable": a.reportable,
            "grounds": [g.value for g in a.grounds],
            "sokuho_due": d.sokuho_due.isoformat(),
            "kakuho_due": d.kakuho_due.isoformat(),
            "notify_individuals": a.notify_individuals,
        }


def judge(facts: Facts, *, known_on: date, rules: ClockRules) -> Verdict:
    """Reportability and the 速報/確報 dates for a case known to the city on `known_on`."""
    assessment = assess(facts)
    return Verdict(
        assessment,
        deadlines(known_on, unlawful_purpose=kakuho_is_extended(assessment.grounds), rules=rules),
    )
