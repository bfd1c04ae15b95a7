"""Parsing and checking one typed answer per field kind. Each error says what is wrong and what to type.

Libraries do the hard parts: dateutil reads dates in the forms people type, phonenumbers knows
UK numbering, email-validator knows addresses, rapidfuzz forgives small typos in choices.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from enum import StrEnum

import phonenumbers
from dateutil import parser as date_parser
from email_validator import EmailNotValidError, validate_email
from rapidfuzz import fuzz, process

from handlers.messages import Choice

MAX_TEXT = 200
MAX_LONG_TEXT = 3000
YES = {"yes", "y", "yeah", "yep", "yup", "true", "ok", "sure", "correct", "aye"}
NO = {"no", "n", "nope", "nah", "false", "none"}
NONE_WORDS = {"none", "none of these", "no", "nothing", "n/a", "na"}
# The GOV.UK / Royal Mail shape: outward code, space, inward code (BFPO and GIR 0AA as well).
POSTCODE_RE = re.compile(r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$")


class Kind(StrEnum):
    """The kinds of field a form can have."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"
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

    def __init__(self, message: str, *, value: object) -> None:
        super().__init__(message)
        self.value = value


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
    """A full date (day, month and year) in ISO or UK day-first form, or today/yesterday."""
    text = clean_text(raw).lower()
    if text in ("today", "yesterday"):
        return today - dt.timedelta(days=1 if text == "yesterday" else 0)
    hint = "Please type the day, month and year, for example 02/05/2014 or 2 May 2014."
    try:
        dayfirst = not re.match(r"^\d{4}-", text)
        # Two different defaults: if the results differ, part of the date was missing.
        first = date_parser.parse(text, dayfirst=dayfirst, default=dt.datetime(2000, 1, 1))
        second = date_parser.parse(text, dayfirst=dayfirst, default=dt.datetime(2001, 2, 2))
    except (ValueError, OverflowError) as exc:
        raise Invalid(f"I couldn't read that as a date. {hint}") from exc
    if first != second:
        raise Invalid(f"That date is missing a part. {hint}")
    if first.year < 1900:
        raise Invalid(f"That year looks wrong. {hint}")
    return first.date()


def parse_yes_no(raw: str) -> bool:
    """Yes or no, in the ways people say them."""
    text = clean_text(raw).lower().strip(" .!")
    if text in YES:
        return True
    if text in NO:
        return False
    raise Invalid("Please answer yes or no.")


def _match_choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    lowered = text.lower().strip(" .")
    if lowered.isascii() and lowered.isdigit() and 1 <= int(lowered) <= len(choices):
        return choices[int(lowered) - 1]
    for choice in choices:
        if lowered in (choice.value.lower(), choice.label.lower()):
            return choice
    labels = {i: c.label.lower() for i, c in enumerate(choices)}
    best = process.extractOne(lowered, labels, scorer=fuzz.WRatio, score_cutoff=86)
    return choices[best[2]] if best else None


def _options_hint(choices: Sequence[Choice]) -> str:
    return "; ".join(f"{i}. {c.label}" for i, c in enumerate(choices, 1))


def parse_choice(raw: str, choices: Sequence[Choice]) -> str:
    """One option, by number, value or label (small typos forgiven)."""
    text = clean_text(raw)
    found = _match_choice(text, choices)
    if found is None:
        raise Invalid(f"That isn't one of the options. Type a number or an option: {_options_hint(choices)}")
    return found.value


def parse_multi_choice(raw: str, choices: Sequence[Choice], *, none_value: str | None = None) -> list[str]:
    """Several options separated by commas or 'and' (numbers or labels); 'none' where allowed."""
    text = clean_text(raw)
    if none_value is not None and text.lower().strip(" .") in NONE_WORDS:
        return [none_value]
    picked: list[str] = []
    for part in re.split(r",|;|\band\b|\s+(?=\d)", text):
        if not part.strip():
            continue
        found = _match_choice(part.strip(), choices)
        if found is None:
            raise Invalid(
                f"I didn't recognise '{part.strip()[:40]}'. Type the numbers separated by commas, "
                f"for example 1, 3. The options: {_options_hint(choices)}"
            )
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
