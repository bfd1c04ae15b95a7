"""The DfE termly return of children missing education: counts only, never a child's identifier.

What counts (DfE, "Children missing education" methodology and data guidance, explore education
statistics; data file cme_census.csv): children who are CME on the census date, by sex, year group, length
of time missing education at the census date (12 weeks or less, more than 12 weeks, unknown) and primary
reason, plus the children CME at any time in the previous academic year, each child counted once.

Here a child is CME on the census date when a standing case about them (not merged into another) was
triaged CME or possible CME (or opened by a school's deletion notice), was raised on or before the census
date and was not closed by its end. The previous academic year runs 1 September to 31 August before the
one the census date falls in; a child is counted once however many cases they had (merged records followed).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.knowledge.registers import reason_label
from storage.report_queries import census_cells, unique_children_cme

BREAKDOWNS = ("sex", "year_group", "length_missing", "primary_reason")
LENGTH_LABELS = {
    "12_weeks_or_less": "12 weeks or less",
    "more_than_12_weeks": "More than 12 weeks",
    "unknown": "Unknown",
}
SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "not-known": "Not known"}


class ReturnDoesNotAddUp(RuntimeError):
    """A breakdown's counts do not sum to the total: the return must not be sent."""


@dataclass(frozen=True)
class DfeReturn:
    """The counts of one return: a total, each breakdown's categories, the previous year's unique children."""

    census_date: dt.date
    total: int
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)
    previous_year: tuple[dt.date, dt.date] = (dt.date.min, dt.date.min)
    previous_year_children: int = 0


def year_group_label(value: str | None) -> str:
    """The National Curriculum year as the DfE names it: "Reception", "Year 7"; "Unknown" when not recorded."""
    if not value:
        return "Unknown"
    if value.startswith("year-"):
        return f"Year {value.removeprefix('year-')}"
    return value.replace("-", " ").capitalize()


def previous_academic_year(census: dt.date) -> tuple[dt.date, dt.date]:
    """1 September to 31 August of the academic year before the one `census` falls in."""
    start_year = census.year if census.month >= 9 else census.year - 1
    return dt.date(start_year - 1, 9, 1), dt.date(start_year, 8, 31)


def _instant(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Midnight at the start of `day` in the council's time zone, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def build_return(session: Session, *, census: dt.date, tz: ZoneInfo) -> DfeReturn:
    """The return at `census` from two queries (one grouped); raises ReturnDoesNotAddUp if a breakdown is off."""
    cells = census_cells(session, census=census, day_end=_instant(census + dt.timedelta(days=1), tz))
    counters = {name: Counter() for name in BREAKDOWNS}
    for cell in cells:
        counters["sex"][SEX_LABELS.get(cell.sex or "", cell.sex or "Not recorded")] += cell.number
        counters["year_group"][year_group_label(cell.year_group)] += cell.number
        counters["length_missing"][LENGTH_LABELS[cell.length]] += cell.number
        counters["primary_reason"][reason_label(cell.reason)] += cell.number  # the DfE's words (one list)
    total = sum(cell.number for cell in cells)
    first, last = previous_academic_year(census)
    children = unique_children_cme(session, start=_instant(first, tz), end=_instant(last + dt.timedelta(days=1), tz))
    result = DfeReturn(
        census, total, {k: dict(sorted(v.items())) for k, v in counters.items()}, (first, last), children
    )
    check(result)
    return result


def check(result: DfeReturn) -> None:
    """Fail loudly when any breakdown does not sum to the total."""
    for name, categories in result.breakdowns.items():
        if sum(categories.values()) != result.total:
            raise ReturnDoesNotAddUp(f"{name} sums to {sum(categories.values())}, not the total {result.total}")


def rows(result: DfeReturn) -> list[dict[str, str | int]]:
    """One row per breakdown category, as in the DfE's cme_census.csv: the total first, the previous year last."""
    census = result.census_date.isoformat()
    out: list[dict[str, str | int]] = [
        {"census_date": census, "breakdown": "total", "category": "Total", "number": result.total}
    ]
    for name in BREAKDOWNS:
        for category, number in result.breakdowns[name].items():
            out.append({"census_date": census, "breakdown": name, "category": category, "number": number})
    first, last = result.previous_year
    year = f"{first.year}/{str(last.year)[-2:]}"
    out.append(
        {
            "census_date": census,
            "breakdown": "previous_academic_year",
            "category": year,
            "number": result.previous_year_children,
        }
    )
    return out


def as_csv(result: DfeReturn) -> str:
    """The return as CSV: census_date, breakdown, category, number."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["census_date", "breakdown", "category", "number"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(result))
    return buffer.getvalue()


def as_json(result: DfeReturn) -> str:
    """The return as JSON: the total, each breakdown, the previous academic year's unique children."""
    first, last = result.previous_year
    return json.dumps(
        {
            "census_date": result.census_date.isoformat(),
            "total": result.total,
            "breakdowns": result.breakdowns,
            "previous_academic_year": {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "children": result.previous_year_children,
            },
        },
        indent=2,
    )
