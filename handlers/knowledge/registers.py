"""School register rules as data: the regulation 9 deletion grounds, and what a form's answers give the return.

The grounds are a bundled data file (knowledge/data/reg9_grounds.yaml, naming its source and what was checked
against what), so a change in the law is a data change. The DfE's categories (the primary reasons among them)
are knowledge/dfe_categories.py. Also here: the statistics a case starts with (reason, date missing education
began, sex, year group) from a referral's or a school notice's answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from handlers.knowledge.dfe_categories import reasons, settable_reasons

DATA = Path(__file__).parent / "data"
POSSIBLY_CME = ("always", "no_new_school", "never")


@dataclass(frozen=True)
class Ground:
    """One regulation 9 ground: its letter, plain words, and what it means for the child's education."""

    code: str
    words: str
    possibly_cme: str  # always | no_new_school | never
    new_school: bool  # the ground itself means another school has the pupil
    ahead_days: int  # how far after today the deletion may be dated
    dfe_reason: str | None = None
    note: str | None = None  # what the school must know before using the ground

    @property
    def label(self) -> str:
        """The ground as a choice reads: "(i) 20 school days' ..."."""
        return f"({self.code}) {self.words}"

    def makes_cme(self, *, new_school_named: bool) -> bool:
        """True when a deletion on this ground means the child may be missing education."""
        if self.possibly_cme == "always":
            return True
        return self.possibly_cme == "no_new_school" and not new_school_named


def _load(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def grounds() -> tuple[Ground, ...]:
    """Every regulation 9 ground, (a) to (o), checked as it loads."""
    found = tuple(Ground(**row) for row in _load("reg9_grounds.yaml")["grounds"])
    known = {r.code for r in settable_reasons()}
    for ground in found:
        if ground.possibly_cme not in POSSIBLY_CME or (ground.dfe_reason and ground.dfe_reason not in known):
            raise ValueError(f"reg9_grounds.yaml: ground ({ground.code}) has an unknown value")
    return found


def ground(code: str | None) -> Ground | None:
    """The ground with this letter, or None."""
    return next((g for g in grounds() if g.code == (code or "").strip().lower().strip("()")), None)


def statistics_from_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """What a referral's (or a notice's) answers say for the DfE return: reason, missing since, sex, year group."""
    found = ground(answers.get("reg9_ground")) if answers.get("reason") == "deleted-reg9" else None
    referral_reason = answers.get("reason")
    reason = found.dfe_reason if found else next((r.code for r in reasons() if referral_reason in r.referral), None)
    since = answers.get("date_last_attended")
    gender, year = answers.get("child_gender"), answers.get("child_year_group")
    return {
        "cme_reason": reason,
        "missing_since": dt.date.fromisoformat(since) if since else None,
        # A rough date ("early October") keeps its precision beside it (forms/dates.py PRECISION_KEY).
        "missing_since_precision": answers.get("date_last_attended.precision") if since else None,
        "sex": gender if gender and gender != "not-known" else None,
        "year_group": year if year and year != "not-known" else None,
    }
