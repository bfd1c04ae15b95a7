"""School register rules as data: the regulation 9 deletion grounds and the DfE's primary reasons for CME.

Both lists are bundled data files (knowledge/data/reg9_grounds.yaml, knowledge/data/dfe_cme_reasons.yaml,
each naming its source), so a change in the law or a new DfE reason list is a data change. Also here: the
statistics a case starts with (reason, date missing education began, sex, year group) from a form's answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

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

    @property
    def label(self) -> str:
        """The ground as a choice reads: "(i) 20 school days' ..."."""
        return f"({self.code}) {self.words}"

    def makes_cme(self, *, new_school_named: bool) -> bool:
        """True when a deletion on this ground means the child may be missing education."""
        if self.possibly_cme == "always":
            return True
        return self.possibly_cme == "no_new_school" and not new_school_named


@dataclass(frozen=True)
class Reason:
    """One DfE primary reason for CME: our code, the DfE's words, the referral reasons that imply it."""

    code: str
    label: str
    referral: tuple[str, ...] = ()
    retired: bool = False


def _load(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def grounds() -> tuple[Ground, ...]:
    """Every regulation 9 ground, (a) to (o), checked as it loads."""
    found = tuple(Ground(**row) for row in _load("reg9_grounds.yaml")["grounds"])
    known = {r.code for r in reasons()}
    for ground in found:
        if ground.possibly_cme not in POSSIBLY_CME or (ground.dfe_reason and ground.dfe_reason not in known):
            raise ValueError(f"reg9_grounds.yaml: ground ({ground.code}) has an unknown value")
    return found


def ground(code: str | None) -> Ground | None:
    """The ground with this letter, or None."""
    return next((g for g in grounds() if g.code == (code or "").strip().lower().strip("()")), None)


@cache
def reasons() -> tuple[Reason, ...]:
    """The DfE's primary reasons for CME (retired ones included, so older cases still read)."""
    rows = _load("dfe_cme_reasons.yaml")["reasons"]
    return tuple(Reason(r["code"], r["label"], tuple(r.get("referral", ())), r.get("retired", False)) for r in rows)


def reason_source() -> tuple[str, str]:
    """Where the reason list comes from: (title, url)."""
    data = _load("dfe_cme_reasons.yaml")
    return data["source"], data["url"]


def current_reasons() -> tuple[Reason, ...]:
    """The reasons an officer may choose now."""
    return tuple(r for r in reasons() if not r.retired)


def find_reason(text: str) -> Reason | None:
    """The current reason `text` names by its code or its words (any case, spaces or hyphens), else None."""
    key = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    for reason in current_reasons():
        if key in (reason.code.replace("-", " "), reason.label.lower()):
            return reason
    return None


def reason_label(code: str | None) -> str:
    """The DfE's words for a reason code ("Unknown" when none is recorded)."""
    if not code:
        return "Unknown"
    return next((r.label for r in reasons() if r.code == code), code)


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
        "sex": gender if gender and gender != "not-known" else None,
        "year_group": year if year and year != "not-known" else None,
    }
