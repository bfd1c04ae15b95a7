"""Before a DfE census day: which open cases have no reason recorded for the return, by officer, for the digest.

A case with no reason counts as "Not recorded" in the DfE's termly return. From the data file's number of days
before a census day (knowledge/data/dfe_cme_categories.yaml: prompt_days_before) until that day, the officer's
digest lists the cases it would count with no reason: references only, with what to type.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session

from handlers.knowledge.dfe_categories import next_census_day, prompt_days_before
from storage.report_queries import open_cases_without_reason

MAX_LISTED = 10


@dataclass(frozen=True)
class ReasonsDue:
    """The cases one officer (or the team, for unassigned ones) should give a reason before the census day."""

    census: dt.date
    references: tuple[str, ...]

    def lines(self) -> list[str]:
        """The digest's lines: the census day, the references (at most ten), what to type."""
        shown = ", ".join(self.references[:MAX_LISTED])
        more = f" and {len(self.references) - MAX_LISTED} more" if len(self.references) > MAX_LISTED else ""
        return [
            f"Before the DfE census day ({self.census:%a %-d %b %Y}), {len(self.references)} case(s) need a reason "
            f"for the return (none counts as Not recorded): {shown}{more}.",
            "  • Set one: /cme set REFERENCE reason REASON (cme-bot export dfe-return --check lists them all)",
        ]


def reasons_due(session: Session, *, today: dt.date) -> dict[str | None, ReasonsDue]:
    """Cases that need a reason before the next census day, by assigned officer (None: unassigned); empty
    outside the days before a census day."""
    census = next_census_day(today)
    if (census - today).days > prompt_days_before():
        return {}
    by_officer: dict[str | None, list[str]] = defaultdict(list)
    for reference, assigned in open_cases_without_reason(session):
        by_officer[assigned].append(reference)
    return {officer: ReasonsDue(census, tuple(refs)) for officer, refs in by_officer.items()}
