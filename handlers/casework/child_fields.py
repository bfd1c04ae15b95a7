"""`/cme correct REF FIELD VALUE because WHY`: an officer corrects the child's own details (UK GDPR art. 16).

The referral's answers stay as the reporter gave them (the record of what was reported); this corrects the
child record the case points at (followed through merges): names, date of birth, UPN, address, postcode,
school. Each value is read and checked as the referral's own question reads it (a UPN's check letter, a
date of birth that is plausible, a name made of letters), so a correction can't store what a referral
couldn't. Blind indexes follow on update (storage/children.py) and the search keys and household links are
rebuilt, so /cme find and matching see the corrected child at once. A reason is required. The old and new
value and the reason go in a case note (encrypted; removed by retention with the rest of the child's
details), and the audit chain, which is kept, records who, what and when and points at the note. The reply
names the field, never a value, so it is safe wherever the command was typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.casework.actions import Usage, audit, plain, write_note
from handlers.casework.cases import field_words, find_reference
from handlers.casework.resolve import case_for
from handlers.children.household import link_household, survivor
from handlers.children.record import child_values
from handlers.core import TurnContext
from handlers.forms.fields import Confirm, Invalid
from handlers.forms.identifiers import NOT_KNOWN_NAME
from handlers.forms.spec import parse_value
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.referral.form import REFERRAL
from handlers.router import Router

USAGE = (
    "Usage: /cme correct REF first-names|surname|other-names|dob|upn|address|postcode|school VALUE because WHY "
    "(VALUE 'none' empties all but the names), e.g. /cme correct REF dob 02/05/2014 because the admission form"
)
HELP = "officers: correct the child's details: /cme correct REF dob|surname|... VALUE because WHY"
# The word the officer types -> (the Child column, the referral question that reads and checks it, in words).
FIELDS: dict[str, tuple[str, str, str]] = {
    "first-names": ("forenames", "child_forenames", "first name(s)"),
    "surname": ("surname", "child_surname", "surname"),
    "other-names": ("other_names", "child_aliases", "other names"),
    "dob": ("dob", "child_dob", "date of birth"),
    "upn": ("upn", "child_upn", "UPN"),
    "address": ("address", "child_address", "address"),
    "postcode": ("postcode", "child_postcode", "postcode"),
    "school": ("school", "school_name", "school"),
}
_ALIASES = {
    "forenames": "first-names", "firstnames": "first-names", "first-name": "first-names", "firstname": "first-names",
    "forename": "first-names", "last-name": "surname", "lastname": "surname", "family-name": "surname",
    "aliases": "other-names", "othernames": "other-names", "date-of-birth": "dob", "birthday": "dob", "born": "dob",
    "post-code": "postcode",
}  # fmt: skip


CLEAR_WORDS = frozenset({"none", "clear", "remove", "blank"})
NEEDED = frozenset({"forenames", "surname"})  # a child record always has a name


def _value(turn: TurnContext, word: str, typed: str) -> Any:
    """The typed value as the referral's question reads it, normalised as the child record stores it."""
    column, question, words = FIELDS[word]
    if typed.lower() in CLEAR_WORDS:
        if column in NEEDED:
            raise Usage(f"The child's {words} can't be left empty: type the right one. Nothing was changed.")
        return None  # a wrong UPN or address is better gone than kept
    value = parse_value(REFERRAL.field(question), typed, turn.form_context())
    stored = child_values({question: value})[column]  # as a referral's answer is stored on the child record
    if stored in (None, NOT_KNOWN_NAME):  # "?", "not known": the referral's question takes it; it corrects nothing
        empty = "" if column in NEEDED else ", or 'none' to empty it"
        raise Usage(f"That says the {words} isn't known. Type the right one{empty}. Nothing was changed.")
    return stored


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "not recorded"
    return f"{value:%-d %B %Y}" if isinstance(value, dt.date) else f"'{value}'"


def correct(turn: TurnContext, *, reference: str, word: str, typed: str, why: str) -> list[Reply]:
    """Correct one of the child's details on `reference`'s child: old and new value and why in a note, audited."""
    missing = "There is no case {reference}. Type /cme cases to list the open ones. Nothing was changed."
    case = case_for(turn, reference, "correct", missing=missing)
    if case.anonymised_at is not None:  # its details were removed on schedule: a correction must not put them back
        raise Usage(f"{reference} was anonymised under the retention schedule: there is nothing to correct.")
    child = survivor(turn.session, case.child_id)
    if child is None:
        raise Usage(f"{reference} has no child record to correct. Nothing was changed.")
    column, _, words = FIELDS[word]
    new, old = _value(turn, word, typed), getattr(child, column)
    if new == old:
        return [Reply(f"The child's {words} on {reference} already says that. Nothing was changed.")]
    setattr(child, column, new)
    child.updated_at = turn.now
    turn.session.add(child)
    turn.session.flush()  # the blind indexes follow the new value (storage/children.py)
    link_household(turn.session, child=child, actor=turn.user_key, case_id=case.id, at=turn.now)
    # The values and the reason go in a case note, which retention deletes with the child's details; the audit
    # chain, kept for good, records who, what and when and points at the note (as /cme note does).
    said = f"Correction to the child's {words}: it was {_shown(old)}, it is now {_shown(new)}. Why: {why}"
    note = write_note(turn, case=case, text=said)
    audit(turn, case, "child.corrected", field=column, child_id=child.id, note_id=note.id)
    text = (
        f"Corrected the child's {words} on {reference}. The old value, the new one and your reason are in the "
        f"case's notes; every case of this child shows the correction."
    )
    return [Reply(text, kind=ReplyKind.CONFIRMATION, data={"reference": reference, "corrected": column})]


def correct_command(turn: TurnContext, args: str) -> list[Reply]:
    """The typed command: the case, the detail, the value, and the reason after 'because' (required)."""
    try:
        plain(args, what="command", retry=USAGE)
        found = find_reference(args)
        if found is None:
            raise Usage(f"Which case? Nothing was changed. {USAGE}")
        reference, words = found
        parts = field_words(words, FIELDS, _ALIASES)
        if parts is None:
            usage = USAGE.replace("REF", reference)
            raise Usage(f"Say which detail and the correct value. Nothing was changed. {usage}")
        word, typed, why = parts
        if not why:
            raise Usage(f"Say why, after 'because': a correction is kept with its reason. Nothing was changed. {USAGE}")
        return correct(turn, reference=reference, word=word, typed=typed, why=why)
    except Confirm as exc:  # a two-digit year, a name like a sentence: a command can't ask yes or no, so say how
        return [Reply(f"{exc.fix} Nothing was changed.", kind=ReplyKind.ERROR)]
    except Invalid as exc:
        return [Reply(f"{exc} Nothing was changed.", kind=ReplyKind.ERROR)]
    except Usage as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR)]


def register(router: Router) -> None:
    """Add /cme correct (officers and managers)."""
    router.command(CommandSpec("correct", correct_command, HELP, staff_only=True))
