"""Help inside a form: `help`, `?`, "what does this mean" or "what is a CTF?" typed at any question.

The words come from the knowledge base's glossary (knowledge/glossary.py): the terms the question itself uses,
each a short explanation with its source, or the one term asked about. A question whose words need no
explaining says so plainly, with what to type: never "I don't know" about the form's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.forms.asking import kind_hint
from handlers.forms.fields import Kind
from handlers.forms.spec import Field
from handlers.knowledge.glossary import Explanation, asked_about, terms_in
from handlers.messages import QuestionHelp, Reply, ReplyKind

# Asking for help with the question itself, in the ways people do.
HELP_WORDS = frozenset(
    {
        "help",
        "help me",
        "help please",
        "what does this mean",
        "what does that mean",
        "what does it mean",
        "what do you mean",
        "what is this",
        "what's this",
        "whats this",
        "what is this question",
        "what does this question mean",
        "explain",
        "explain this",
        "meaning",
        "i don't understand",
        "i dont understand",
        "don't understand",
        "dont understand",
        "what",
        "eh",
        "huh",
    }
)
NOTHING_MORE = "There is no more to say about this question."
# "what does X mean", "what is X", "explain X": a question about the meaning of words.
_MEANING = re.compile(r"\b(?:mean|means|meaning|stand for|stands for|explain|define)\b")
_WHAT_IS = re.compile(r"^(?:what(?:'s|s)?|what is|what are|who is|who are)\b.*\?$")
MAX_ASKING_WORDS = 10  # a question about a word is short; a longer text is an answer that happens to ask
_WORD = re.compile(r"[a-z0-9]{4,}")
_COMMON = frozenset(
    {"what", "does", "mean", "means", "meaning", "this", "that", "with", "have", "been", "your", "their", "know"}
    | {"should", "would", "could", "child", "children", "about", "there", "which", "when", "where", "anything"}
)


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split()).strip(" .!")


def wants_help(text: str) -> bool:
    """True when the text asks for help with the question itself ('help', '?', 'what does this mean')."""
    word = _normal(text).rstrip("?").strip()
    return word in HELP_WORDS or (bool(text.strip()) and set(text.strip()) == {"?"})


def asks_about(spec_field: Field | None, text: str) -> bool:
    """True when the text asks for help or what a term means ("what is a CTF?"), not an answer."""
    if wants_help(text):
        return True
    said = _normal(text)
    if len(said.split()) > MAX_ASKING_WORDS:
        return False
    # A glossary term and only asking words ("CTF?", "what is a CTF", "UPN meaning"): asked_about is strict.
    questioning = said.endswith("?") or said.startswith(("what", "who")) or _MEANING.search(said)
    if questioning and asked_about(text) is not None:
        return True
    # Only a meaning question is about the form's own words: "Mum doesn't know what it means" is an answer.
    meaning = _MEANING.search(said) or _WHAT_IS.match(said)
    asking = said.endswith("?") or said.startswith(("what", "explain", "define", "meaning"))
    return bool(meaning and asking and spec_field is not None and _about_its_words(spec_field, text))


def _words_of(spec_field: Field) -> str:
    return " ".join([spec_field.label, spec_field.help or "", *(c.label for c in spec_field.options)])


def _about_its_words(spec_field: Field, text: str) -> bool:
    # "what does 'regulation 9 ground' mean?": a meaning question about a word of this question.
    asked = set(_WORD.findall(_normal(text))) - _COMMON
    return bool(asked & set(_WORD.findall(_words_of(spec_field).lower())))


def help_replies(spec_field: Field | None, text: str, form_help: str) -> list[Reply]:
    """What the form says when help is asked at a question: the term asked about, or the question's own terms."""
    entry = None if wants_help(text) else asked_about(text)
    if entry is not None:
        return [Reply(_explained([entry]), kind=ReplyKind.HELP)]
    if spec_field is None:
        return [Reply(form_help, kind=ReplyKind.HELP)]
    return [Reply(f"{question_help(spec_field)}\n\n{form_help}", kind=ReplyKind.HELP)]


def question_help(spec_field: Field) -> str:
    """The explanations of the terms a question uses, or that there is no more to say, with its hint."""
    terms = terms_in(_words_of(spec_field))
    if terms:
        return "About this question:\n" + _explained(terms)
    hint = " ".join(part for part in (spec_field.help, kind_hint(spec_field)) if part)
    return f"{NOTHING_MORE} {hint}".strip()


# What to put at a question on a page, where a chat's "type a number" or "type 'skip'" would be wrong.
_PAGE_HINTS = {
    Kind.UPN: "13 characters: a letter, then 12 digits.",
    Kind.PHONE: "A phone number with its area code.",
    Kind.POSTCODE: "A postcode, for example BL9 0EJ.",
}
PAGE_OPTIONAL = "Optional: you may leave it empty."


def page_help(fields: Iterable[Field]) -> tuple[QuestionHelp, ...]:
    """Help with each question of a form page (a modal, a card): the terms it uses with their sources, or its hint."""
    said: set[str] = set()  # a term two questions use is explained once, at the first
    out = []
    for spec_field in fields:
        out.append(QuestionHelp(spec_field.id, spec_field.label, _page_lines(spec_field, said)))
    return tuple(out)


def _page_lines(spec_field: Field, said: set[str]) -> tuple[str, ...]:
    terms = terms_in(_words_of(spec_field))
    if terms:
        lines = tuple(f"{e.term}: explained above." if e.id in said else e.as_text() for e in terms)
        said.update(e.id for e in terms)
        return lines
    optional = PAGE_OPTIONAL if not spec_field.required else None
    hint = " ".join(part for part in (spec_field.help, _PAGE_HINTS.get(spec_field.kind), optional) if part)
    return (f"{NOTHING_MORE} {hint}".strip(),)


def _explained(entries: list[Explanation]) -> str:
    return "\n".join(f"- {entry.as_text()}" for entry in entries)
