"""The CME referral form's sections and fields (cme-domain.md section 9), as data.

Order matters: the child's identity, then the situation questions that triage needs, then the
safety screen, so a child in danger is signposted before anything else is asked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from functools import partial
from typing import Any

from handlers.core import FormContext
from handlers.forms.dates import Tense
from handlers.forms.fields import NOT_KNOWN, Invalid, Kind, parse_email, parse_phone
from handlers.forms.identifiers import meaningful_text
from handlers.forms.school_year import age_against, dob_against, year_group_against
from handlers.forms.spec import Answers, Field, Section
from handlers.knowledge.harm import HARM_INDICATORS
from handlers.messages import Choice, Identity

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
# Year groups in England, Nursery to Year 13 (sixth form), as a school records them.
YEAR_GROUPS = (
    Choice("nursery", "Nursery"),
    Choice("reception", "Reception"),
    *(Choice(f"year-{n}", f"Year {n}") for n in range(1, 14)),
    Choice("not-known", "Not known"),
)
# The ways staff write a year group, spaces removed: "Y7", "yr 7", "year7", a bare "7", "R", "N".
YEAR_GROUP_SYNONYMS = {
    **{f"{prefix}{n}": f"year-{n}" for n in range(1, 14) for prefix in ("", "y", "yr", "year", "yeargroup")},
    **dict.fromkeys(("r", "rec", "y0", "year0", "f2", "fs2"), "reception"),
    **dict.fromkeys(("n", "nur", "nurs", "f1", "fs1", "preschool"), "nursery"),
}
S2S = (Choice("posted", "Yes"), Choice("not-posted", "No"), Choice("unknown", "Not known"))
MASH_CONTACT = (Choice("yes", "Yes, I have"), Choice("not-yet", "Not yet"))
SEND_NOW, MORE = "send", "more"
NEXT_STEPS = (Choice(SEND_NOW, "Send now"), Choice(MORE, "Add more detail now"))
# How long a person takes (issue 21's figures): a typed answer, a choice, the review at the end.
TYPED_SECONDS, CHOICE_SECONDS, REVIEW_SECONDS = 20, 10, 30


def _past(value: str, ctx: FormContext) -> str | None:
    if dt.date.fromisoformat(value) > ctx.today:
        return "That date is in the future. Please type a date on or before today."
    return None


# Dates in the child's life, with how a message names them; none can be before the child was born.
LIFE_DATES = {
    "date_last_attended": "the date the child last attended school",
    "date_last_seen": "the date the child was last seen",
    "new_start_date": "the start date at the new school",
}


def _after_birth(field_id: str):
    def check(value: str, answers: Answers) -> str | None:
        born = answers.get("child_dob")
        if born and dt.date.fromisoformat(value) < dt.date.fromisoformat(born):
            return (
                f"That is before the child's date of birth, and {LIFE_DATES[field_id]} can't be. Please check it and "
                "type it again (you can change the date of birth at the review)."
            )
        return None

    return check


def _before_life_dates(value: str, answers: Answers) -> str | None:
    born = dt.date.fromisoformat(value)
    given = {key: answers.get(key) for key in LIFE_DATES}
    later = [LIFE_DATES[key] for key, day in given.items() if day and dt.date.fromisoformat(day) < born]
    if later:
        return (
            f"That date of birth is after {later[0]}, which you gave earlier. Please check it and type it again "
            "(you can change the other date at the review)."
        )
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


def danger_not_known(answers: Answers) -> bool:
    """True when the person doesn't know whether the child is in immediate danger."""
    return answers.get("immediate_danger") == NOT_KNOWN


def harm_flagged(answers: Answers) -> bool:
    """True when the harm screen has any yes, or immediate danger is not known (treated as a harm flag)."""
    indicators = answers.get("harm_indicators") or []
    # `is True`: older drafts hold booleans, newer ones may hold NOT_KNOWN, a truthy string.
    return answers.get("immediate_danger") is True or danger_not_known(answers) or any(v != NO_HARM for v in indicators)


def _reachable(value: str, ctx: FormContext) -> str | None:
    """A way to reach the reporter holds an email address or a phone number."""
    words = [w for w in value.split() if "@" in w] + re.split(r",|;|/| or ", value)
    for word in (w.strip(" .,;") for w in words):
        with contextlib.suppress(Invalid):
            if word:
                parse_email(word) if "@" in word else parse_phone(word)
                return None
    return "Please type a phone number with its area code, or an email address, so the CME officer can reach you."


def _contact_of(who: Identity) -> str | None:
    return ", ".join(part for part in (who.email, who.phone) if part) or None


def _year_group_asked(answers: Answers) -> bool:
    # In the quick report only when neither the date of birth nor the age is known (either places the child for
    # triage); with more detail, always (the DfE return counts year groups, and an age fits two of them);
    # and once given (both typed on a page): it stays, to be checked against the date of birth or the age.
    given = answers.get("child_year_group") not in (None, "")
    placed = bool(answers.get("child_dob")) or answers.get("child_age") is not None
    return not placed or answers.get("next_step") == MORE or given


def detail(section_id: str, title: str, fields: tuple[Field, ...]) -> Section:
    """A section of the rest of the form: asked only when the reporter adds more detail now."""
    return Section(section_id, title, fields, when=wants_detail, part="detail")


def wants_detail(answers: Answers) -> bool:
    """True unless the reporter chose "Send now" (reports from before the quick report have every detail)."""
    return answers.get("next_step") != SEND_NOW


def sent_quick(answers: Answers) -> bool:
    """True when the reporter sent the essentials only."""
    return answers.get("next_step") == SEND_NOW


ask = Field  # a required question
opt = partial(Field, required=False)  # an optional one ("skip")
unsure = partial(Field, kind=Kind.YES_NO, not_known=True)  # a required yes/no a practitioner may not know

# fmt: off
# The quick report (part "quick"): what the CME officer needs before anything else, harm first of all.
DANGER = Section("danger", "Safety now", (
    unsure("immediate_danger", label="Is the child in danger right now?",
        help="If yes, or you don't know, I'll show you who to call straight away.",
        review_label="In immediate danger"),
), part="quick")

MASH = Section("mash", "Contacting MASH", (
    ask("mash_contacted", Kind.CHOICE, "Have you contacted MASH (or the police) about this child?",
        choices=MASH_CONTACT, when=harm_flagged, review_label="Contacted MASH or police"),
), part="quick")

# The child's age, when the date of birth is not known: typed at the date of birth question in a chat, its own
# box on a page (a date picker can't take "9"). Stored as an age, never turned into a made-up date of birth.
CHILD_AGE = opt("child_age", Kind.AGE, "If you don't know the date of birth: the child's age?", chat=False,
    rules=(age_against("child_year_group", "child_dob"),),
    help="In years, for example 9. Leave it empty if you gave the date of birth.",
    review_label="Age", record_label="Age when reported")

CHILD = Section("child", "The child", (
    ask("child_forenames", Kind.NAME, "What is the child's first name (or names)?", review_label="First name(s)"),
    ask("child_surname", Kind.NAME, "What is the child's surname?", review_label="Surname"),
    opt("child_dob", Kind.DATE, "What is the child's date of birth?", checks=(_plausible_dob,),
        against=(_before_life_dates,), tense=Tense.BIRTH, rules=(dob_against("child_year_group"),),
        help="It tells whether the child is of compulsory school age. If you don't know it, type their age "
        "(for example 9), or 'not known'.",
        review_label="Date of birth", or_age=CHILD_AGE),
    CHILD_AGE,
    opt("child_year_group", Kind.CHOICE, "Which year group is (or was) the child in?", choices=YEAR_GROUPS,
        synonyms=YEAR_GROUP_SYNONYMS, numbered=False, when=_year_group_asked,
        rules=(year_group_against("child_dob", "child_age"),), review_label="Year group"),
    opt("school_name", Kind.TEXT, "Which school or setting is the child at, or was last at?",
        checks=(meaningful_text,), review_label="Current or last school"),
    ask("on_roll", Kind.CHOICE, "Is the child on a school roll (registered at a school) now?", choices=YES_NO_UNKNOWN,
        review_label="On a school roll"),
    ask("home_educated", Kind.CHOICE, "Is the child being educated at home (elective home education)?",
        choices=HOME_EDUCATION, when=lambda a: a.get("on_roll") != "yes", review_label="Home educated"),
    opt("date_last_attended", Kind.DATE, "When was the child last in school (or their setting)?", checks=(_past,),
        tense=Tense.PAST,
        against=(_after_birth("date_last_attended"),),
        review_label="Last attended"),
), part="quick")

YOU = Section("you", "Your concern", (
    ask("concern", Kind.LONG_TEXT, "What worries you about the child?",
        help="A few words: what has happened, since when, and anything the CME officer should know first.",
        review_label="What worries you", record_label="What worries the reporter"),
    ask("referrer_name", Kind.NAME, "Your name?", prefill=lambda who: who.display_name, review_label="Your name",
        record_label="Referrer's name"),
    ask("referrer_contact", Kind.TEXT, "How can the CME officer reach you (a phone number or email)?",
        checks=(_reachable,), prefill=_contact_of, confirm_prefill=True, review_label="How to reach you",
        record_label="How to reach the referrer"),
), part="quick")

SEND = Section("send", "Send", (
    ask("next_step", Kind.CHOICE, "That is all the CME officer needs to start. Send it now, or add more detail now?",
        choices=NEXT_STEPS, describe=lambda a: _more_detail(a), option_words=lambda a: _minutes_words(a),
        review_label="Send now or add detail"),
), part="quick", submit="Continue")

# The rest of the form (part "detail"): asked only when the reporter chooses to add more detail now.
HARM = detail("harm", "Safety", (
    ask("harm_indicators", Kind.MULTI_CHOICE, "Are you worried about any of these for the child?",
        choices=(*HARM_INDICATORS, Choice(NO_HARM, "None of these")), none_choice=NO_HARM,
        review_label="Harm concerns"),
))

CHILD_MORE = detail("child-more", "More about the child", (
    unsure("missing_from_home", label="Is the child missing from home or care right now (whereabouts unknown, "
        "out of character)?", review_label="Missing from home or care"),
    unsure("awaiting_place", label="Is the child waiting for a school place, or offered one and not started?",
        when=_not_on_roll_or_home_educated, review_label="Awaiting a school place"),
    unsure("other_provision", label="Is the child getting education somewhere else (alternative provision, a "
        "tutor arranged by the council)?", when=_not_on_roll_or_home_educated, review_label="Other provision"),
    opt("child_aliases", Kind.NAME, "Is the child known by any other names?", review_label="Other names"),
    opt("child_gender", Kind.CHOICE, "The child's gender?", choices=GENDERS, review_label="Gender"),
    opt("child_upn", Kind.UPN, "The child's UPN (unique pupil number), if you have it?", review_label="UPN"),
    opt("child_address", Kind.LONG_TEXT, "The child's current address, as far as you know?", review_label="Address"),
    opt("child_postcode", Kind.POSTCODE, "The postcode of that address?", review_label="Postcode"),
    opt("child_previous_addresses", Kind.LONG_TEXT, "Any previous or other addresses?",
        review_label="Previous addresses"),
))

PARENTS = detail("parents", "Parents and carers", (
    opt("parent_names", Kind.NAME, "The names of the child's parents or carers?", review_label="Parents or carers"),
    opt("parent_address", Kind.LONG_TEXT, "Their address, if different from the child's?",
        review_label="Their address"),
    opt("parent_phone", Kind.PHONE, "A phone number for a parent or carer (an emergency number if you have one)?",
        review_label="Their phone"),
    opt("parent_email", Kind.EMAIL, "An email address for a parent or carer?", review_label="Their email"),
    opt("siblings", Kind.LONG_TEXT, "Any brothers or sisters, and their schools?", review_label="Siblings and schools"),
    opt("family_contacts", Kind.LONG_TEXT, "Any other family contacts?", review_label="Other family contacts"),
))

SCHOOL = detail("school", "School", (
    opt("date_last_seen", Kind.DATE, "When was the child last seen by anyone you know of?", checks=(_past,),
        tense=Tense.PAST,
        against=(_after_birth("date_last_seen"),),
        review_label="Last seen"),
    opt("s2s_status", Kind.CHOICE, "Has the child been put on School2School (S2S) or sent a CTF?", choices=S2S,
        review_label="S2S / CTF"),
))

REASON = detail("reason", "The concern", (
    ask("reason", Kind.CHOICE, "What is the main reason for your concern?", choices=REASONS, review_label="Reason"),
    ask("reg9_ground", Kind.CHOICE, "Which regulation 9 ground was used (2024 Registration Regulations)?",
        choices=REG9_GROUNDS, when=_is("reason", "deleted-reg9"), review_label="Regulation 9 ground"),
    unsure("destination_known", label="Do you know where the child has gone (new address or school)?",
        review_label="Destination known"),
    opt("new_address", Kind.LONG_TEXT, "The new address?", when=_is("destination_known", True),
        review_label="New address"),
    opt("new_school", Kind.TEXT, "The new school?", when=_is("destination_known", True), checks=(meaningful_text,),
        review_label="New school"),
    opt("new_start_date", Kind.DATE, "The start date at the new school?", when=_is("destination_known", True),
        against=(_after_birth("new_start_date"),),
        review_label="New school start"),
    opt("flags", Kind.MULTI_CHOICE, "Do any of these apply to the child?", choices=FLAGS, none_choice="none",
        review_label="Flags"),
    opt("details", Kind.LONG_TEXT, "Anything else the CME officer should know?", review_label="Other details"),
))

REFERRER = detail("referrer", "About you", (
    ask("referrer_role", Kind.TEXT, "Your role (for example class teacher, health visitor)?", checks=(meaningful_text,),
        review_label="Your role", record_label="Referrer's role"),
    ask("referrer_agency", Kind.TEXT, "Your organisation or team?", checks=(meaningful_text,),
        review_label="Your organisation",
        record_label="Referrer's organisation"),
    opt("referrer_phone", Kind.PHONE, "A phone number the CME officer can reach you on?",
        prefill=lambda who: who.phone, review_label="Your phone", record_label="Referrer's phone"),
    opt("referrer_email", Kind.EMAIL, "Your work email?", prefill=lambda who: who.email, review_label="Your email",
        record_label="Referrer's email"),
))
# fmt: on

QUICK_SECTIONS = (DANGER, MASH, CHILD, YOU, SEND)
DETAIL_SECTIONS = (HARM, CHILD_MORE, PARENTS, SCHOOL, REASON, REFERRER)


def detail_fields(answers: Answers) -> list[Field]:
    """The detail questions that apply to these answers and have no answer yet (what is still missing)."""
    would = {**answers, "next_step": MORE}
    return [
        f for s in DETAIL_SECTIONS if s.applies(would) for f in s.fields if f.visible(would) and f.id not in answers
    ]


def minutes_for(fields: list[Field]) -> int:
    """About how long these questions take a person: ~20 s a typed answer, ~10 s a choice, and the review."""
    seconds = REVIEW_SECONDS + sum(
        CHOICE_SECONDS if f.kind in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI_CHOICE) else TYPED_SECONDS for f in fields
    )
    return max(1, round(seconds / 60))


def still_to_ask(answers: Answers) -> list[Field]:
    """The detail questions a reporter can still answer: unanswered, applying, not filled in from the channel.

    One list for "Add more detail now" before sending and /cme details after (handlers/referral/details.py), so
    both say the same number of questions and minutes.
    """
    return [f for f in detail_fields(answers) if f.prefill is None]


def _minutes_words(answers: Answers) -> dict[str, str]:
    return {MORE: f"(about {minutes_for(still_to_ask(answers))} minutes)"}


def _more_detail(answers: Answers) -> str:
    remaining = still_to_ask(answers)
    return (
        f"Adding more detail now takes about {minutes_for(remaining)} minutes ({len(remaining)} more questions: "
        "the family, other addresses, the school's enquiries, the reason, and your role). If you send it now, "
        "the CME officer asks you for what they need, and you can answer the rest any time with /cme details and "
        "your reference."
    )


def missing_details(answers: Answers) -> list[str]:
    """What a report sent with the essentials only does not say yet, a line per part: "Parents and carers: ..."."""
    if not sent_quick(answers):
        return []
    lines, asked = [], still_to_ask(answers)
    for section in DETAIL_SECTIONS:
        unanswered = [f for f in asked if f in section.fields]
        if unanswered:
            labels = ", ".join(f.record_label or f.review_label or f.label for f in unanswered)
            lines.append(f"{section.title}: {labels}")
    return lines
