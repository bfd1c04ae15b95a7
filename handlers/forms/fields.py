"""Parsing and checking one typed answer per field kind. Each error says what is wrong and what to type.

Libraries do the hard parts: dateutil reads dates in the forms people type, phonenumbers knows
UK numbering, email-validator knows addresses; choices.py reads a choice without guessing.
Each field checks its meaning, not only its shape: a name has letters, a UPN its check letter.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from handlers.forms.ages import AGE_HINT, AgeProblem, read_age
from handlers.forms.choices import NO_WORDS, YES_WORDS, Unclear, is_not_known, match_choice, means_dont_know, normalise
from handlers.forms.dates import DateProblem, read_date
from handlers.messages import Choice

MAX_TEXT = 200
MAX_LONG_TEXT = 3000
YES = set(YES_WORDS)
NO = {*NO_WORDS, "none"}
NOT_KNOWN = "unknown"  # the stored value of a yes/no question answered "not known"
NONE_WORDS = {"none", "none of these", "no", "nothing", "n/a", "na"}
# The GOV.UK / Royal Mail shape: outward code, space, inward code (BFPO and GIR 0AA as well).
POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$")


class Kind(StrEnum):
    """The kinds of field a form can have."""

    TEXT = "text"
    NAME = "name"  # a person's name: letters in any script, never digits, commands or questions
    UPN = "upn"  # the DfE unique pupil number, check letter verified
    LONG_TEXT = "long_text"
    DATE = "date"
    AGE = "age"  # a child's age in whole years, 0 to 18 ("9", "9 years old", "nine")
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    PHONE = "phone"
    EMAIL = "email"
    POSTCODE = "postcode"


class Invalid(ValueError):
    """An answer that cannot be used; the message is shown to the person as it is.

    `options` are the candidates a person may have meant ("Did you mean ...?"): a channel shows them
    as buttons whose value, typed back, parses without doubt.
    """

    def __init__(self, message: str, *, options: Sequence[Choice] = ()) -> None:
        super().__init__(message)
        self.options = tuple(options)


class Confirm(Invalid):
    """An answer that is probably meant but must be confirmed first (a two-digit year, a name like a sentence).

    In a conversation the bot asks the message as a yes/no question and stores `value` on yes; on a
    whole-form page (modal, card) it is shown as an error, so the person corrects the field.
    """

    def __init__(
        self,
        message: str,
        *,
        value: object,
        fix: str | None = None,
        options: Sequence[Choice] = (),
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, options=options)  # options: buttons (label, the words they send)
        self.value = value  # what the form stores on yes (JSON-safe)
        self.fix = fix or message  # what to type instead, where a page can't ask yes or no
        self.extra = dict(extra or {})  # stored beside it on yes (an age typed at a date of birth question)


def clean_text(raw: str, *, multiline: bool = False, limit: int = MAX_TEXT) -> str:
    """Trim, normalise and reject control characters or over-long text."""
    text = unicodedata.normalize("NFC", raw).strip()
    allowed = {"\n", "\t"} if multiline else set()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in allowed for ch in text):
        raise Invalid("That answer has hidden control characters in it. Please type it again as plain text.")
    if not text:
        raise Invalid("That answer is empty. Please type an answer, or 'skip' if the question is optional.")
    if len(text) > limit:
        raise Invalid(f"That answer is {len(text):,} characters long; the limit here is {limit:,}. Please shorten it.")
    return text


def parse_date(raw: str, *, today: dt.date) -> dt.date:
    """A whole date as people type it ("02/05/2014", "2 May 2014", "16/11/26", "3 weeks ago", "last Tuesday").

    dateparser reads it, day first as in the UK (see forms/dates.py); a two-digit year is the one in the
    past or the coming year ("16/11/26" is 2026, "1/2/60" is 1960). Part of a date ("May 2014") is refused here:
    only a question about when something happened takes a rough date (Field.tense).
    """
    try:
        return read_date(clean_text(raw), today=today).day
    except DateProblem as exc:
        raise Invalid(str(exc), options=exc.options) from None


def parse_age(raw: str) -> int:
    """A child's age in whole years, 0 to 18, as people type it ("9", "aged 9", "9 years old", "nine")."""
    try:
        age = read_age(clean_text(raw, limit=40))
    except AgeProblem as exc:
        raise Invalid(str(exc)) from None
    if age is None:
        raise Invalid(f"I couldn't read that as an age. {AGE_HINT}")
    return age


def parse_yes_no(raw: str, *, not_known: bool = False) -> bool | str:
    """Yes or no in the ways people say them; "not known" (NOT_KNOWN) where the question allows it."""
    text = normalise(clean_text(raw))
    if text in YES:
        return True
    if text in NO:
        return False
    if not_known and means_dont_know(text):
        return NOT_KNOWN
    if not_known:
        raise Invalid("Please answer yes, no or 'not known'.", options=_yes_no_options(True))
    if means_dont_know(text):
        raise Invalid("This question needs a yes or a no. If you're not sure, answer as best you can.")
    raise Invalid("Please answer yes or no.", options=_yes_no_options(False))


def _yes_no_options(not_known: bool) -> tuple[Choice, ...]:
    both = (Choice("yes", "Yes"), Choice("no", "No"))
    return (*both, Choice(NOT_KNOWN, "Not known")) if not_known else both


def _options_hint(choices: Sequence[Choice], *, numbered: bool = True) -> str:
    if not numbered:
        return ", ".join(c.label for c in choices)
    return "; ".join(f"{i}. {c.label}" for i, c in enumerate(choices, 1))


def _names(choices: Sequence[Choice]) -> str:
    labels = [c.label for c in choices]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def parse_choice(
    raw: str,
    choices: Sequence[Choice],
    *,
    synonyms: Mapping[str, str] | None = None,
    numbered: bool = True,
    required: bool = True,
) -> str:
    """The one option the text names (number, value, label, synonym, or a clear typo); never a guess."""
    text = clean_text(raw)
    try:
        return match_choice(text, choices, synonyms=synonyms, numbered=numbered).value
    except Unclear as unclear:
        raise _choice_problem(unclear, choices, numbered=numbered, required=required) from None


def _choice_problem(unclear: Unclear, choices: Sequence[Choice], *, numbered: bool, required: bool) -> Invalid:
    hint = _options_hint(choices, numbered=numbered)
    typed = "Type a number or an option" if numbered else "Type one of these"
    if unclear.reason == "not-known":
        skip = " or 'skip' to leave it out" if not required else ""
        return Invalid(f"This question has no 'not known' answer. {typed}{skip}: {hint}")
    if unclear.candidates:
        meant = _names(unclear.candidates)
        return Invalid(f"Did you mean {meant}? Choose one, or type it in full.", options=unclear.candidates)
    return Invalid(f"That isn't one of the options. {typed}: {hint}")


def parse_multi_choice(raw: str, choices: Sequence[Choice], *, none_value: str | None = None) -> list[str]:
    """Several options separated by commas or 'and' (numbers or labels); 'none' where allowed."""
    text = clean_text(raw)
    if none_value is not None and text.lower().strip(" .") in NONE_WORDS:
        return [none_value]
    if means_dont_know(text):  # never a guess either way: say how to answer when unsure
        none = ", or 'none' if none of them apply" if none_value is not None else ""
        raise Invalid(f"If you're not sure, choose any that might apply (the numbers, for example 1, 3){none}.")
    picked: list[str] = []
    for part in re.split(r",|;|\band\b|\s+(?=\d)", text):
        if not part.strip():
            continue
        try:
            found = match_choice(part.strip(), [c for c in choices if not is_not_known(c)])
        except Unclear as unclear:
            meant = f" (did you mean {_names(unclear.candidates)}?)" if unclear.candidates else ""
            raise Invalid(
                f"I didn't recognise '{part.strip()[:40]}'{meant}. Type the numbers separated by commas, "
                f"for example 1, 3. The options: {_options_hint(choices)}"
            ) from None
        if found.value not in picked:
            picked.append(found.value)
    if none_value in picked and len(picked) > 1:
        raise Invalid("You picked 'none' together with other options. Type just the options that apply, or 'none'.")
    return picked


def parse_phone(raw: str) -> str:
    """A valid UK phone number (or international with +), formatted for reading."""
    text = clean_text(raw, limit=40)
    hint = "Please type a UK number with its area code, for example 0161 253 7670, or an international one with +."
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException as exc:
        raise Invalid(f"That doesn't look like a phone number. {hint}") from exc
    if not phonenumbers.is_valid_number(number):
        raise Invalid(f"That number isn't a complete, valid phone number. {hint}")
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if number.country_code == 44 else style.INTERNATIONAL)


def parse_email(raw: str) -> str:
    """An email address with a real-looking domain (no network look-up)."""
    text = clean_text(raw, limit=254)
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise Invalid(f"That email address isn't valid ({exc}). Please type it like name@example.gov.uk.") from exc


def parse_postcode(raw: str) -> str:
    """A UK postcode, normalised to capitals with one space (BL9 0EJ)."""
    text = re.sub(r"\s+", "", clean_text(raw, limit=12)).upper()
    if not POSTCODE_RE.match(text) or len(text) < 5:
        raise Invalid("That isn't a valid UK postcode. Please type it like BL9 0EJ.")
    return f"{text[:-3]} {text[-3:]}"
