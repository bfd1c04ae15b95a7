"""The reports room's services: a cases export, the DfE return, the caseload figures and chart.

`/cme export ...`, `/cme stats` and `cme-bot export ...`, `cme-bot chart` all call these. Each refuses
anyone but an officer or a manager (the attempt recorded), checks what was asked, records the report in
the audit trail with the door it went through, and returns the file or the figures: plain data each
door delivers its own way (a private message, a card, a file on disk). No child identifier in any of them.
"""

from __future__ import annotations

import datetime as dt

from handlers.core import Caller, refuse_unless_staff, transaction
from handlers.forms.fields import Invalid
from handlers.messages import Attachment
from handlers.reports.dfe_check import CaseToCheck, cases_to_check, census_problem
from handlers.reports.dfe_return import DfeReturn, build_return
from handlers.reports.exports import FORMATS, export_cases
from handlers.reports.stats import Stats, build_stats, checked_months
from storage.queries import record_audit

MIN_REASON = 5  # a reason is words someone can read back in the audit trail, not "x"
REASON_NEEDED = "Say why you need the export, in a few words (for example: termly caseload review): it is recorded."


def academic_year_start(today: dt.date) -> dt.date:
    """1 September of the academic year `today` falls in."""
    return dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def cases_export(caller: Caller, *, start: dt.date | None, end: dt.date | None, fmt: str, reason: str) -> Attachment:
    """One row per case raised from `start` (1 September) to `end` (today), as CSV or xlsx; the export is audited."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="export")
        start, end = start or academic_year_start(caller.today), end or caller.today
        if end < start:
            raise Invalid(f"The period ends ({end:%d %B %Y}) before it starts ({start:%d %B %Y}).")
        if len(reason.strip()) < MIN_REASON:
            raise Invalid(REASON_NEEDED)
        if fmt not in FORMATS:
            raise Invalid(f"Choose the format: {' or '.join(FORMATS)}.")
        return export_cases(
            session,
            user_key=caller.key,
            start=start,
            end=end,
            fmt=fmt,
            reason=reason.strip()[:500],
            now=caller.now,
            via=caller.via,
        )


def dfe_return(caller: Caller, *, census: dt.date | None) -> DfeReturn:
    """The DfE termly return at `census` (today): counts only; ReturnDoesNotAddUp when a breakdown is off.

    Invalid for a census date in the future, on a weekend, or before any case was raised (saying why)."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="export")
        census = _census(session, caller, census)
        result = build_return(session, census=census, tz=caller.profile.tz)
        detail = {"via": caller.via, "census_date": census.isoformat(), "total": result.total}
        record_audit(session, actor=caller.key, action="report.dfe_return", at=caller.now, detail=detail)
    return result


def dfe_return_check(caller: Caller, *, census: dt.date | None) -> list[CaseToCheck]:
    """The cases the return counts at `census` (today) that an officer should complete first, by reference."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="export")
        census = _census(session, caller, census)
        found = cases_to_check(session, census=census, tz=caller.profile.tz)
        detail = {"via": caller.via, "census_date": census.isoformat(), "cases": len(found)}
        record_audit(session, actor=caller.key, action="report.dfe_return_check", at=caller.now, detail=detail)
    return found


def _census(session, caller: Caller, census: dt.date | None) -> dt.date:
    census = census or caller.today
    problem = census_problem(session, census=census, today=caller.today, tz=caller.profile.tz)
    if problem is not None:
        raise Invalid(problem)
    return census


def caseload_stats(caller: Caller, *, first: dt.date, last: dt.date) -> Stats:
    """The caseload's figures for the months from `first` to `last` (dates in them); Invalid for a bad period."""
    with transaction(caller) as session:
        refuse_unless_staff(session, caller, command="stats")
        first, last = checked_months(first, last, today=caller.today)
        figures = build_stats(session, first=first, last=last)
        detail = {"via": caller.via, "from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}
        record_audit(session, actor=caller.key, action="report.stats", at=caller.now, detail=detail)
    return figures
