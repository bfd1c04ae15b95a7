"""Fields that name people and pupils: a person's name, a role or organisation, the DfE unique pupil number.

A name is checked for meaning, not only shape: letters in any script, never digits, emoji, a word the
bot uses, or a question typed at the name question (issue 10 item 3). A UPN's check letter is verified
with the DfE modulus-23 algorithm (cme-domain.md section 10; DfE "Unique pupil numbers"; the UK
Government Data Standards Catalogue, Unique Pupil Number 2.0).
"""

from __future__ import annotations

import re
import unicodedata

from handlers.forms.choices import means_dont_know, normalise
from handlers.forms.fields import Confirm, Invalid, clean_text

NOT_KNOWN_NAME = "Not known"  # what a required name holds when the person doesn't know it


COMMAND_WORDS = frozenset(
    {
        *("submit", "send", "cancel", "quit", "stop", "exit", "abandon", "back", "previous", "undo", "skip"),
        *("pass", "help", "yes", "no", "y", "n", "ok", "report", "check", "status", "contacts", "ask", "done"),
        *("confirm", "change", "review", "menu", "start", "restart", "hello", "hi", "none", "nothing", "nil"),
        *("null", "n/a", "na", "test", "cme"),
    }
)
QUESTION_STARTS = frozenset(
    {"what", "how", "why", "who", "where", "when", "which", "does", "is", "are", "did", "am", "should", "could"}
    | {"would", "whats", "what's", "hows", "how's", "whos", "who's", "isn't", "doesn't"}
)
# These start names too (Can Yilmaz, Do Thi Mai, Will, May): a question only when a pronoun follows.
MAYBE_QUESTION_STARTS = frozenset({"can", "do", "will", "may", "has", "have", "shall"})
PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it", "the", "a", "this", "that", "my", "our", "there"})
# Words that make a run of words read as a sentence rather than a list of names.
SENTENCE_WORDS = frozenset(
    {"is", "was", "are", "were", "the", "he", "she", "they", "his", "her", "their", "has", "have", "had", "not"}
    | {"lives", "live", "with", "in", "to", "i", "we", "you", "it", "this", "that", "think", "called", "goes"}
)
NAME_PUNCTUATION = frozenset(" -\u2010\u2011'\u2019\u02bc.,&()/")  # "Zeph (Zephyrine)", "Mum/Dad"
NAME_HINT = (
    "Please type the name in letters (hyphens and apostrophes are fine). If you don't know it, type 'not known'."
)
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # DfE: 0 -> A ... 22 -> Z, without I, O and S


def looks_like_question(text: str) -> bool:
    """True for text that asks something: a question mark, or words that start the way questions start."""
    words = normalise(text).split()
    if text.rstrip().endswith("?"):
        return True
    if len(words) < 2:
        return False
    return words[0] in QUESTION_STARTS or (words[0] in MAYBE_QUESTION_STARTS and words[1] in PRONOUNS)


def parse_name(raw: str) -> str:
    """A person's name: letters in any script, spaces, hyphens, apostrophes, full stops; no command, no question."""
    text = clean_text(raw)
    if means_dont_know(text):
        return NOT_KNOWN_NAME
    if looks_like_question(text):
        raise Invalid(
            "That looks like a question, so I haven't saved it as a name. The name is still needed. " + NAME_HINT
        )
    if normalise(text) in COMMAND_WORDS or text.startswith("/"):
        raise Invalid(f"'{text[:20]}' is a word the bot uses, not a name. {NAME_HINT}")
    if any(unicodedata.category(ch) == "Nd" for ch in text):
        raise Invalid(f"A name has no digits in it. {NAME_HINT}")
    if not any(ch.isalpha() for ch in text) or any(
        not (ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in NAME_PUNCTUATION) for ch in text
    ):
        raise Invalid(f"That has characters a name doesn't use (such as emoji or symbols). {NAME_HINT}")
    words = text.split()
    if len(words) > 8 or (len(words) > 5 and any(w.lower().strip(".,") in SENTENCE_WORDS for w in words)):
        raise Confirm(
            f"That is {len(words)} words long and reads like a sentence rather than a name. Save it as the name "
            "anyway? Type 'yes' to save it, or type just the name.",
            value=text,
            fix="That reads like a sentence rather than a name. Please type just the name.",
        )
    return text


def meaningful_text(value: object, _ctx: object = None) -> str | None:
    """A check for short free text (a role, an organisation): not a command word, not only digits, has letters."""
    text = str(value)
    if normalise(text) in COMMAND_WORDS or text.startswith("/"):
        return f"'{text[:20]}' is a word the bot uses, not an answer to this question. Please type the answer in words."
    if not any(ch.isalpha() for ch in text):
        return "That answer has no letters in it. Please type it in words, for example 'class teacher'."
    if means_dont_know(text):  # "no idea" has letters, but it names no school, role or team
        return "That says you don't know it, so it can't be recorded as the answer. Please type it, or leave it empty."
    return None


def upn_check_letter(body: str) -> str:
    """The DfE check letter for the 12 characters after it (a temporary UPN's last letter counts as A=0 ... Z=22)."""
    values = [int(ch) if ch.isdigit() else UPN_LETTERS.index(ch) for ch in body]
    return UPN_LETTERS[sum(weight * value for weight, value in zip(range(2, 14), values, strict=True)) % 23]


def parse_upn(raw: str) -> str:
    """A unique pupil number: a check letter, 11 digits, then a digit (or a letter for a temporary UPN)."""
    upn = re.sub(r"[\s-]+", "", clean_text(raw, limit=40)).upper()
    shape = "A UPN is 13 characters: a check letter, then 12 digits (a temporary UPN ends in a letter)."
    if len(upn) != 13:
        raise Invalid(f"That is {len(upn)} characters long. {shape} Please check it, or type 'skip'.")
    if upn[0] not in UPN_LETTERS:
        raise Invalid(f"The first character should be the check letter (A to Z, not I, O or S). {shape}")
    if not (upn[1:12].isascii() and upn[1:12].isdigit()):
        raise Invalid(f"Characters 2 to 12 should all be digits. {shape}")
    if upn[12] not in UPN_LETTERS and not (upn[12].isascii() and upn[12].isdigit()):
        raise Invalid(f"The last character should be a digit, or a letter other than I, O or S. {shape}")
    if upn_check_letter(upn[1:]) != upn[0]:
        raise Invalid(
            "The check letter (the first character) doesn't match the 12 characters after it, so one of them is "
            "probably mistyped. Please check the UPN against the school's records, or type 'skip'."
        )
    return upn
