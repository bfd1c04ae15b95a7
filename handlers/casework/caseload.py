"""The caseload service: the open cases an officer or manager may list, whichever door asks.

`/cme cases` (terminal, Slack, Teams) and `cme-bot cases` both call list_cases: it refuses anyone but
an officer or a manager (the attempt recorded), records the listing, and shows a restricted case that
does not name the caller by its reference only. The result is plain data each door renders its own way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from handlers.casework.access import hidden_from
from handlers.core import Caller, refuse_unless_staff, transaction
from storage.models import Case
from storage.queries import open_case_summaries, record_audit


@dataclasses.dataclass(frozen=True)
class CaseRow:
    """One open case as a caseload lists it: no child details. A `restricted` row carries its reference only."""

    reference: str
    restricted: bool = False  # restricted, and the caller is not named on it: nothing else is filled in
    urgent: bool = False
    assigned_to: str | None = None
    raised: dt.datetime | None = None
    next_due: dt.date | None = None
    overdue_steps: int = 0
    due_today_steps: int = 0

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `cme-bot cases --json` (a restricted row: its reference and that it is restricted)."""
        if self.restricted:
            return {"reference": self.reference, "restricted": True}
        return {
            "reference": self.reference,
            "urgent": self.urgent,
            "assigned_to": self.assigned_to,
            "raised": self.raised.isoformat() if self.raised else None,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "overdue_steps": self.overdue_steps,
            "due_today_steps": self.due_today_steps,
        }


@dataclasses.dataclass(frozen=True)
class CaseList:
    """The open cases shown (urgent, then most overdue first), how many are open in all, and the day it was made."""

    rows: tuple[CaseRow, ...]
    total: int
    today: dt.date


def list_cases(caller: Caller, *, limit: int | None = None) -> CaseList:
    """The open cases (the first `limit`, or all) for an officer or manager; Refused for anyone else."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="cases")
        found = open_case_summaries(session, today=caller.today, limit=limit)
        total = session.exec(select(func.count()).select_from(Case).where(Case.state == "open")).one()
        detail = {"via": caller.via, "shown": len(found)}
        record_audit(session, actor=caller.key, action="cases.listed", at=caller.now, detail=detail)
        hidden = hidden_from(session, cases=(row[0] for row in found), user_key=caller.key)
        rows = tuple(CaseRow(row[0].reference, restricted=True) if row[0].id in hidden else _row(*row) for row in found)
    return CaseList(rows, int(total), caller.today)


def _row(case: Case, next_due: dt.date | None, overdue: int, due_today: int) -> CaseRow:
    return CaseRow(
        case.reference,
        urgent=case.urgent,
        assigned_to=case.assigned_to,
        raised=case.created_at,
        next_due=next_due,
        overdue_steps=int(overdue),
        due_today_steps=int(due_today),
    )
