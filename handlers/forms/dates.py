"""Dates as people say them: "3 weeks ago", "last Tuesday", "early October", "Sept", "the 3rd", "since half term".

dateparser (English, day-first as in the UK) reads the date; this module decides what the form may take:
how precise it is (a day, a week, a month, early/mid/late in a month), whether it is in the past when the
question asks about the past, a date of birth that gives an age of 0 to 18, and two dates in one answer
("between 3 and 10 Nov"), which are never settled by a guess. Every date read is said back in words.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from dateparser.date import DateDataParser
from dateutil.relativedelta import relativedelta

from handlers.knowledge.calendar import school_year_start
from handlers.knowledge.profile import Profile
from handlers.messages import Choice


class Tense(StrEnum):
    """What a date question asks about: a thing that has happened, or a date of birth."""

    PAST = "past"  # a day, or a rough one ("early October"), not after today
    BIRTH = "birth"  # a whole date, giving an age of 0 to 18


class Precision(StrEnum):
    """How much of a date was said."""

    DAY = "day"
    WEEK = "week"
    EARLY = "early"  # days 1 to 10 of a month
    MID = "mid"  # 11 to 20
    LATE = "late"  # 21 to the end
    MONTH = "month"


PRECISION_KEY = ".precision"  # answers["date_last_seen.precision"] = "early" beside answers["date_last_seen"]
HINT = "Please type the day, month and year, for example 02/05/2014 or 2 May 2014."
ROUGH_HINT = "You can type a date (02/05/2014), '3 weeks ago', 'last Tuesday', or a rough one such as 'early October'."
MAX_AGE = 18  # a child of school age or under it
QUALIFIERS = {
    Precision.EARLY: ("early", "the beginning of", "beginning of", "the start of", "start of"),
    Precision.MID: ("mid", "the middle of", "middle of"),
    Precision.LATE: ("late", "the end of", "end of"),
    Precision.WEEK: ("the week of", "week of", "w/c", "week commencing"),
}
FIRST_DAY = {Precision.EARLY: 1, Precision.MID: 11, Precision.LATE: 21, Precision.MONTH: 1}
_MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DAYS = r"mon|tue|wed|thu|fri|sat|sun"
# Text dateparser may read as a date only when it says one: a bare "5" or "y6" is not a date.
_SAYS_A_DATE = re.compile(
    rf"(?:{_MONTHS})|(?:{_DAYS})|\d{{1,4}}[/.\-]\d{{1,2}}|\d(?:st|nd|rd|th)\b"
    r"|\b(?:ago|today|yesterday|last|this|week|weeks|fortnight|month|months|days?|morning|afternoon|evening)\b"
)
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b")
# "1/2/03", "1 Feb 03": a day, a month and a two-digit year ("May 14" is the 14th of May, not 2014).
_TWO_DIGIT_YEAR = re.compile(
    rf"(?:\b\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})[a-z]*\.?,?\s+)'?(\d{{2}})$"
)
_RANGE = re.compile(
    r"^(?:between|from)?\s*(?P<a>.+?)\s*(?:-|–|\bto\b|\bor\b|\band\b|&|\buntil\b|\btill\b)\s*(?P<b>.+)$"
)
_HALF_TERM = re.compile(r"\bhalf[- ]?term\b")
# A year written out: four digits, or two at the end of a numeric date or after a month ("1/2/03", "1 Feb 03").
_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


class DateProblem(ValueError):
    """A date that can't be taken; `options` are the dates it may mean (two dates in one answer)."""

    def __init__(self, message: str, options: tuple[Choice, ...] = ()) -> None:
        super().__init__(message)
        self.options = options


@dataclass(frozen=True)
class SaidDate:
    """A date as read: the day stored, how precise it is, and what it was worked out from (half term)."""

    day: dt.date
    precision: Precision = Precision.DAY
    because: str = ""

    @property
    def words(self) -> str:
        """The date in words, as precise as it was said: 'Tuesday 17 November 2026', 'early October 2026'."""
        return in_words(self.day, self.precision)

    @property
    def echo(self) -> str:
        """The words with what they were worked out from."""
        return f"{self.words} ({self.because})" if self.because else self.words


def in_words(day: dt.date, precision: str | None = None) -> str:
    """'Tuesday 17 November 2026', 'the week of Monday 30 November 2026', 'early October 2026', 'October 2026'."""
    kind = Precision(precision or Precision.DAY)
    if kind is Precision.DAY:
        return f"{day:%A} {day.day} {day:%B %Y}"
    if kind is Precision.WEEK:
        return f"the week of {day:%A} {day.day} {day:%B %Y}"
    if kind is Precision.MONTH:
        return f"{day:%B %Y}"
    return f"{kind.value} {day:%B %Y}"


@lru_cache(maxsize=16)
def _parser(prefer: str, today: dt.date) -> DateDataParser:
    # Relative dates count from noon today where the council is, not from the server's clock.
    base = dt.datetime.combine(today, dt.time(12))
    settings = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": prefer, "RETURN_TIME_AS_PERIOD": True, "RELATIVE_BASE": base}
    return DateDataParser(languages=["en"], settings=settings)


def warm() -> None:
    """Load dateparser's English data now, so the first date someone types is not slow."""
    _parser("past", dt.date(2026, 1, 1)).get_date_data("3 weeks ago")


def read_date(
    raw: str, *, today: dt.date, tense: str | None = None, profile: Profile | None = None, rough: bool = False
) -> SaidDate:
    """The date `raw` says, or DateProblem saying what is wrong and what to type.

    `rough`: a week, a month or part of one may be taken (a question about when something happened).
    """
    text = " ".join(raw.lower().replace("\u2019", "'").split()).strip(" .!?")
    if text in ("today", "yesterday"):
        return SaidDate(today - dt.timedelta(days=1 if text == "yesterday" else 0))
    if found := _ISO.fullmatch(text):  # year first is always year, month, day: never 2026-13-01 as 13 January
        try:
            return SaidDate(dt.date(*(int(part) for part in found.groups())))
        except ValueError:
            raise DateProblem(f"I couldn't read that as a date. {HINT}") from None
    if _HALF_TERM.search(text) and tense != Tense.BIRTH:
        return _half_term(text, today, profile)
    said = _qualified(text, today, tense) or _range(text, today, tense) or _plain(text, today, tense)
    if tense == Tense.BIRTH and not (_FOUR_DIGIT_YEAR.search(text) or _TWO_DIGIT_YEAR.search(text)):
        # dateparser completes "12 March" with this year: a newborn, when the person meant a birthday.
        raise DateProblem(
            f"That date of birth has no year. Please type it with the year, for example {said.day:%d/%m}/2016, "
            "or type the child's age."
        )
    if said.precision is not Precision.DAY and not (rough and tense != Tense.BIRTH):
        raise DateProblem(f"That date is missing a part. {HINT}")
    if said.day.year < 1900:
        raise DateProblem(f"That year looks wrong. {HINT}")
    return said


def _plain(text: str, today: dt.date, tense: str | None) -> SaidDate:
    if not _SAYS_A_DATE.search(text):
        raise DateProblem(f"I couldn't read that as a date. {HINT}")
    prefer = "past" if tense else "current_period"
    data = _parser(prefer, today).get_date_data(text)
    if data.date_obj is None:
        raise DateProblem(f"I couldn't read that as a date. {HINT}")
    found = _parsed(text, data.date_obj.date(), data.period or "day")
    return _two_digit(text, found, today, tense)


def _parsed(text: str, day: dt.date, period: str) -> SaidDate:
    if period == "year":
        raise DateProblem(f"That is only a year. {ROUGH_HINT}")
    if period == "month":
        return SaidDate(day.replace(day=1), Precision.MONTH)
    if period == "week" and "ago" not in text.split():
        return SaidDate(day - dt.timedelta(days=day.weekday()), Precision.WEEK)
    return SaidDate(day)


def _two_digit(text: str, said: SaidDate, today: dt.date, tense: str | None) -> SaidDate:
    """A year typed with two digits: the century that makes sense, or (a date of birth) ask for it in full."""
    found = _TWO_DIGIT_YEAR.search(text)
    if found is None:
        return said
    short = int(found.group(1))
    if tense == Tense.BIRTH:
        fits = [
            said.day.replace(year=century + short)
            for century in (2000, 1900)
            if _safe_year(said.day, century + short)
            and 0 <= _age(said.day.replace(year=century + short), today) <= MAX_AGE
        ]
        if not fits:
            typed = f"{said.day:%d/%m}/{2000 + short}"
            raise DateProblem(
                f"A child's date of birth gives an age of 0 to {MAX_AGE}, and that year doesn't. Please type the "
                f"year in full (four digits), for example {typed}."
            )
        return SaidDate(fits[0], said.precision)
    year = 2000 + short if 2000 + short <= today.year + 1 else 1900 + short
    return SaidDate(said.day.replace(year=year), said.precision) if _safe_year(said.day, year) else said


def _safe_year(day: dt.date, year: int) -> bool:
    return not (day.month == 2 and day.day == 29) or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))


def _age(born: dt.date, today: dt.date) -> int:
    return relativedelta(today, born).years if born <= today else -1


def _qualified(text: str, today: dt.date, tense: str | None) -> SaidDate | None:
    """'early October', 'mid Nov 2025', 'the end of September', 'the week of 30 November': a rough date."""
    for precision, words in QUALIFIERS.items():
        for word in words:
            rest = re.sub(rf"^(?:in\s+)?{re.escape(word)}[\s-]+", "", text)
            if rest == text:
                continue
            inner = _plain(rest, today, tense)
            if precision is Precision.WEEK:
                return SaidDate(inner.day - dt.timedelta(days=inner.day.weekday()), Precision.WEEK)
            if inner.precision is not Precision.MONTH:
                raise DateProblem(f"'{word}' goes with a month, for example '{word} October'. {ROUGH_HINT}")
            return SaidDate(inner.day.replace(day=FIRST_DAY[precision]), precision)
    return None


def _range(text: str, today: dt.date, tense: str | None) -> SaidDate | None:
    """Two dates in one answer ("between 3 and 10 Nov", "3-10 Nov"): never a guess, ask which."""
    if _NUMERIC_DATE.fullmatch(text) or not (found := _RANGE.match(text)):
        return None
    if "ago" in text.split() and not text.startswith(("between", "from")):
        return None  # "2 or 3 weeks ago" is one rough answer dateparser can't read: refused below as unreadable
    first, second = found.group("a"), found.group("b")
    try:
        later = _plain(second, today, tense)
        tail = re.sub(r"^\d+(?:st|nd|rd|th)?\s*", "", second)
        earlier = _plain(
            first if _SAYS_A_DATE.search(first) and not first.isdigit() else f"{first} {tail}", today, tense
        )
    except DateProblem:
        return None
    options = tuple(Choice(said.day.isoformat(), said.words) for said in (earlier, later))
    raise DateProblem(
        f"That gives two dates, {earlier.words} and {later.words}. Which one? Choose one, or type a rough date "
        "such as 'early November'.",
        options,
    )


def _half_term(text: str, today: dt.date, profile: Profile | None) -> SaidDate:
    """'since half term': the last school day before the latest half-term break, from the council's term dates."""
    breaks = []
    for school_year in profile.term_dates if profile else []:
        terms = sorted(school_year.terms, key=lambda term: term.start)
        breaks += [(a.end, b.start) for a, b in zip(terms, terms[1:], strict=False) if (b.start - a.end).days <= 10]
    past = [(end, back) for end, back in breaks if back <= today]
    if not past:
        raise DateProblem(
            "I can't tell when half term was: this council's term dates for it aren't in the bot. Please type "
            "the date, for example 23/10/2026."
        )
    end, back = max(past)
    if text.startswith("after"):
        return SaidDate(back, because="the first day back after half term")
    return SaidDate(end, because="the last school day before half term")


def past_problem(said: SaidDate, today: dt.date) -> str | None:
    """What is wrong with a date after today when the question asks about the past, else None."""
    if said.day <= today:
        return None
    return (
        f"That is {said.words}, in the future. This question asks about something that has already happened: "
        "please type a date on or before today."
    )


def birth_problem(born: dt.date, today: dt.date) -> str | None:
    """What is wrong with a date of birth that gives no age of 0 to 18, else None."""
    if born > today:
        return "A date of birth can't be in the future. Please check it and type it again, for example 02/05/2014."
    age = _age(born, today)
    if age > MAX_AGE:
        return (
            f"That date of birth makes the child {age}. This is for children up to {MAX_AGE}: please check the "
            "year and type it again."
        )
    return None


# The English school year: a child born 1 September to 31 August starts Reception in the September after their
# fourth birthday, and moves up a year each September (Nursery the year before Reception).
def year_group_for(born: dt.date, today: dt.date) -> int:
    """The year group a child born on `born` is in this school year: -1 Nursery, 0 Reception, 1 to 13 Years 1 to 13."""
    return school_year_start(today) - school_year_start(born) - 5


def year_group_number(value: str) -> int | None:
    """The number of a year group's stored value ('year-6' 6, 'reception' 0, 'nursery' -1), None if not known."""
    if value == "reception":
        return 0
    if value == "nursery":
        return -1
    found = re.fullmatch(r"year-(\d+)", value or "")
    return int(found.group(1)) if found else None


def year_group_words(number: int) -> str:
    """'Year 6', 'Reception', 'Nursery'; younger or older than school years in words."""
    if number < -1:
        return "not yet in nursery"
    if number > 13:
        return "past Year 13"
    return {-1: "Nursery", 0: "Reception"}.get(number, f"Year {number}")


def year_group_value(number: int) -> str | None:
    """The stored value of year group `number`, None outside Nursery to Year 13."""
    if -1 <= number <= 13:
        return {-1: "nursery", 0: "reception"}.get(number, f"year-{number}")
    return None


def year_group_fits(born: dt.date, value: str, today: dt.date) -> bool:
    """True when a year group agrees with a date of birth: this school year's, or last year's ("is or was in")."""
    given = year_group_number(value)
    return given is None or given in (year_group_for(born, today), year_group_for(born, today) - 1)
