"""The DfE termly return of children missing education: counts only, never a child's identifier.

What counts (DfE, "Children missing education" methodology and data guidance, Explore Education Statistics;
data file cme_census.csv): children who are CME on the census date, by sex, year group, length of time missing
education at the census date (8 bands, and the headline grouping 12 weeks or less / more than 12 weeks /
unknown) and primary reason (20 reasons), plus the children CME at any time in the previous academic year, each
child counted once. Every category of every breakdown is listed, zeros included, in the DfE's order with the
DfE's labels (knowledge/data/dfe_cme_categories.yaml), and each breakdown adds up to the total.

Here a child is CME on the census date when a standing case about them (not merged into another) was
triaged CME or possible CME (or opened by a school's deletion notice), was raised on or before the census
date and was not closed by its end. The previous academic year runs 1 September to 31 August before the
one the census date falls in; a child is counted once however many cases they had (merged records followed).
What an officer should complete before sending (no reason, no year group, no date missing since) is
handlers/reports/dfe_check.py.
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

from handlers.knowledge.dfe_categories import BREAKDOWNS, Category, breakdown, category_of, source
from storage.report_queries import Band, census_cells, unique_children_cme

LENGTH = "length_missing"
HEADLINE = "length_missing_headline"


class ReturnDoesNotAddUp(RuntimeError):
    """A breakdown's counts do not sum to the total: the return must not be sent."""


@dataclass(frozen=True)
class DfeReturn:
    """The counts of one return: a total, each breakdown's categories, the previous year's unique children."""

    census_date: dt.date
    total: int
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)  # DfE label -> count, in the DfE's order
    previous_year: tuple[dt.date, dt.date] = (dt.date.min, dt.date.min)
    previous_year_children: int = 0


def length_bands() -> list[Band]:
    """The DfE's bands of time missing as (code, longest in days), shortest first (Unknown left out)."""
    return [(c.code, c.up_to_days) for c in breakdown(LENGTH).categories if c.code != "unknown"]


def headline_bands() -> list[Band]:
    """The headline grouping as bands: 12 weeks or less (the longest band that groups there), more than 12."""
    bands = breakdown(LENGTH).categories
    short = max(c.up_to_days for c in bands if c.headline == "12-weeks-or-less" and c.up_to_days is not None)
    return [("12-weeks-or-less", short), ("more-than-12-weeks", None)]


def previous_academic_year(census: dt.date) -> tuple[dt.date, dt.date]:
    """1 September to 31 August of the academic year before the one `census` falls in."""
    start_year = census.year if census.month >= 9 else census.year - 1
    return dt.date(start_year - 1, 9, 1), dt.date(start_year, 8, 31)


def instant(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Midnight at the start of `day` in the council's time zone, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def _zeros() -> dict[str, Counter]:
    return {name: Counter({c.label: 0 for c in breakdown(name).categories}) for name in BREAKDOWNS}


def build_return(session: Session, *, census: dt.date, tz: ZoneInfo) -> DfeReturn:
    """The return at `census` from two queries (one grouped); raises ReturnDoesNotAddUp if a breakdown is off."""
    cells = census_cells(
        session, census=census, day_end=instant(census + dt.timedelta(days=1), tz), bands=length_bands()
    )
    counts = _zeros()
    for cell in cells:
        band = _band(cell.length)
        counts["sex"][category_of("sex", cell.sex).label] += cell.number
        counts["year_group"][category_of("year_group", cell.year_group).label] += cell.number
        counts[LENGTH][band.label] += cell.number
        counts[HEADLINE][breakdown(HEADLINE).label(band.headline)] += cell.number
        counts["primary_reason"][category_of("primary_reason", cell.reason).label] += cell.number
    total = sum(cell.number for cell in cells)
    first, last = previous_academic_year(census)
    children = unique_children_cme(session, start=instant(first, tz), end=instant(last + dt.timedelta(days=1), tz))
    result = DfeReturn(census, total, {name: dict(counts[name]) for name in BREAKDOWNS}, (first, last), children)
    check(result)
    return result


def _band(code: str) -> Category:
    return next(c for c in breakdown(LENGTH).categories if c.code == code)


def check(result: DfeReturn) -> None:
    """Fail loudly when any breakdown does not sum to the total or does not list every DfE category."""
    for name, categories in result.breakdowns.items():
        if list(categories) != [c.label for c in breakdown(name).categories]:
            raise ReturnDoesNotAddUp(f"{name} does not list the DfE's categories in the DfE's order")
        if sum(categories.values()) != result.total:
            raise ReturnDoesNotAddUp(f"{name} sums to {sum(categories.values())}, not the total {result.total}")


def _year_label(result: DfeReturn) -> str:
    first, last = result.previous_year
    return f"{first.year}/{str(last.year)[-2:]}"


def rows(result: DfeReturn) -> list[dict[str, str | int]]:
    """One row per category, as in the DfE's cme_census.csv: the total first, the previous year last."""
    census = result.census_date.isoformat()
    out: list[dict[str, str | int]] = [
        {"census_date": census, "breakdown": "total", "category": "Total", "number": result.total}
    ]
    for name in BREAKDOWNS:
        for category, number in result.breakdowns[name].items():
            out.append({"census_date": census, "breakdown": name, "category": category, "number": number})
    out.append(
        {
            "census_date": census,
            "breakdown": "previous_academic_year",
            "category": _year_label(result),
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
    """The return as JSON: the total, each breakdown in the DfE's order, the previous academic year, the source."""
    first, last = result.previous_year
    return json.dumps(
        {
            "census_date": result.census_date.isoformat(),
            "total": result.total,
            "breakdowns": result.breakdowns,
            "previous_academic_year": {
                "year": _year_label(result),
                "from": first.isoformat(),
                "to": last.isoformat(),
                "children": result.previous_year_children,
            },
            "categories_source": source(),
        },
        indent=2,
    )
