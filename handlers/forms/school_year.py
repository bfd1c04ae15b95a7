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
from handlers.messages import Choice

Rule = Callable[[Any, Mapping[str, Any], FormContext], str | None]


def _this_year(today: dt.date) -> str:
    start = today.year if today.month >= 9 else today.year - 1
    return f"this school year (September {start} to August {start + 1})"


def year_group_against(dob_field: str) -> Rule:
    """A rule for the year group question: a year group that the date of birth doesn't fit is asked about."""

    def rule(value: Any, answers: Mapping[str, Any], ctx: FormContext) -> str | None:
        born = answers.get(dob_field)
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


def _in(number: int) -> str:
    return words(number) if number < -1 or number > 13 else f"in {words(number)}"
