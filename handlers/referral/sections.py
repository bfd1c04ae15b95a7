"""The CME referral form's sections and fields (cme-domain.md section 9), as data.

Order matters: the child's identity, then the situation questions that triage needs, then the
safety screen, so a child in danger is signposted before anything else is asked.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from handlers.core import FormContext
from handlers.forms.fields import Kind
from handlers.forms.spec import Field, Section
from handlers.knowledge.harm import HARM_INDICATORS
from handlers.messages import Choice

FORM_ID = "cme-referral"
YES_NO_UNKNOWN = (Choice("yes", "Yes"), Choice("no", "No"), Choice("unknown", "Not known"))
NO_HARM = "none"
HOME_EDUCATION = (
    Choice("no", "No"),
    Choice("suitable", "Yes, and it seems suitable"),
    Choice("unsuitable", "Yes, but it seems unsuitable"),
    Choice("not-assessed", "Yes, not yet assessed"),
    Choice("unknown", "Not known"),
)
REASONS = (
    Choice("contact-failed", "The family can't be contacted"),
    Choice("moved-unknown", "Moved away, destination unknown"),
    Choice("place-not-taken", "Didn't take up an allocated school place"),
    Choice("awaiting-place", "Waiting for a school place"),
    Choice("ehe-unsuitable", "Home education may be unsuitable"),
    Choice("deleted-reg9", "Taken off a school roll (regulation 9 deletion)"),
    Choice("other", "Something else"),
)
# The School Attendance (Pupil Registration) (England) Regulations 2024, reg 9 grounds (a) to (o).
REG9_GROUNDS = tuple(Choice(g, f"Ground ({g})") for g in "abcdefghijklmno")
FLAGS = (
    Choice("looked-after", "Looked after"),
    Choice("social-care", "Known to social care"),
    Choice("cp-cin", "Child protection plan or child in need"),
    Choice("sen", "SEN or EHCP"),
    Choice("traveller", "Gypsy, Roma or Traveller"),
    Choice("private-fostering", "Privately fostered"),
    Choice("non-attendance", "History of non-attendance"),
    Choice("none", "None of these"),
)
GENDERS = (
    Choice("female", "Female"),
    Choice("male", "Male"),
    Choice("other", "Other"),
    Choice("not-known", "Not known"),
)
S2S = (Choice("posted", "Yes"), Choice("not-posted", "No"), Choice("unknown", "Not known"))
MASH_CONTACT = (Choice("yes", "Yes, I have"), Choice("not-yet", "Not yet"))


def _past(value: str, ctx: FormContext) -> str | None:
    if dt.date.fromisoformat(value) > ctx.today:
        return "That date is in the future. Please type a date on or before today."
    return None


def _plausible_dob(value: str, ctx: FormContext) -> str | None:
    born = dt.date.fromisoformat(value)
    if born > ctx.today:
        return "A date of birth can't be in the future. Please check it and type it again, for example 02/05/2014."
    if born < ctx.today.replace(year=ctx.today.year - 25, day=min(ctx.today.day, 28)):
        return "That date of birth makes the child over 25. Please check the year and type it again."
    return None


def _is(field_id: str, *values: Any):
    return lambda answers: answers.get(field_id) in values


def _not_on_roll_or_home_educated(answers: dict[str, Any]) -> bool:
    return answers.get("on_roll") != "yes" and answers.get("home_educated") in ("no", "unknown")


def harm_flagged(answers: dict[str, Any]) -> bool:
    """True when the harm screen has any yes."""
    indicators = answers.get("harm_indicators") or []
    return bool(answers.get("immediate_danger")) or any(v != NO_HARM for v in indicators)


ask = Field  # a required question
opt = partial(Field, required=False)  # an optional one ("skip")

# fmt: off
CHILD = Section("child", "The child", (
    ask("child_forenames", Kind.TEXT, "What is the child's first name (or names)?", review_label="First name(s)"),
    ask("child_surname", Kind.TEXT, "What is the child's surname?", review_label="Surname"),
    opt("child_dob", Kind.DATE, "What is the child's date of birth?", checks=(_plausible_dob,),
        help="It tells whether the child is of compulsory school age.", review_label="Date of birth"),
    ask("missing_from_home", Kind.YES_NO, "Is the child missing from home or care right now (whereabouts unknown, "
        "out of character)?", review_label="Missing from home or care"),
    ask("on_roll", Kind.CHOICE, "Is the child on a school roll (registered at a school) now?", choices=YES_NO_UNKNOWN,
        review_label="On a school roll"),
    ask("home_educated", Kind.CHOICE, "Is the child being educated at home (elective home education)?",
        choices=HOME_EDUCATION, when=lambda a: a.get("on_roll") != "yes", review_label="Home educated"),
    ask("awaiting_place", Kind.YES_NO, "Is the child waiting for a school place, or offered one and not started?",
        when=_not_on_roll_or_home_educated, review_label="Awaiting a school place"),
    ask("other_provision", Kind.YES_NO, "Is the child getting education somewhere else (alternative provision, a "
        "tutor arranged by the council)?", when=_not_on_roll_or_home_educated, review_label="Other provision"),
    opt("child_aliases", Kind.TEXT, "Is the child known by any other names?", review_label="Other names"),
    opt("child_gender", Kind.CHOICE, "The child's gender?", choices=GENDERS, review_label="Gender"),
    opt("child_upn", Kind.TEXT, "The child's UPN (unique pupil number), if you have it?", review_label="UPN"),
    opt("child_year_group", Kind.TEXT, "Which year group is (or was) the child in?", review_label="Year group"),
    opt("child_address", Kind.LONG_TEXT, "The child's current address, as far as you know?", review_label="Address"),
    opt("child_postcode", Kind.POSTCODE, "The postcode of that address?", review_label="Postcode"),
    opt("child_previous_addresses", Kind.LONG_TEXT, "Any previous or other addresses?",
        review_label="Previous addresses"),
))

HARM = Section("harm", "Safety", (
    ask("immediate_danger", Kind.YES_NO, "Is the child in immediate danger right now?",
        review_label="In immediate danger"),
    ask("harm_indicators", Kind.MULTI_CHOICE, "Are you worried about any of these for the child?",
        choices=(*HARM_INDICATORS, Choice(NO_HARM, "None of these")), none_choice=NO_HARM,
        review_label="Harm concerns"),
))

MASH = Section("mash", "Contacting MASH", (
    ask("mash_contacted", Kind.CHOICE, "Have you contacted MASH (or the police) about this child?",
        choices=MASH_CONTACT, when=harm_flagged, review_label="Contacted MASH or police"),
))

PARENTS = Section("parents", "Parents and carers", (
    opt("parent_names", Kind.TEXT, "The names of the child's parents or carers?", review_label="Parents or carers"),
    opt("parent_address", Kind.LONG_TEXT, "Their address, if different from the child's?",
        review_label="Their address"),
    opt("parent_phone", Kind.PHONE, "A phone number for a parent or carer (an emergency number if you have one)?",
        review_label="Their phone"),
    opt("parent_email", Kind.EMAIL, "An email address for a parent or carer?", review_label="Their email"),
    opt("siblings", Kind.LONG_TEXT, "Any brothers or sisters, and their schools?", review_label="Siblings and schools"),
    opt("family_contacts", Kind.LONG_TEXT, "Any other family contacts?", review_label="Other family contacts"),
))

SCHOOL = Section("school", "School", (
    opt("school_name", Kind.TEXT, "The child's current or last school?", review_label="Current or last school"),
    opt("date_last_attended", Kind.DATE, "When did the child last attend school?", checks=(_past,),
        review_label="Last attended"),
    opt("date_last_seen", Kind.DATE, "When was the child last seen by anyone you know of?", checks=(_past,),
        review_label="Last seen"),
    opt("s2s_status", Kind.CHOICE, "Has the child been put on School2School (S2S) or sent a CTF?", choices=S2S,
        review_label="S2S / CTF"),
))

REASON = Section("reason", "The concern", (
    ask("reason", Kind.CHOICE, "What is the main reason for your concern?", choices=REASONS, review_label="Reason"),
    ask("reg9_ground", Kind.CHOICE, "Which regulation 9 ground was used (2024 Registration Regulations)?",
        choices=REG9_GROUNDS, when=_is("reason", "deleted-reg9"), review_label="Regulation 9 ground"),
    ask("destination_known", Kind.YES_NO, "Do you know where the child has gone (new address or school)?",
        review_label="Destination known"),
    opt("new_address", Kind.LONG_TEXT, "The new address?", when=_is("destination_known", True),
        review_label="New address"),
    opt("new_school", Kind.TEXT, "The new school?", when=_is("destination_known", True), review_label="New school"),
    opt("new_start_date", Kind.DATE, "The start date at the new school?", when=_is("destination_known", True),
        review_label="New school start"),
    opt("flags", Kind.MULTI_CHOICE, "Do any of these apply to the child?", choices=FLAGS, none_choice="none",
        review_label="Flags"),
    opt("details", Kind.LONG_TEXT, "Anything else the CME officer should know?", review_label="Other details"),
))

REFERRER = Section("referrer", "About you", (
    ask("referrer_name", Kind.TEXT, "Your name?", prefill=lambda who: who.display_name, review_label="Your name",
        record_label="Referrer's name"),
    ask("referrer_role", Kind.TEXT, "Your role (for example class teacher, health visitor)?",
        review_label="Your role", record_label="Referrer's role"),
    ask("referrer_agency", Kind.TEXT, "Your organisation or team?", review_label="Your organisation",
        record_label="Referrer's organisation"),
    opt("referrer_phone", Kind.PHONE, "A phone number the CME officer can reach you on?",
        prefill=lambda who: who.phone, review_label="Your phone", record_label="Referrer's phone"),
    opt("referrer_email", Kind.EMAIL, "Your work email?", prefill=lambda who: who.email, review_label="Your email",
        record_label="Referrer's email"),
))
# fmt: on
