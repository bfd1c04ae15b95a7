"""Before the DfE return is sent: which counted cases need an officer's choice, and whether the date is sensible.

`cases_to_check` lists, by reference only, the cases the return counts at the census date whose reason, year
group or date missing since would be counted as "Not recorded" or "Unknown": a reason moved from cme-bot's old
list that had no DfE category of the same meaning (migration 0011; the old reason and its candidates are
given), no reason at all, no year group (or one outside compulsory school age), no date the child started
missing education (or one after the census date). Each comes with the command that fixes it.

`census_problem` refuses a census date in the future, on a weekend, or before any case was raised; `census_note`
says when a date is not one of the DfE's census days (the return can still be made for it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.forms.dates import in_words, year_group_value, year_group_words
from handlers.forms.school_year import groups_for_age
from handlers.knowledge.calendar import school_year_start
from handlers.knowledge.dfe_categories import (
    UNKNOWN,
    breakdown,
    category_of,
    census_days,
    legacy_reason,
    reason_label,
)
from handlers.reports.dfe_return import instant
from storage.caseload import ages_given_when
from storage.report_queries import CountedCase, census_cases, first_case_raised, migrated_reasons

OUTSIDE_SCHOOL_AGE = ("nursery", "year-12", "year-13")


@dataclass(frozen=True)
class Need:
    """One thing to complete on a case: which field, what is wrong, the choices (if any), what to type."""

    field: str
    problem: str
    command: str
    choices: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"field": self.field, "problem": self.problem, "choices": list(self.choices), "command": self.command}


@dataclass(frozen=True)
class CaseToCheck:
    """A counted case, by reference, and what an officer should complete on it before the return is sent."""

    reference: str
    needs: tuple[Need, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"reference": self.reference, "needs": [need.to_dict() for need in self.needs]}

    def lines(self) -> list[str]:
        """The case as text lines: the reference, then each need and its command."""
        out = [self.reference]
        for need in self.needs:
            choose = f" Choose: {' / '.join(need.choices)}." if need.choices else ""
            out.append(f"  - {need.problem}.{choose} Type: {need.command}")
        return out


def _reason(case: CountedCase, was: str | None) -> Need | None:
    if case.cme_reason and category_of("primary_reason", case.cme_reason).code == case.cme_reason:
        return None
    command = f"/cme set {case.reference} reason REASON"
    old = legacy_reason(was or case.cme_reason or "")
    if old is not None and old.candidates:
        labels = tuple(breakdown("primary_reason").label(code) for code in old.candidates)
        problem = f'reason not recorded: it was "{old.label}", which is not a DfE reason (counted as Not recorded)'
        return Need("reason", problem, command.replace("REASON", old.candidates[0]), labels)
    return Need("reason", f"reason not recorded (counted as {reason_label(None)})", command)


def _year_group(case: CountedCase, age: tuple[int, dt.datetime] | None, census: dt.date) -> Need | None:
    if category_of("year_group", case.year_group).code != UNKNOWN:
        return None
    command = f"/cme set {case.reference} year-group YEAR"
    if case.year_group in OUTSIDE_SCHOOL_AGE:
        shown = case.year_group.replace("-", " ").capitalize()
        return Need("year_group", f"year group {shown} is outside compulsory school age (counted as Unknown)", command)
    return Need("year_group", "year group not recorded (counted as Unknown)" + _age_hint(age, census), command)


def _age_hint(age: tuple[int, dt.datetime] | None, census: dt.date) -> str:
    """What an age given in place of a date of birth says of the year group at the census (two, a birthday apart)."""
    if age is None:
        return ""
    years, when = age
    moved_up = school_year_start(census) - school_year_start(when.date())
    groups = [n + moved_up for n in groups_for_age(years) if year_group_value(n + moved_up)]
    likely = " or ".join(year_group_words(n) for n in groups)
    return f"; the reporter gave the age as {years} on {when:%-d %B %Y}" + (f": likely {likely}" if likely else "")


def _missing_since(case: CountedCase, census: dt.date) -> Need | None:
    command = f"/cme set {case.reference} missing-since DATE"
    if case.missing_since is None:
        return Need(
            "missing_since", "date the child started missing education not recorded (counted as Unknown)", command
        )
    if case.missing_since > census:
        return Need("missing_since", f"missing since {case.missing_since:%-d %B %Y}, after the census date", command)
    if case.missing_since_precision:  # counted from the first day it can mean; the officer may know the day
        rough = in_words(case.missing_since, case.missing_since_precision)
        return Need("missing_since", f"missing since {rough}, a rough date from the referral: set the day", command)
    return None


def cases_to_check(session: Session, *, census: dt.date, tz: ZoneInfo) -> list[CaseToCheck]:
    """The counted cases at `census` that an officer should complete, by reference, with what to type."""
    counted = census_cases(session, day_end=instant(census + dt.timedelta(days=1), tz))
    was = migrated_reasons(session, [case.id for case in counted if not case.cme_reason])
    ages = ages_given_when(session, [case.id for case in counted if not case.year_group])
    found = []
    for case in counted:
        needs = (_reason(case, was.get(case.id)), _year_group(case, ages.get(case.id), census),
                 _missing_since(case, census))  # fmt: skip
        if any(needs):
            found.append(CaseToCheck(case.reference, tuple(need for need in needs if need)))
    return found


def census_problem(session: Session, *, census: dt.date, today: dt.date, tz: ZoneInfo) -> str | None:
    """Why no return can be made for `census` (in the future, a weekend, before any case), or None."""
    if census > today:
        return (
            f"{census:%-d %B %Y} is in the future: a return counts the children missing education on a day that "
            f"has come. The last census day was {_last_census_day(today):%-d %B %Y}."
        )
    if census.weekday() >= 5:
        return (
            f"{census:%-d %B %Y} is a {census:%A}: census days are school days (the DfE's are Thursdays). "
            f"The nearest census day is {_nearest_census_day(census):%-d %B %Y}."
        )
    first = first_case_raised(session)
    if first is not None and first.astimezone(tz).date() > census:
        return (
            f"No case had been raised by {census:%-d %B %Y} (the first was raised on "
            f"{first.astimezone(tz):%-d %B %Y}), so every count would be 0: check the date."
        )
    return None


def census_note(census: dt.date) -> str | None:
    """A word when `census` is not one of the DfE's census days (the return is still made for it), else None."""
    nearest = _nearest_census_day(census)
    if nearest == census:
        return None
    return f"{census:%-d %B %Y} is not a DfE census day: the nearest is {nearest:%-d %B %Y}."


def _days_around(day: dt.date) -> list[dt.date]:
    start = day.year if day.month >= 9 else day.year - 1
    return [d for year in (start - 1, start, start + 1) for d in census_days(year)]


def _nearest_census_day(day: dt.date) -> dt.date:
    return min(_days_around(day), key=lambda d: (abs((d - day).days), d))


def _last_census_day(today: dt.date) -> dt.date:
    return max(d for d in _days_around(today) if d <= today)
