"""Two records of a child compared identifier by identifier, each saying what agrees or what differs.

Every comparison gives a Part: how close (Level), its weight in the score, how much doubt it adds
(matching.py offers a possible match only while the doubts add up to MAX_DOUBT or less), and the reason
twice: `text` in an officer's words, naming the names ("first names differ: Jon / Joan, one letter
apart"), and `plain` with no detail at all ("first names differ, one letter apart"), which is what is
stored and audited. The officer's words are shown only to officers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

from handlers.children import names

CONTRADICTS = 9  # doubt from a difference that rules a match out (two first names, two families)


class Level(IntEnum):
    """How two values of one identifier compare, best first."""

    SAME = 0  # identical once folded (case, accents, spaces)
    EQUIVALENT = 1  # the same written another way: a short form, a hyphen, a middle name, part of a double barrel
    NEAR = 2  # a slip or another person: one letter apart, sounding alike, an alias, a date written wrongly
    UNKNOWN = 3  # missing, "not known" or an initial on either side: neither agrees nor differs
    DIFFERENT = 4


@dataclass(frozen=True)
class Part:
    """One identifier compared: its level, score value (0..1, None: left out), doubt, and the reason."""

    level: Level
    value: float | None
    doubt: int
    text: str = ""  # for officers: may name the names
    plain: str = ""  # no child detail

    @property
    def agrees(self) -> bool:
        """True when the two values are the same or the same written another way."""
        return self.level <= Level.EQUIVALENT


def _part(level: Level, value: float | None, doubt: int, text: str, plain: str | None = None) -> Part:
    return Part(level, value, doubt, text, text if plain is None else plain)


def _side(new_known: bool) -> str:
    return "on the known record" if new_known else "on the new referral"


def _first_words(value: str | None) -> list[str]:
    return [word for word in names.meaningful(value).split() if len(word) > 1]


def first_names(new: str | None, known: str | None, known_aliases: str | None = None) -> Part:
    """The first names: the same, a short form or a middle name more (agree); a slip (near); or two names."""
    mine, theirs = _first_words(new), _first_words(known)
    if not mine or not theirs:
        letters = (names.initial(new) or "".join(mine[:1])[:1], names.initial(known) or "".join(theirs[:1])[:1])
        if all(letters) and letters[0] != letters[1]:
            return _part(Level.DIFFERENT, 0.0, CONTRADICTS, "first initials differ")
        where = "on either record" if not mine and not theirs else _side(bool(mine))
        return _part(Level.UNKNOWN, 0.5, 1, f"first name not known {where} (or only an initial)")
    shown = f"{new} / {known}"
    if " ".join(mine) == " ".join(theirs):
        return _part(Level.SAME, 1.0, 0, "same first name")
    if names.joined(new) == names.joined(known):
        return _part(Level.EQUIVALENT, 0.95, 0, f"same first name, written differently ({shown})",
                     "same first name, written differently")  # fmt: skip
    if mine[0] == theirs[0]:
        if len(mine) > 1 and len(theirs) > 1:
            return _part(Level.NEAR, 0.8, 1, f"middle names differ ({shown})", "middle names differ")
        return _part(Level.EQUIVALENT, 0.95, 0, f"same first name, a middle name on one only ({shown})",
                     "same first name, a middle name on one only")  # fmt: skip
    if names.same_short_form(mine[0], theirs[0]):
        return _part(Level.EQUIVALENT, 0.95, 0, f"first names agree: {shown} are forms of one name",
                     "first names agree: forms of one name")  # fmt: skip
    aliases = [word for alias in _aliases(known_aliases) for word in _first_words(alias)[:1]]
    if mine[0] in aliases:
        return _part(Level.EQUIVALENT, 0.95, 0, f"first name is one the child is also known by ({new})",
                     "first name is one the child is also known by")  # fmt: skip
    if mine[0] in theirs or theirs[0] in mine:
        return _part(Level.NEAR, 0.8, 1, f"first name is one of the other's names ({shown})",
                     "first name is one of the other's names")  # fmt: skip
    how = names.slip(mine[0], theirs[0])
    if how:
        return _part(Level.NEAR, 0.8, 1, f"first names differ: {shown}, {how}", f"first names differ, {how}")
    short, long = sorted((mine[0], theirs[0]), key=len)
    if len(short) >= 3 and long.startswith(short):  # Zeph for Zephyrine: a short form the table doesn't know
        return _part(Level.NEAR, 0.8, 1, f"first name may be a short form of the other ({shown})",
                     "first name may be a short form of the other")  # fmt: skip
    return _part(Level.DIFFERENT, 0.0, CONTRADICTS, f"first names differ: {shown}", "first names differ")


def _aliases(value: str | None) -> list[str]:
    return [alias for alias in (value or "").replace(";", ",").split(",") if alias.strip()]


def surnames(
    new: str | None, known: str | None, new_aliases: str | None = None, known_aliases: str | None = None
) -> Part:
    """The surnames: the same, written differently or one part of a double barrel (agree); a slip or alias; two."""
    mine, theirs = names.surname_key(new), names.surname_key(known)
    if not mine or not theirs:
        where = "on either record" if not mine and not theirs else _side(bool(mine))
        return _part(Level.UNKNOWN, 0.5, 1, f"surname not known {where}")
    shown = f"{new} / {known}"
    if mine == theirs:
        if names.fold(new) == names.fold(known):
            return _part(Level.SAME, 1.0, 0, "same surname")
        return _part(Level.EQUIVALENT, 0.95, 0, f"same surname, written differently ({shown})",
                     "same surname, written differently")  # fmt: skip
    parts_a, parts_b = set(names.parts(new)), set(names.parts(known))
    if len(parts_a) != len(parts_b) and parts_a & parts_b:
        return _part(Level.EQUIVALENT, 0.95, 0, f"one part of a double-barrelled surname ({shown})",
                     "one part of a double-barrelled surname")  # fmt: skip
    how = names.slip(mine, theirs)
    if how:
        return _part(Level.NEAR, 0.8, 1, f"surnames differ: {shown}, {how}", f"surnames differ, {how}")
    if _in_aliases(new, known_aliases) or _in_aliases(known, new_aliases):
        text = f"the surname may have changed: {new} / {known}, the other given as another name"
        return _part(Level.NEAR, 0.8, 1, text, "the surname may have changed: the other is given as another name")
    return _part(Level.DIFFERENT, 0.0, CONTRADICTS, f"surnames differ: {shown}", "surnames differ")


def _in_aliases(surname: str | None, aliases: str | None) -> bool:
    wanted = names.surname_key(surname)
    words = (word for alias in _aliases(aliases) for word in alias.split())
    return bool(wanted) and any(names.surname_key(word) == wanted for word in words)


def swapped_names(new: dict, known) -> Part | None:
    """First name and surname given the other way round (common with Chinese, Arabic and Polish names), or None."""
    first, last = names.surname_key(new.get("forenames")), names.surname_key(new.get("surname"))
    their_first, their_last = names.surname_key(known.forenames), names.surname_key(known.surname)
    if not (first and last and their_first and their_last) or first == last:
        return None
    if (first, last) != (their_last, their_first):
        return None
    shown = f"{new.get('forenames')} {new.get('surname')} / {known.forenames} {known.surname}"
    return _part(Level.NEAR, 0.9, 1, f"first name and surname swapped ({shown})", "first name and surname swapped")


def swapped(day: dt.date | None) -> dt.date | None:
    """The date with day and month swapped, when that is another real date."""
    if day is None or day.day > 12 or day.day == day.month:
        return None
    return dt.date(day.year, day.day, day.month)


def leap_slips(day: dt.date | None) -> list[dt.date]:
    """The dates a 29 February birthday is recorded as (1 March, 28 February), and back."""
    if day is None:
        return []
    if (day.month, day.day) == (2, 29):
        return [dt.date(day.year, 3, 1), dt.date(day.year, 2, 28)]
    if (day.month, day.day) in ((3, 1), (2, 28)) and _leap(day.year):
        return [dt.date(day.year, 2, 29)]
    return []


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def dates_of_birth(new: dt.date | None, known: dt.date | None) -> Part:
    """The dates of birth: the same; a slip (day and month swapped, 29 February); how far apart they are."""
    if new is None or known is None:
        where = "on either record" if new is None and known is None else _side(new is not None)
        return _part(Level.UNKNOWN, 0.5, 1, f"date of birth not known {where}")
    if new == known:
        return _part(Level.SAME, 1.0, 0, "same date of birth")
    if swapped(new) == known:
        return _part(Level.NEAR, 0.8, 1, "dates of birth differ: day and month swapped")
    if known in leap_slips(new):
        other = known if (new.month, new.day) == (2, 29) else new
        return _part(Level.NEAR, 0.9, 1, f"dates of birth differ: 29 February recorded as {other:%-d %B}")
    return _far(new, known)


def _far(new: dt.date, known: dt.date) -> Part:
    years = abs(new.year - known.year)
    if (new.month, new.day) == (known.month, known.day):
        words = "a year apart" if years == 1 else f"{years} years apart"
        doubt = 2 if years == 1 else CONTRADICTS  # a year typed wrongly, or brothers and sisters
        return _part(Level.NEAR if years == 1 else Level.DIFFERENT, 0.4 if years == 1 else 0.0, doubt,
                     f"dates of birth {words}")  # fmt: skip
    days = abs((new - known).days)
    if (new.year, new.month) == (known.year, known.month):
        return _part(Level.NEAR, 0.4, 2, f"dates of birth {days} days apart (same month and year)")
    months = round(days / 30.44)
    words = f"{days} days" if days < 45 else f"{months} months" if months < 24 else f"{round(days / 365.25)} years"
    return _part(Level.DIFFERENT, 0.0, CONTRADICTS, f"dates of birth {words} apart")


def postcodes(new: str | None, known: str | None) -> Part:
    """The postcodes: the same supports a match; different ones are said (children missing education move)."""
    if not new or not known:
        return _part(Level.UNKNOWN, None, 0, "")
    if new == known:
        return _part(Level.SAME, 1.0, 0, "same postcode")
    return _part(Level.DIFFERENT, None, 0, "postcodes differ (the child may have moved)")


def sexes(new: str | None, known: str | None) -> Part:
    """Female against male: two doubts (with a name a slip apart too, two children); 'other' says nothing."""
    told = {"female", "male"}
    if new in told and known in told and new != known:
        return _part(Level.DIFFERENT, None, 2, f"recorded as {new} on the new referral and {known} on the known record",
                     "recorded as a different sex")  # fmt: skip
    return _part(Level.UNKNOWN, None, 0, "")


def upns(new: str | None, known: str | None) -> Part:
    """The same UPN is the same pupil; two UPNs are two pupils or a mistake (never an automatic merge)."""
    if not new or not known:
        return _part(Level.UNKNOWN, None, 0, "")
    if new == known:
        return _part(Level.SAME, None, 0, "same UPN")
    return _part(Level.DIFFERENT, None, 1, "UPNs differ")
