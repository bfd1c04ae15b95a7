"""`/cme stats [PERIOD]`: new and closed cases per month, the open caseload, reasons, time missing, year on year.

The figures come from one grouped query (storage/report_queries.stats_cells) over the period and the twelve
months before it (for the year-on-year change); this module only adds the groups up. Months are UTC calendar
months, as cases' timestamps are stored. Counts only: no reference, no child.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlmodel import Session

from handlers.forms.fields import Invalid
from handlers.knowledge.dfe_categories import breakdown, reason_label
from handlers.reports.dfe_return import HEADLINE, headline_bands
from storage.report_queries import BEFORE, StatsCell, stats_cells

MAX_MONTHS = 60
DEFAULT_MONTHS = 12
PERIOD_HELP = (
    "Say a number of months (/cme stats 6), a year (/cme stats 2026) or two months "
    "(/cme stats 2025-09 2026-08); on its own /cme stats shows the last 12 months."
)
MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)


@dataclass(frozen=True)
class MonthFigures:
    """One month: cases raised, cases closed, and the cases open at its end."""

    month: str  # "YYYY-MM"
    new: int
    closed: int
    open_at_end: int


@dataclass(frozen=True)
class Stats:
    """The figures a chart and its text show."""

    first: dt.date  # the first day of the first month
    last: dt.date  # the first day of the last month
    months: tuple[MonthFigures, ...]
    by_reason: dict[str, int]  # open at the end of the period
    by_length: dict[str, int]  # open at the end of the period, time missing then
    new_in_period: int
    new_year_before: int  # raised in the same months one year earlier

    @property
    def change(self) -> float | None:
        """Year-on-year change of new cases as a fraction (None when there were none the year before)."""
        if not self.new_year_before:
            return None
        return (self.new_in_period - self.new_year_before) / self.new_year_before


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_of(word: str) -> dt.date:
    found = MONTH.fullmatch(word)
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise Invalid(f"I couldn't read '{word[:20]}' as a month. {PERIOD_HELP}")
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def parse_period(args: str, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first days of the first and last months that PERIOD names; Invalid saying how to name one."""
    words = args.split()
    this_month = today.replace(day=1)
    if not words:
        return add_months(this_month, 1 - DEFAULT_MONTHS), this_month
    if len(words) == 1 and words[0].isascii() and words[0].isdigit() and len(words[0]) <= 2:
        months = int(words[0])
        if not 1 <= months <= MAX_MONTHS:
            raise Invalid(f"Choose 1 to {MAX_MONTHS} months. {PERIOD_HELP}")
        return add_months(this_month, 1 - months), this_month
    if len(words) == 1 and words[0].isascii() and words[0].isdigit() and len(words[0]) == 4:
        year = int(words[0])
        if not 2000 <= year <= today.year:
            raise Invalid(f"Choose a year from 2000 to {today.year}. {PERIOD_HELP}")
        return dt.date(year, 1, 1), min(dt.date(year, 12, 1), this_month)
    if len(words) == 2:
        return checked_months(_month_of(words[0]), _month_of(words[1]), today=today)
    raise Invalid(f"I didn't understand that period. {PERIOD_HELP}")


def checked_months(first: dt.date, last: dt.date, *, today: dt.date) -> tuple[dt.date, dt.date]:
    """`first` and `last` as the first days of their months, in order, not in the future, at most MAX_MONTHS."""
    first, last = first.replace(day=1), last.replace(day=1)
    if first > today:
        raise Invalid(f"That period is in the future. {PERIOD_HELP}")
    if first > last:
        raise Invalid(f"The period ends before it starts. {PERIOD_HELP}")
    last = min(last, today.replace(day=1))
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise Invalid(f"That is more than {MAX_MONTHS} months. {PERIOD_HELP}")
    return first, last


def _instant(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def build_stats(session: Session, *, first: dt.date, last: dt.date) -> Stats:
    """The figures from `first`'s month to `last`'s month (one grouped query, the year before included)."""
    end = add_months(last, 1)
    since, as_of = _instant(add_months(first, -12)), end - dt.timedelta(days=1)
    cells = stats_cells(session, since=since, end=_instant(end), as_of=as_of, bands=headline_bands())
    labels = [f"{add_months(first, n):%Y-%m}" for n in range(_months_between(first, end))]
    months = _months(cells, labels)
    still_open = [cell for cell in cells if cell.closed is None]
    return Stats(
        first=first,
        last=last,
        months=months,
        by_reason=_count(still_open, lambda cell: reason_label(cell.reason)),
        by_length=_count(still_open, lambda cell: breakdown(HEADLINE).label(cell.length)),
        new_in_period=sum(m.new for m in months),
        new_year_before=sum(
            cell.number
            for cell in cells
            if cell.raised != BEFORE
            and f"{add_months(first, -12):%Y-%m}" <= cell.raised < f"{add_months(end, -12):%Y-%m}"
        ),
    )


def _months_between(first: dt.date, end: dt.date) -> int:
    return (end.year - first.year) * 12 + end.month - first.month


def _months(cells: list[StatsCell], labels: list[str]) -> tuple[MonthFigures, ...]:
    """Each month's figures in one pass over the cells (there can be tens of thousands at a million cases)."""
    new: dict[str, int] = {}
    closed: dict[str, int] = {}
    for cell in cells:
        new[cell.raised] = new.get(cell.raised, 0) + cell.number
        if cell.closed is not None:
            closed[cell.closed] = closed.get(cell.closed, 0) + cell.number
    # Open at a month's end: raised by then less closed by then (a case is closed after it is raised).
    raised_before = sum(n for month, n in new.items() if month < labels[0])
    closed_before = sum(n for month, n in closed.items() if month < labels[0])
    out = []
    for label in labels:
        raised_before += new.get(label, 0)
        closed_before += closed.get(label, 0)
        out.append(MonthFigures(label, new.get(label, 0), closed.get(label, 0), raised_before - closed_before))
    return tuple(out)


def _count(cells: list[StatsCell], key) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cell in cells:
        counts[key(cell)] = counts.get(key(cell), 0) + cell.number
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def period_label(stats: Stats) -> str:
    """ "September 2025 to August 2026", or one month's name."""
    if stats.first == stats.last:
        return f"{stats.first:%B %Y}"
    return f"{stats.first:%B %Y} to {stats.last:%B %Y}"


def describe(stats: Stats) -> list[str]:
    """The chart's figures as sentences, for screen readers and for anyone who can't open the picture."""
    lines = [f"Cases {period_label(stats)}: {stats.new_in_period} new."]
    if stats.months:
        last = stats.months[-1]
        lines.append(f"Open at the end of {stats.last:%B %Y}: {last.open_at_end}.")
    lines.append(
        "Each month (new / closed / open at the end): "
        + "; ".join(f"{m.month} {m.new}/{m.closed}/{m.open_at_end}" for m in stats.months)
        + "."
    )
    change = stats.change
    if change is None:
        lines.append(f"Year on year: {stats.new_year_before} new in the same months a year earlier (no comparison).")
    else:
        lines.append(
            f"Year on year: {stats.new_year_before} new in the same months a year earlier, a change of {change:+.0%}."
        )
    if stats.by_reason:
        lines.append("Open cases by reason: " + ", ".join(f"{k} {v}" for k, v in stats.by_reason.items()) + ".")
    if stats.by_length:
        lines.append("Open cases by time missing: " + ", ".join(f"{k} {v}" for k, v in stats.by_length.items()) + ".")
    return lines
