"""Triage: compulsory school age, and does this situation count as children missing education?

The answer redirects what is not CME (cme-domain.md section 2) and never blocks reporting. It
carries plain-English reasons, one next step with the profile's contacts, and its sources.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from handlers.knowledge.calendar import age_on, autumn_term_start, birthday, leaving_date
from handlers.knowledge.harm import contact_phrase, reach
from handlers.knowledge.profile import Profile
from handlers.knowledge.sources import source
from handlers.knowledge.triage_model import (
    CME_ROUTE,
    HEADLINES,
    HOME_EDUCATED_VALUES,
    ON_ROLL_VALUES,
    Facts,
    HomeEducated,
    OnRoll,
    Outcome,
    Span,
    TriageResult,
    long_date,
)

__all__ = [
    "HEADLINES",
    "HOME_EDUCATED_VALUES",
    "ON_ROLL_VALUES",
    "Facts",
    "HomeEducated",
    "OnRoll",
    "Outcome",
    "Span",
    "TriageResult",
    "compulsory_school_age",
    "long_date",
    "missing_not_known",
    "triage",
]


def compulsory_school_age(dob: dt.date, profile: Profile) -> Span:
    """The first and last days (inclusive) of compulsory school age under Education Act 1996 s8."""
    # s8(2): from the prescribed day (31 Mar, 31 Aug, 31 Dec) on or after the 5th birthday.
    fifth = birthday(dob, 5)
    prescribed = (dt.date(fifth.year, 3, 31), dt.date(fifth.year, 8, 31), dt.date(fifth.year, 12, 31))
    starts = next(day for day in prescribed if day >= fifth)
    # s8(3): a 16th birthday before the leaving date, on it, or after it but before the next school
    # year begins all end at that year's leaving date; a later birthday waits for the next one.
    sixteenth = birthday(dob, 16)
    autumn = autumn_term_start(sixteenth.year, profile)
    ends = leaving_date(sixteenth.year if sixteenth < autumn else sixteenth.year + 1)
    return starts, ends


def _local(profile: Profile, key: str) -> str:
    # Optional contacts (attendance, EHE team) fall back to the CME officer, who always exists.
    return key if key in profile.contacts else "cme_officer"


@dataclass
class _Answer:
    outcome: Outcome
    reasons: list[str]
    next_step: str
    sources: tuple[str, ...]
    contacts: tuple[str, ...]


def _missing_from_home(profile: Profile) -> _Answer:
    emergency, non_emergency = (reach(profile, k) for k in ("police_emergency", "police_non_emergency"))
    return _Answer(
        Outcome.MISSING_FROM_HOME,
        [
            "A child missing from home or care is a police matter first, under the missing-from-home "
            "procedures, whatever their schooling.",
            f"If the child is at risk of harm, also contact {contact_phrase(profile, 'mash')} "
            f"(out of hours: {contact_phrase(profile, 'out_of_hours')}).",
        ],
        f"Report the child missing to the police now: call {emergency} if the child is in immediate danger, "
        f"otherwise {non_emergency}.",
        ("gm-missing-procedures", "dfe-cme-guidance"),
        ("police_emergency", "police_non_emergency", "mash", "out_of_hours"),
    )


def age_standing(years: int, on: dt.date, profile: Profile) -> tuple[str, float]:
    """Where a child aged `years` on `on` stands, without a date of birth: "below", "within" or "above" compulsory
    school age, and the share of the birthdays that age allows which put the child there (1.0: certain)."""
    youngest = on - relativedelta(years=years)  # born that day: `years` old today
    day, places = youngest - relativedelta(years=1) + dt.timedelta(days=1), Counter()
    while day <= youngest:  # a year of possible birthdays: a few hundred date sums, once per answer
        starts, ends = compulsory_school_age(day, profile)
        places["below" if on < starts else "above" if on > ends else "within"] += 1
        day += dt.timedelta(days=1)
    place, count = places.most_common(1)[0]
    return place, count / places.total()


def _outside_by_age(facts: Facts, years: int, profile: Profile) -> _Answer | None:
    # Only an age outside compulsory school age whatever the birthday redirects: "probably" never does.
    place, share = age_standing(years, facts.on, profile)
    if place == "within" or share < 1:
        return None
    said = f"On {long_date(facts.on)} the child is {years} years old (no date of birth was given)"
    if place == "below":
        return _below(f"{said}; compulsory school age starts after the fifth birthday (Education Act 1996 s8)", profile)
    return _above(
        f"{said}; compulsory school age ends on the school leaving date of the school year in which a child turns "
        "16 (Education Act 1996 s8)",
        profile,
    )


def _outside_age(facts: Facts, dob: dt.date, age: Span, profile: Profile) -> _Answer | None:
    starts, ends = age
    years = f"{age_on(dob, facts.on)} years old"
    if facts.on < starts:
        return _below(
            f"On {long_date(facts.on)} the child is {years}; compulsory school age starts on {long_date(starts)} "
            "(Education Act 1996 s8)",
            profile,
        )
    if facts.on > ends:
        return _above(
            f"On {long_date(facts.on)} the young person is {years}; compulsory school age ended on "
            f"{long_date(ends)}, the school leaving date (Education Act 1996 s8)",
            profile,
        )
    return None


def _below(why: str, profile: Profile) -> _Answer:
    early_help = _local(profile, "early_help")
    return _Answer(
        Outcome.BELOW_SCHOOL_AGE,
        [f"{why}, so the child is not missing education."],
        "No CME report is needed yet: for an early years or school place, contact "
        f"{contact_phrase(profile, early_help)}.",
        ("ea1996-s8", "ea1996-s436a"),
        (early_help,),
    )


def _above(why: str, profile: Profile) -> _Answer:
    return _Answer(
        Outcome.ABOVE_SCHOOL_AGE,
        [f"{why}, so they are not missing education."],
        "No CME report is needed: point the young person to post-16 education, employment or training "
        f"support, or ask {contact_phrase(profile, 'cme_officer')} if unsure.",
        ("ea1996-s8", "leaving-date-order", "ea1996-s436a"),
        ("cme_officer",),
    )


_SAFEGUARDING = "If there is any safeguarding concern, contact MASH straight away: do not wait for the CME officer."
_REPORT = "Report the child now: {reach}."

# case: (outcome, reason, next step, source keys, contact key). Cases and precedence follow
# s436A and DfE CME guidance as summarised in cme-domain.md sections 1 and 2.
_SCHOOLING: dict[str, tuple[Outcome, str, str, tuple[str, ...], str]] = {
    "attendance": (
        Outcome.ATTENDANCE,
        "A child on a school roll is not missing education, however long the absence; absence is for the "
        "school and the attendance service.",
        "Raise the absence: {reach}.",
        ("working-together-attendance", "registration-regs-2024", "ea1996-s436a"),
        "attendance",
    ),
    "ehe": (
        Outcome.EHE,
        "A child educated at home whose education is suitable, or not yet assessed, is for the elective home "
        "education team, not missing education.",
        "Pass the concern on: {reach}.",
        ("ehe-guidance", "ea1996-s7", "ea1996-s436a"),
        "ehe_team",
    ),
    "unsuitable-ehe": (
        Outcome.CME,
        "Home education assessed as unsuitable is not suitable education, so the child counts as missing education.",
        _REPORT,
        ("ea1996-s436a", "dfe-cme-guidance", "ea1996-s437"),
        "cme_officer",
    ),
    "other-provision": (
        Outcome.OTHER_PROVISION,
        "A child receiving suitable education otherwise than at a school is not missing education.",
        "No CME report is needed; if you doubt the provision is full-time and suitable, contact {reach}.",
        ("ea1996-s436a", "ea1996-s7"),
        "cme_officer",
    ),
    "awaiting-place": (
        Outcome.CME,
        "A child awaiting a school place, or offered one and not yet started, counts as missing education "
        "until they start (DfE).",
        _REPORT,
        ("ea1996-s436a", "dfe-cme-guidance"),
        "cme_officer",
    ),
    "not-on-roll": (
        Outcome.CME,
        "A child of compulsory school age who is not on a school roll and not otherwise educated is missing education.",
        _REPORT,
        ("ea1996-s436a", "dfe-cme-guidance"),
        "cme_officer",
    ),
    "unknown-education": (
        Outcome.POSSIBLE_CME,
        "The child is not on a school roll, and it is not known whether they are educated at home or elsewhere, so "
        "this may be a child missing education: the CME officer will find out.",
        _REPORT,
        ("ea1996-s436a", "dfe-cme-guidance"),
        "cme_officer",
    ),
    "unknown-roll": (
        Outcome.POSSIBLE_CME,
        "It is not known whether the child is on a school roll or otherwise educated, so this may be a child "
        "missing education: the CME officer will check the school rolls.",
        _REPORT,
        ("ea1996-s436a", "dfe-cme-guidance"),
        "cme_officer",
    ),
}


def _schooling_case(facts: Facts) -> str:
    # s436A: CME is not on a roll AND not otherwise educated; if either half is not known, possibly CME.
    if facts.on_roll == "yes":
        return "attendance"
    if facts.home_educated in ("suitable", "not-assessed"):
        return "ehe"
    if facts.home_educated == "unsuitable":
        return "unsuitable-ehe"
    if facts.other_provision is True:
        return "other-provision"
    if facts.awaiting_place is True:
        return "awaiting-place"
    if facts.on_roll != "no":
        return "unknown-roll"
    otherwise_unknown = facts.home_educated == "unknown" or facts.other_provision is None
    return "unknown-education" if otherwise_unknown else "not-on-roll"


def _by_schooling(facts: Facts, profile: Profile) -> _Answer:
    outcome, reason, step, sources, key = _SCHOOLING[_schooling_case(facts)]
    key = _local(profile, key)
    answer = _Answer(outcome, [reason], step.format(reach=contact_phrase(profile, key)), sources, (key,))
    if outcome in CME_ROUTE:
        answer.reasons.append(_SAFEGUARDING)
        answer.contacts += ("mash", "out_of_hours")
    return answer


# How an age alone places a child, where the date of birth would settle it.
_STANDING = {"below": "below compulsory school age", "within": "of compulsory school age",
             "above": "over compulsory school age"}  # fmt: skip


def _age_only_reasons(facts: Facts, years: int, profile: Profile) -> list[str]:
    place, share = age_standing(years, facts.on, profile)
    said = f"No date of birth was given; at {years} the child is"
    if share == 1:
        return [f"{said} {_STANDING[place]} (Education Act 1996 s8)."]
    return [
        f"{said} probably {_STANDING[place]}: it starts after the fifth birthday and ends on the school leaving date "
        "of the school year in which a child turns 16 (Education Act 1996 s8), so the age alone can't settle it. "
        "The CME officer will check the date of birth."
    ]


def _age_reasons(facts: Facts, age: Span | None, profile: Profile) -> list[str]:
    if age is None and facts.age is not None:
        return _age_only_reasons(facts, facts.age, profile)
    if age is None:
        return [
            "No date of birth was given, so compulsory school age was not checked; this answer "
            "assumes the child is of compulsory school age."
        ]
    starts, ends = (long_date(day) for day in age)
    return [f"Compulsory school age for this child runs from {starts} to {ends} (Education Act 1996 s8)."]


def _period_reasons(on: dt.date, out_since: dt.date, profile: Profile) -> list[str]:
    # The local "substantial period" never blocks a report (briefing card 1; DESIGN: never block).
    weeks = profile.substantial_period_weeks
    days = (on - out_since).days
    out = f"The child has been out of education since {long_date(out_since)} ({days} days)."
    if days >= weeks * 7:
        return [f"{out} That meets {profile.short_name}'s local test of usually {weeks} weeks or more."]
    return [
        f"{out} {profile.short_name}'s local definition says usually {weeks} weeks or more, "
        "but do not wait: report it now and the CME officer will decide."
    ]


def _route(facts: Facts, age: Span | None, profile: Profile) -> _Answer:
    # Precedence: missing from home outranks everything, then age, then schooling (section 2).
    if facts.missing_from_home is True:
        return _missing_from_home(profile)
    outside = _outside_age(facts, facts.dob, age, profile) if facts.dob and age else None
    if facts.dob is None and facts.age is not None:
        outside = _outside_by_age(facts, facts.age, profile)
    answer = outside or _by_schooling(facts, profile)
    if facts.missing_from_home is None:
        _add_missing_unknown(answer, profile)
    return answer


def missing_not_known(profile: Profile) -> str:
    """What to do when nobody knows whether the child is missing from home or care."""
    emergency, non_emergency = (reach(profile, k) for k in ("police_emergency", "police_non_emergency"))
    return (
        "It is not known whether the child is missing from home or care. If their whereabouts are unknown and "
        f"this is out of character, report them missing to the police as well: {non_emergency}, or {emergency} "
        "if the child is in immediate danger."
    )


def _add_missing_unknown(answer: _Answer, profile: Profile) -> None:
    # Not knowing is not a "no": the police route stays open beside the schooling answer (section 2).
    answer.reasons.append(missing_not_known(profile))
    answer.sources += ("gm-missing-procedures",)
    answer.contacts += tuple(k for k in ("police_non_emergency", "police_emergency") if k not in answer.contacts)


def triage(facts: Facts, profile: Profile) -> TriageResult:
    """Decide where a situation belongs: CME, possible CME, or the service it should go to instead."""
    age = compulsory_school_age(facts.dob, profile) if facts.dob else None
    answer = _route(facts, age, profile)
    reasons = list(answer.reasons)
    source_keys = list(answer.sources)
    if answer.outcome not in (Outcome.BELOW_SCHOOL_AGE, Outcome.ABOVE_SCHOOL_AGE):
        reasons[1:1] = _age_reasons(facts, age, profile)
        source_keys += ["ea1996-s8"] if age or facts.age is not None else []
    if answer.outcome in CME_ROUTE and facts.out_since:
        reasons[-1:-1] = _period_reasons(facts.on, facts.out_since, profile)
        source_keys.append("bury-briefing")
    return TriageResult(
        outcome=answer.outcome,
        compulsory_school_age=age,
        reasons=reasons,
        next_step=answer.next_step,
        sources=[source(key) for key in dict.fromkeys(source_keys)],
        contacts=list(answer.contacts),
    )
