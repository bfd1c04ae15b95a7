"""The DfE return's categories as data (knowledge/data/dfe_cme_categories.yaml): the one list in cme-bot.

Each breakdown (sex, year group, length of time missing, its headline grouping, primary reason) has its
categories in the DfE's order with the DfE's own labels. A case stores our codes (reason "moved-abroad", sex
"other", year group "year-7"); `category_of` says which category a stored value counts in, so the return,
`/cme set`, the notices, exports and the digest read the same file. Reasons cme-bot used before the DfE's list
was checked are `legacy_reasons`: each has the category with the same meaning, or the candidates an officer
chooses between. Also here: the census days, from the data file's rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).parent / "data" / "dfe_cme_categories.yaml"
NOT_RECORDED = "not-recorded"  # the reason category of a case with none recorded (never stored)
UNKNOWN = "unknown"
BREAKDOWNS = ("sex", "year_group", "length_missing", "length_missing_headline", "primary_reason")
_WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}


@dataclass(frozen=True)
class Category:
    """One category of a breakdown: our code, the DfE's label, and what counts in it."""

    code: str
    label: str
    values: tuple[str | None, ...] = ()  # the stored values that count here (sex, year group)
    up_to_days: int | None = None  # length missing: the longest time (in days) this band holds
    headline: str | None = None  # length missing: its headline group
    referral: tuple[str, ...] = ()  # primary reason: the referral reasons that start a case with it


@dataclass(frozen=True)
class Breakdown:
    """A breakdown of the return: its name, title and categories in the DfE's order."""

    name: str
    title: str
    categories: tuple[Category, ...]

    def label(self, code: str) -> str:
        """The DfE's label for one of this breakdown's codes (KeyError for another)."""
        return next(c.label for c in self.categories if c.code == code)


@dataclass(frozen=True)
class LegacyReason:
    """A reason code cme-bot used before: the category with the same meaning, or those to choose between."""

    code: str
    label: str
    same: str | None = None
    candidates: tuple[str, ...] = ()


@cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text("utf-8"))


def _category(row: dict[str, Any]) -> Category:
    values = tuple(row.get("values", ()))
    return Category(
        row["code"],
        str(row["label"]),
        values,
        row.get("up_to_days"),
        row.get("headline"),
        tuple(row.get("referral", ())),
    )


@cache
def breakdowns() -> dict[str, Breakdown]:
    """Every breakdown, by name, in the order of BREAKDOWNS (checked as it loads)."""
    found = {
        name: Breakdown(name, row["title"], tuple(_category(c) for c in row["categories"]))
        for name, row in _data()["breakdowns"].items()
    }
    if tuple(found) != BREAKDOWNS:
        raise ValueError(f"{DATA_FILE.name}: breakdowns must be {BREAKDOWNS}, in that order")
    for breakdown in found.values():
        codes = [c.code for c in breakdown.categories]
        if len(codes) != len(set(codes)):
            raise ValueError(f"{DATA_FILE.name}: {breakdown.name} repeats a code")
    return found


def breakdown(name: str) -> Breakdown:
    """One breakdown by name."""
    return breakdowns()[name]


def reasons() -> tuple[Category, ...]:
    """The DfE's primary reasons for CME, in the DfE's order (Not recorded included)."""
    return breakdown("primary_reason").categories


def settable_reasons() -> tuple[Category, ...]:
    """The reasons an officer may set (Not recorded is what no reason means, so it is not one of them)."""
    return tuple(r for r in reasons() if r.code != NOT_RECORDED)


def category_of(name: str, value: str | None) -> Category:
    """The category a stored value counts in: by `values` (sex, year group) or by code (reason)."""
    categories = breakdown(name).categories
    for category in categories:
        if value in category.values or (not category.values and value == category.code):
            return category
    if name == "primary_reason":  # none recorded, or a code no longer in the list
        return next(c for c in categories if c.code == NOT_RECORDED)
    return next(c for c in categories if c.code == UNKNOWN)


def length_band(days: int | None) -> Category:
    """The length-missing band for a child missing education for `days` at the census date (None: Unknown)."""
    categories = breakdown("length_missing").categories
    if days is not None and days >= 0:
        for category in categories:
            if category.code != UNKNOWN and (category.up_to_days is None or days <= category.up_to_days):
                return category
    return next(c for c in categories if c.code == UNKNOWN)


def reason_label(code: str | None) -> str:
    """The DfE's words for a reason code ("Not recorded" when none is recorded; an old code's own words)."""
    if code and (legacy := legacy_reason(code)) is not None and legacy.same is None:
        return f"{legacy.label} (no longer a DfE reason)"
    return category_of("primary_reason", code).label if code else breakdown("primary_reason").label(NOT_RECORDED)


def _key(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


def find_reason(text: str) -> Category | None:
    """The reason `text` names by its code or the DfE's words (any case, spaces or hyphens), else None."""
    key = _key(text)
    return next((r for r in reasons() if key in (_key(r.code), _key(r.label))), None)


@cache
def legacy_reasons() -> tuple[LegacyReason, ...]:
    """The reasons cme-bot used before the DfE's list was checked (December 2026)."""
    rows = _data()["legacy_reasons"]
    return tuple(LegacyReason(r["code"], r["label"], r.get("same"), tuple(r.get("candidates", ()))) for r in rows)


def legacy_reason(text: str) -> LegacyReason | None:
    """The old reason `text` names by its old code or old words, else None."""
    key = _key(text)
    return next((r for r in legacy_reasons() if key in (_key(r.code), _key(r.label))), None)


def source() -> dict[str, str]:
    """Where the categories come from: title, url, methodology, and the date they were checked."""
    data = _data()
    return {**data["source"], "checked": str(data["checked"])}


def census_days(academic_year: int) -> tuple[dt.date, ...]:
    """The census days of the academic year starting in September of `academic_year`, in date order."""
    days = []
    for rule in _data()["census_days"]:
        year = academic_year if rule["month"] >= 9 else academic_year + 1
        weekday = _WEEKDAYS[rule["weekday"]]
        first = dt.date(year, rule["month"], 1)
        offset = (weekday - first.weekday()) % 7
        days.append(first + dt.timedelta(days=offset + 7 * (rule["week"] - 1)))
    return tuple(sorted(days))


def next_census_day(today: dt.date) -> dt.date:
    """The first census day on or after `today`."""
    start = today.year if today.month >= 9 else today.year - 1
    return next(day for year in (start, start + 1) for day in census_days(year) if day >= today)


def prompt_days_before() -> int:
    """How many days before a census day the officer's digest asks for missing reasons."""
    return int(_data()["prompt_days_before"])
