"""A child's date of birth and year group checked against each other (the English school-year rule).

A child born 1 September to 31 August is in one school year group; a form that has both asks which is right
when they disagree, rather than storing a Year 6 born in 2019 (it would be counted so in the DfE return).
"Not known" is always allowed. The rules take the two fields' ids, so any form can use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from handlers.core import FormContext
from handlers.forms.dates import in_words, year_group_fits, year_group_for, year_group_number, year_group_value
from handlers.forms.dates import year_group_words as words
from handlers.forms.fields import Confirm
from handlers.knowledge.calendar import age_on
from handlers.messages import Choice

Rule = Callable[[Any, Mapping[str, Any], FormContext], str | None]


def _this_year(today: dt.date) -> str:
    start = today.year if today.month >= 9 else today.year - 1
    return f"this school year (September {start} to August {start + 1})"


def year_group_against(dob_field: str, age_field: str | None = None) -> Rule:
    """A rule for the year group question: a year group that the date of birth (or the age) doesn't fit is asked."""

    def rule(value: Any, answers: Mapping[str, Any], ctx: FormContext) -> str | None:
        born = answers.get(dob_field)
        if not born and age_field and isinstance(answers.get(age_field), int):
            return _group_against_age(value, answers[age_field], ctx.today)
        if not born or not isinstance(value, str) or year_group_fits(dt.date.fromisoformat(born), value, ctx.today):
            return None
        day, given = dt.date.fromisoformat(born), words(year_group_number(value) or 0)
        expected = year_group_for(day, ctx.today)
        meant = year_group_value(expected)
        raise Confirm(
            f"A child born {in_words(day)} is {_in(expected)} {_this_year(ctx.today)}, not {given}. Which is right? "
            f"Type 'yes' to keep {given}, type the right year group, or 'not known'. If the date of birth is wrong, "
            "keep going and change it at the review.",
            value=value,
            fix=f"That year group doesn't fit the date of birth ({in_words(day)}): correct one of them, or choose "
            "Not known.",
            options=(
                *((Choice(words(expected), words(expected)),) if meant else ()),
                Choice("yes", f"Keep {given}"),
                Choice("not known", "Not known"),
            ),
        )

    return rule


def dob_against(year_field: str) -> Rule:
    """A rule for the date of birth question: a date that the year group given earlier doesn't fit is asked about."""

    def rule(value: Any, answers: Mapping[str, Any], ctx: FormContext) -> str | None:
        group = answers.get(year_field)
        if not group or not isinstance(group, str) or year_group_fits(dt.date.fromisoformat(value), group, ctx.today):
            return None
        day = dt.date.fromisoformat(value)
        given = words(year_group_number(group) or 0)
        raise Confirm(
            f"A child born {in_words(day)} is {_in(year_group_for(day, ctx.today))} {_this_year(ctx.today)}, but "
            f"the year group given is {given}. Is this date of birth right? Type 'yes' to keep it, or type the date "
            "of birth again (you can change the year group at the review).",
            value=value,
            fix=f"That date of birth doesn't fit the year group ({given}): correct one of them.",
            options=(Choice("yes", "Yes, keep it"), Choice("no", "No")),
        )

    return rule


# An age and a year group (Nursery -1, Reception 0, Years 1 to 13): a Year N child is N + 4 on the 31 August
# before the school year, so N + 4 or N + 5 during it; N + 6 is a child who was in Year N last year ("is or was").
def age_fits(age: int, value: str) -> bool:
    """True when an age agrees with a year group (this school year's or last year's), or the year group is not known."""
    given = year_group_number(value)
    return given is None or given + 4 <= age <= given + 6


def groups_for_age(age: int) -> list[int]:
    """The year groups a child of `age` is in this school year (two: before and after their birthday)."""
    return [age - 5, age - 4]


def _usually(age: int) -> str:
    """'in Year 1 or Year 2', 'in Year 13 (or past Year 13)', 'not yet in nursery'."""
    groups = groups_for_age(age)
    school = [words(n) for n in groups if year_group_value(n)]
    if not school:
        return words(groups[0])
    outside = [words(n) for n in groups if not year_group_value(n)]
    return f"in {' or '.join(school)}" + (f" (or {outside[0]})" if outside else "")


def _group_against_age(value: Any, age: int, today: dt.date) -> str | None:
    if not isinstance(value, str) or age_fits(age, value):
        return None
    given = words(year_group_number(value) or 0)
    meant = [words(n) for n in groups_for_age(age) if year_group_value(n)]
    raise Confirm(
        f"A child aged {age} is usually {_usually(age)} {_this_year(today)}, not {given}. Which is right? "
        f"Type 'yes' to keep {given}, type the right year group, or 'not known'. If the age is wrong, keep going "
        "and change it at the review.",
        value=value,
        fix=f"That year group doesn't fit the age ({age}): correct one of them, or choose Not known.",
        options=(*(Choice(m, m) for m in meant), Choice("yes", f"Keep {given}"), Choice("not known", "Not known")),
    )


def age_against(year_field: str, dob_field: str) -> Rule:
    """A rule for the age: one that the year group given doesn't fit is asked about, as is one the date of birth
    contradicts (both typed on a page)."""

    def rule(value: Any, answers: Mapping[str, Any], ctx: FormContext) -> str | None:
        born = answers.get(dob_field)
        years = age_on(dt.date.fromisoformat(born), ctx.today) if born and isinstance(value, int) else None
        if years is not None and years != value:
            return (
                f"The date of birth makes the child {years}, not {value}. Correct one of them, or leave the age "
                "empty: the date of birth is enough."
            )
        group = answers.get(year_field)
        if not isinstance(group, str) or not isinstance(value, int) or age_fits(value, group):
            return None
        given = words(year_group_number(group) or 0)
        raise Confirm(
            f"A child aged {value} is usually {_usually(value)} {_this_year(ctx.today)}, but the year group "
            f"given is {given}. Is the age right? Type 'yes' to keep it, or type the age (or the date of birth) "
            "again (you can change the year group at the review).",
            value=value,
            fix=f"That age doesn't fit the year group ({given}): correct one of them.",
            options=(Choice("yes", "Yes, keep it"), Choice("no", "No")),
        )

    return rule


def _in(number: int) -> str:
    return words(number) if number < -1 or number > 13 else f"in {words(number)}"
