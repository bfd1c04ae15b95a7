"""The school's register notices as forms: a deletion return and a new pupil return (SI 2024/208 reg 13).

The pupil's and the parents' questions are the referral's own fields (same ids, same checks), so a deletion
that opens a case carries its answers straight into the referral intake. The ground is a choice of the
regulation 9 grounds from the bundled data (handlers/knowledge/data/reg9_grounds.yaml); the deletion date
may be ahead of today only as far as the ground allows, and a ground that means another school has the pupil
needs that school named. The same specs run as a chat, a Slack modal and a Teams card.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from handlers.core import FormContext
from handlers.forms.fields import Kind
from handlers.forms.identifiers import meaningful_text
from handlers.forms.spec import Answers, Decision, Field, FormSpec, Interjection, Section
from handlers.knowledge.councils import find
from handlers.knowledge.registers import ground, grounds
from handlers.messages import Choice, Reply, ReplyKind
from handlers.referral.form import REFERRAL
from handlers.referral.sections import GENDERS

DELETION_FORM, NEW_PUPIL_FORM = "school-deletion", "school-new-pupil"
URN = re.compile(r"[0-9]{6,7}", re.ASCII)
OLDEST_DAYS = 366  # a return is due as soon as the ground is met: an older date is almost certainly a typo


def _urn(value: Any, ctx: FormContext) -> str | None:
    if URN.fullmatch(str(value).strip()):
        return None
    return "A URN is the school's 6-digit number on Get Information about Schools, for example 105312. Type it again."


def _council(value: Any, ctx: FormContext) -> str | None:
    found = find(str(value))
    if found.council is not None:
        return None
    if found.candidates:
        names = "; ".join(c.label for c in found.candidates)
        return f"{found.note or 'Which council?'} Did you mean: {names}? Type the name or the three-digit code."
    return "That isn't an English council I know. Type its name or three-digit DfE LA code (383 for Leeds), or skip."


def _not_ahead(value: str, ctx: FormContext) -> str | None:
    day = dt.date.fromisoformat(value)
    if day > ctx.today:
        return "That date is in the future. A new pupil is added on or after the day they are admitted: type that day."
    if (ctx.today - day).days > OLDEST_DAYS:
        return "That date is more than a year ago. Please check the year and type it again."
    return None


def _deletion_date(value: str, answers: Answers, ctx: FormContext) -> str | None:
    """The deletion may be dated ahead of today only as far as the ground allows (reg 13(4): no later than it)."""
    day, chosen = dt.date.fromisoformat(value), ground(answers.get("reg9_ground"))
    if (ctx.today - day).days > OLDEST_DAYS:
        return "That date is more than a year ago. Please check the year and type it again."
    if chosen is None or day <= ctx.today + dt.timedelta(days=chosen.ahead_days):
        return None
    if chosen.ahead_days == 0:
        return (
            f"Ground ({chosen.code}) has to be met already, so the deletion can't be dated in the future. Send "
            "the return when the ground is met: type the date the pupil comes off roll (today or earlier)."
        )
    latest = ctx.today + dt.timedelta(days=chosen.ahead_days)
    return f"Ground ({chosen.code}) allows a deletion up to {latest:%-d %B %Y}. Type a date on or before then."


def _new_school_named(value: str, answers: Answers) -> str | None:
    chosen = ground(value)
    if chosen is None or not chosen.new_school or answers.get("new_school"):
        return None
    return (
        f"Ground ({chosen.code}) means another school has the pupil, so the return must name it, and the new "
        "school was left out. Give its name (type 'back' in a chat, or go back a page in the form), or choose "
        "the ground that applies."
    )


def _from_referral(field_id: str, **changes: Any) -> Field:
    """The referral's own question, reworded for a school's return where needed (same id, same checks)."""
    return dataclasses.replace(REFERRAL.field(field_id), **changes)


def _ground_note(field_id: str, answers: dict[str, Any], ctx: FormContext, meta: dict[str, Any]) -> Interjection | None:
    """What the school must know before using a ground (a special school placement needs the council's consent)."""
    chosen = ground(answers.get("reg9_ground")) if field_id == "reg9_ground" else None
    if chosen is None or not chosen.note:
        return None
    return Interjection([Reply(chosen.note, kind=ReplyKind.INFO, title=f"Ground ({chosen.code})")])


JUNIOR_CLASS = "junior-class-exempt"
EXEMPT_TEXT = (
    "Stopped. Nothing was sent: a pupil who joined your school's most junior class on the first day of the school "
    "year needs no new pupil return unless the council asks for one (regulation 13(2) of the 2024 Registration "
    "Regulations)."
)


def _first_day_of_year(day: dt.date, ctx: FormContext) -> bool:
    """True when `day` is the first day of the school year (the profile's term dates; else early September)."""
    first = ctx.profile.autumn_term_start(day.year) if day.month >= 8 else None
    return day == first if first is not None else (day.month == 9 and day.day <= 7)


def _junior_class(
    field_id: str, answers: dict[str, Any], ctx: FormContext, meta: dict[str, Any]
) -> Interjection | None:
    """Reg 13(2): no return for a pupil joining the most junior class on the first day of the year; ask, once."""
    if field_id != "admission_date" or meta.get(JUNIOR_CLASS):
        return None
    if not _first_day_of_year(dt.date.fromisoformat(answers["admission_date"]), ctx):
        return None
    decision = Decision(
        JUNIOR_CLASS,
        "Did the pupil join your school's most junior class (for example Reception, or Year 7 at a secondary "
        "school) on the first day of the school year? If so, you need not send this return unless the council "
        "has asked for it.",
        (Choice("stop", "Yes: no return needed"), Choice("continue", "No, or the council asked: carry on")),
        stop_on="stop",
        stop_text=EXEMPT_TEXT,
    )
    return Interjection([], decision=decision, meta={JUNIOR_CLASS: True})


GROUND_CHOICES = tuple(Choice(g.code, g.label) for g in grounds())
SCHOOL = Section("school", "Your school", (
    Field("school_name", Kind.TEXT, "Your school's name?", checks=(meaningful_text,), review_label="School"),
    Field("school_urn", Kind.TEXT, "Your school's URN (its 6-digit unique reference number)?", checks=(_urn,),
          review_label="School URN"),
))  # fmt: skip
PUPIL = Section("pupil", "The pupil", (
    _from_referral("child_forenames", label="The pupil's first name (or names)?"),
    _from_referral("child_surname", label="The pupil's surname?"),
    _from_referral("child_dob", label="The pupil's date of birth?", required=True, or_age=None),  # a school knows it
    _from_referral("child_gender", label="The pupil's sex, as on the admission register?", required=True,
                   choices=GENDERS),
    _from_referral("child_year_group", when=None),  # the referral asks it only with more detail
    _from_referral("child_upn"),
    _from_referral("child_address", label="The pupil's address?", required=True),
    _from_referral("child_postcode"),
))  # fmt: skip
PARENTS = Section("parents", "Parents", (
    _from_referral("parent_names", label="The parents the pupil normally lives with: their names?", required=True),
    _from_referral("parent_address"),
    _from_referral("parent_phone", label="At least one emergency phone number for a parent?", required=True),
))  # fmt: skip
DESTINATION = Section("destination", "Where the pupil is going (if known)", (
    _from_referral("new_address", label="The pupil's future address, if known?", when=None),
    _from_referral("new_school", label="The new school, if known?", when=None),
    Field("new_school_urn", Kind.TEXT, "The new school's URN, if known?", required=False, checks=(_urn,),
          review_label="New school URN"),
    Field("new_school_council", Kind.TEXT, "Which council is the new school in (its name or DfE LA code)?",
          required=False, checks=(_council,), help="Skip it if you don't know.", review_label="New school's council"),
    _from_referral("new_start_date", when=None),
))  # fmt: skip
DELETION = Section("deletion", "The deletion", (
    Field("reg9_ground", Kind.CHOICE, "Which regulation 9 ground (2024 Registration Regulations) applies?",
          choices=GROUND_CHOICES, numbered=False, against=(_new_school_named,),
          help="Type its letter, for example i.", review_label="Regulation 9 ground"),
    Field("deletion_date", Kind.DATE, "The date the pupil comes (or came) off roll?", rules=(_deletion_date,),
          review_label="Date of deletion"),
    _from_referral("date_last_attended", label="The date the pupil last attended?"),
))  # fmt: skip
YOU = Section("you", "You (the designated person)", (
    _from_referral("referrer_name"),
    _from_referral("referrer_role", label="Your role (for example designated safeguarding lead, attendance officer)?"),
    _from_referral("referrer_phone"),
    _from_referral("referrer_email"),
))  # fmt: skip
ADMISSION = Section("admission", "The admission", (
    Field("admission_date", Kind.DATE, "The date the pupil was admitted (added to your register)?",
          checks=(_not_ahead,), review_label="Date admitted"),
    Field("previous_school", Kind.TEXT, "The pupil's previous school, if known?", required=False,
          checks=(meaningful_text,), review_label="Previous school"),
))  # fmt: skip

DELETION_SPEC = FormSpec(
    id=DELETION_FORM,
    title="Deletion return: a pupil leaving your roll",
    intro=(
        "The deletion return a school sends the council (regulation 13 of the 2024 Registration Regulations): "
        "the pupil, the parents, where the pupil is going if you know, and the ground. Nothing is sent until "
        "you check and submit it. If you think the child is at risk of harm, contact MASH now as well."
    ),
    sections=(SCHOOL, PUPIL, PARENTS, DESTINATION, DELETION, YOU),
    after_answer=_ground_note,
)
NEW_PUPIL_SPEC = FormSpec(
    id=NEW_PUPIL_FORM,
    title="New pupil return",
    intro=(
        "The new pupil return (regulation 13 of the 2024 Registration Regulations): due by the end of the fifth "
        "day after you add a pupil to your admission register. None is needed for a pupil joining your most "
        "junior class on the first day of the school year, unless the council asks. Nothing is sent until you "
        "check and submit it."
    ),
    sections=(SCHOOL, PUPIL, PARENTS, ADMISSION, YOU),
    after_answer=_junior_class,
)
