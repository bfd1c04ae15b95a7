"""A child's age as people type it when they don't know the date of birth: "9", "9 years old", "aged 9", "nine".

At a date of birth question a bare number is an age, never a day of the month (dateparser alone would read
"9" or "nine" as the 9th of this month). An age is a whole number of years from 0 to 18; words that give no
number ("a teenager", "primary age") are refused with what to type, never guessed.
"""

from __future__ import annotations

import re

MAX_AGE = 18  # as for a date of birth (forms/dates.py): a child of school age or under it
UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_WORDS = "|".join(sorted(UNITS, key=len, reverse=True))
_NUMBER = rf"(?P<n>\d{{1,3}}|(?:{'|'.join(TENS)})(?:[- ](?:{_WORDS}))?|{_WORDS})"
# What may come before and after the number: "she's 9", "aged about 9", "9 years old", "9yo", "9 y/o", "9 yrs".
_BEFORE = (
    r"(?:(?:she|he|they|the child|child|pupil)(?:'s| is| are|'re)\s+)?(?:aged?\s+|age:\s*)?"
    r"(?:about|around|approx\.?|approximately|roughly|maybe|probably|nearly|almost|just|c\.|~)?\s*"
)
_AFTER = r"\s*(?P<unit>years?|yrs?|y|yo|y/o|y\.o\.?|months?|mths?|mos?)?(?:\s*old)?(?:\s*-?\s*(?:ish|or so))?"
_AGE = re.compile(rf"^{_BEFORE}{_NUMBER}{_AFTER}$")
# Words that describe an age without giving one: asked for as a number, never guessed.
_VAGUE = re.compile(
    r"\b(?:teen|teens|teenager|teenaged|toddler|baby|infant|preschool(?:er)?|primary|secondary|young|older|"
    r"little|school age|school-age|adult|grown up|years? old|aged?)\b"
)
# Two ages ("9 or 10", "9-10"): one is asked for, never a guess ("9-10" might also be 9 October, with no year).
_TWO = re.compile(r"^(?:about |around )?\d{1,2}\s*(?:or|-|to|/)\s*\d{1,2}(?:\s*(?:years?|yrs?))?(?:\s*old)?$")
AGE_HINT = "Please type their age as a number, for example 9, or their date of birth, or 'not known'."


class AgeProblem(ValueError):
    """Text that is meant as an age but can't be taken; the message says why and what to type."""


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    parts = re.split(r"[- ]", word)
    if len(parts) == 1:
        return UNITS.index(word) if word in UNITS else TENS.get(word)
    tens, unit = parts
    if tens in TENS and unit in UNITS[1:10]:
        return TENS[tens] + UNITS.index(unit)
    return None


def _normal(raw: str) -> str:
    return " ".join(raw.lower().replace("\u2019", "'").split()).strip(" .!?")


def read_age(raw: str) -> int | None:
    """The age in whole years `raw` gives, None when it gives none (it may be a date); AgeProblem if it can't be.

    A number of months gives the years in them ("18 months" is 1). An age past 18, or words such as
    "a teenager", raise AgeProblem with what to type instead.
    """
    text = _normal(raw)
    if _TWO.fullmatch(text):
        raise AgeProblem(
            "That could be two ages, or a day and a month without the year. Please type one age, for example 9, "
            "or the whole date of birth, for example 02/05/2014."
        )
    found = _AGE.fullmatch(text)
    number = _number(found.group("n")) if found else None
    if found is None or number is None:
        if _VAGUE.search(text) and not re.search(r"\d", text):
            raise AgeProblem(f"I need a number for their age. {AGE_HINT}")
        return None
    if (found.group("unit") or "").startswith("m"):
        number //= 12
    if number > MAX_AGE:
        over = "over school age" if number < 100 else "not a child's age"
        raise AgeProblem(
            f"{number} is {over}: this is for children up to {MAX_AGE}. If you typed it by mistake, type their "
            "age again (for example 9), their date of birth, or 'not known'."
        )
    return number


def age_words(age: int) -> str:
    """'age 9'; 'age under 1' for a baby."""
    return "age under 1" if age == 0 else f"age {age}"
