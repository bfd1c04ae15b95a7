"""The vocabulary of triage: outcomes, the facts it weighs, and the result it gives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, get_args

from handlers.knowledge.sources import Source

OnRoll = Literal["yes", "no", "unknown"]
HomeEducated = Literal["no", "suitable", "unsuitable", "not-assessed", "unknown"]
ON_ROLL_VALUES: tuple[str, ...] = get_args(OnRoll)
HOME_EDUCATED_VALUES: tuple[str, ...] = get_args(HomeEducated)
Span = tuple[dt.date, dt.date]  # first and last day, both inclusive


class Outcome(StrEnum):
    """Where a situation belongs."""

    CME = "cme"
    POSSIBLE_CME = "possible_cme"
    ATTENDANCE = "attendance"
    MISSING_FROM_HOME = "missing_from_home"
    EHE = "ehe"
    OTHER_PROVISION = "other_provision"
    BELOW_SCHOOL_AGE = "below_school_age"
    ABOVE_SCHOOL_AGE = "above_school_age"


CME_ROUTE = frozenset({Outcome.CME, Outcome.POSSIBLE_CME})


# One headline per outcome, used by the CLI, the guided check and the referral's triage notes.
HEADLINES = {
    Outcome.CME: "This sounds like a child missing education: report it",
    Outcome.POSSIBLE_CME: "This may be a child missing education: report it",
    Outcome.ATTENDANCE: "Not CME: a child on a school roll is a school attendance matter",
    Outcome.MISSING_FROM_HOME: "Missing from home or care: a police matter first",
    Outcome.EHE: "Not CME: elective home education is for the EHE team",
    Outcome.OTHER_PROVISION: "Not CME: the child is educated otherwise than at school",
    Outcome.BELOW_SCHOOL_AGE: "Not CME: the child is below compulsory school age",
    Outcome.ABOVE_SCHOOL_AGE: "Not CME: the child is over compulsory school age",
}


@dataclass(frozen=True)
class Facts:
    """What the person knows about the child's situation on the day `on`.

    For the yes/no facts None means "not known": triage never reads it as no (cme-domain.md section 1).
    """

    dob: dt.date | None
    on: dt.date
    on_roll: OnRoll = "unknown"
    home_educated: HomeEducated = "no"
    other_provision: bool | None = False
    missing_from_home: bool | None = False
    awaiting_place: bool | None = False
    out_since: dt.date | None = None
    age: int | None = None  # the age in years, when the date of birth is not known ("about 9")

    def __post_init__(self) -> None:
        # Messages name the field, never its value: a date of birth is a child detail.
        if self.on_roll not in ON_ROLL_VALUES:
            raise ValueError(f"on_roll must be one of {', '.join(ON_ROLL_VALUES)}")
        if self.home_educated not in HOME_EDUCATED_VALUES:
            raise ValueError(f"home_educated must be one of {', '.join(HOME_EDUCATED_VALUES)}")
        if self.dob is not None and self.dob > self.on:
            raise ValueError("the date of birth is after the date of the check")
        if self.out_since is not None and self.out_since > self.on:
            raise ValueError("the out-of-education date is after the date of the check")


@dataclass(frozen=True)
class TriageResult:
    """The answer: outcome, reasons, one next step, the contacts to show and the sources."""

    outcome: Outcome
    compulsory_school_age: Span | None
    reasons: list[str]
    next_step: str
    sources: list[Source]
    contacts: list[str] = field(default_factory=list)

    @property
    def is_cme_route(self) -> bool:
        """True when the concern should go to the CME officer as (possible) CME."""
        return self.outcome in CME_ROUTE

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `cme-bot check --json`."""
        age = self.compulsory_school_age
        return {
            "outcome": self.outcome.value,
            "compulsory_school_age": ({"from": age[0].isoformat(), "until": age[1].isoformat()} if age else None),
            "reasons": list(self.reasons),
            "next_step": self.next_step,
            "sources": [s.to_dict() for s in self.sources],
        }


def long_date(day: dt.date) -> str:
    """A date as people write it: "2 May 2014"."""
    return f"{day.day} {day:%B %Y}"
