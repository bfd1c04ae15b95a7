"""Questions to reporters still unanswered after their reminder: the officer's digest lists them, the lists flag them.

Kept apart from handlers/casework/follow_ups.py (which asks, reminds and settles) so that the digest and the
case flags can read it without importing the commands: it needs only storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from handlers.knowledge.profile import Profile
from storage.child_queries import surviving_case
from storage.reporter_links import cases_with_waiting_question, reminded_and_waiting


def _day(value: dt.date) -> str:
    return f"{value:%a %-d %b %Y}"


@dataclass(frozen=True)
class WaitingQuestion:
    """A question still unanswered after its reminder: what the officer's digest lists (no child detail)."""

    reference: str  # the case that stands
    case_id: int
    via: str  # the reporter's own reference
    asked_by: str
    assigned_to: str | None
    asked_on: dt.date
    reminded_on: dt.date
    urgent: bool

    def line(self) -> str:
        """One digest line."""
        via = f" (raised as {self.via})" if self.via != self.reference else ""
        return (
            f"{self.reference}{via}: your question to the reporter of {_day(self.asked_on)} is unanswered "
            f"(reminded {_day(self.reminded_on)}). Ask again or contact them: /cme case {self.reference}"
        )


def follow_ups_waiting(
    session: Session, *, profile: Profile, officer: str | None = None, on: dt.date | None = None
) -> list[WaitingQuestion]:
    """Questions reminded and still unanswered on open cases (one officer's, when `officer` is given); with
    `on` (a day to come), also those whose reminder will have gone by then."""
    found = []
    for follow_up, case in reminded_and_waiting(session, due_before=on):
        standing = surviving_case(session, case) or case
        if standing.state != "open" or (officer is not None and follow_up.asked_by != officer):
            continue
        found.append(
            WaitingQuestion(
                reference=standing.reference,
                case_id=standing.id,
                via=case.reference,
                asked_by=follow_up.asked_by,
                assigned_to=standing.assigned_to,
                asked_on=follow_up.asked_at.astimezone(profile.tz).date(),
                reminded_on=(
                    follow_up.reminded_at.astimezone(profile.tz).date()
                    if follow_up.reminded_at
                    else follow_up.remind_on
                ),
                urgent=standing.urgent,
            )
        )
    return found


def cases_waiting_for_reporter(session: Session, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases (as they stand) have a question waiting for a reporter: the lists' flag."""
    return cases_with_waiting_question(session, case_ids)
