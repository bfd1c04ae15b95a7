"""Reading a choice from typed text without guessing: an option is taken only when the text names it.

The order of the tests matters: exact names first (number, value, label, a documented synonym), then
"I don't know" phrasings, then the words of one label, and only then a typo-tolerant comparison that
must put one option clearly ahead. Anything else is answered with "Did you mean ...?" and the
candidates, never with the nearest option: in a safeguarding service a wrong fact is worse than a
missing one (issue 10).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from handlers.messages import Choice

YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "yup", "true", "ok", "sure", "correct", "aye"})
NO_WORDS = frozenset({"no", "n", "nope", "nah", "false"})
# Phrasings of "I don't know". They name the option meaning not known, never No (issue 10 item 1).
DONT_KNOW = frozenset(
    {
        "no idea",
        "dunno",
        "not sure",
        "unsure",
        "don't know",
        "dont know",
        "do not know",
        "unknown",
        "not known",
        "?",
        "??",
        "idk",
        "no clue",
        "not certain",
        "uncertain",
        "can't say",
        "cannot say",
        "no one knows",
        "nobody knows",
    }
)
NOT_KNOWN_VALUES = frozenset({"unknown", "not-known", "not_known"})
# Documented synonyms, keyed by the label they name: the form's words for a child's sex or gender.
LABEL_SYNONYMS: Mapping[str, frozenset[str]] = {
    "male": frozenset({"m", "boy", "man"}),
    "female": frozenset({"f", "girl", "woman"}),
}
# Words that carry no meaning on their own when matching the words of a label.
STOPWORDS = frozenset({"a", "an", "the", "and", "or", "of", "to", "for", "it", "is", "be", "i", "my", "at", "on"})
# ratio() is Levenshtein similarity over the whole text, 0 to 100. A one- or two-letter slip in a
# label of five letters or more scores 80 or more. The margin: Female and Male share four letters,
# so a slip between them ("femail" 83 / 60, "mael" 75 / 60) must not be settled by a few points.
# 15 points is about one edit in a short label: an option must be clearly nearer than any other.
FUZZY_ACCEPT = 80
FUZZY_MARGIN = 15
FUZZY_SUGGEST = 60
WORD_MATCH = 85  # one word against one word of a label: "suitble" ~ "suitable" (93) but not "unsuitable" (82)


class Unclear(ValueError):
    """The text names no option, or several: `candidates` are those it may mean (maybe none)."""

    def __init__(self, reason: str, candidates: Sequence[Choice] = ()) -> None:
        super().__init__(reason)
        self.reason = reason  # "none", "ambiguous", "not-known"
        self.candidates = tuple(candidates)


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, single spaces, no trailing full stop or exclamation."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = " ".join(text.split()).strip(" .!")
    return re.sub(r"^(?:i'm |im |i am |i )(?=not sure|don't know|dont know|do not know|dunno|have no idea)", "", text)


def means_dont_know(text: str) -> bool:
    """True when the text says the person does not know."""
    key = normalise(text)
    return key in DONT_KNOW or key.removeprefix("have ") in DONT_KNOW or set(key) == {"?"}


def is_not_known(choice: Choice) -> bool:
    """True for the option that records "not known"."""
    return choice.value.lower() in NOT_KNOWN_VALUES or normalise(choice.label) == "not known"


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w']+", normalise(text)) if w not in STOPWORDS]


def _first_word(label: str) -> str:
    words = re.findall(r"[\w']+", normalise(label))
    return words[0] if words else ""


def _by_synonym(key: str, choices: Sequence[Choice]) -> list[Choice]:
    if key in YES_WORDS:
        return [c for c in choices if _first_word(c.label) == "yes"]
    if key in NO_WORDS:
        return [c for c in choices if _first_word(c.label) in ("no", "not") and not is_not_known(c)]
    return [c for c in choices if key in LABEL_SYNONYMS.get(normalise(c.label), ())]


def _word_match(key: str, choices: Sequence[Choice]) -> list[Choice]:
    # Every meaningful typed word must be a word of the label (or its start, or a slip of it).
    typed = _words(key)
    if not typed:
        return []

    def names(word: str, label_words: list[str]) -> bool:
        long = len(word) >= 4  # short words must match whole: "no" is not the start of "not"
        return any(
            w == word or (long and (w.startswith(word) or fuzz.ratio(word, w) >= WORD_MATCH)) for w in label_words
        )

    return [c for c in choices if all(names(word, _words(c.label)) for word in typed)]


def scores(key: str, choices: Sequence[Choice]) -> list[float]:
    """Typo-tolerant similarity of the text to each option (label or value), 0 to 100."""
    return [max(fuzz.ratio(key, normalise(c.label)), fuzz.ratio(key, normalise(c.value))) for c in choices]


def _fuzzy(key: str, choices: Sequence[Choice]) -> Choice:
    ranked = sorted(zip(scores(key, choices), range(len(choices)), strict=True), reverse=True)
    best, index = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    if len(key) >= 3 and best >= FUZZY_ACCEPT and best - runner_up >= FUZZY_MARGIN:
        return choices[index]
    near = [choices[i] for score, i in ranked if score >= FUZZY_SUGGEST][:4]
    raise Unclear("ambiguous" if near else "none", near)


def match_choice(
    text: str, choices: Sequence[Choice], *, synonyms: Mapping[str, str] | None = None, numbered: bool = True
) -> Choice:
    """The one option the text names; Unclear (with the candidates) when it names none or several."""
    key = normalise(text)
    by_value = {c.value: c for c in choices}
    compact = key.replace(" ", "")
    if synonyms and (key in synonyms or compact in synonyms):
        return by_value[synonyms.get(key) or synonyms[compact]]
    if numbered and key.isascii() and key.isdigit() and 1 <= int(key) <= len(choices):
        return choices[int(key) - 1]
    exact = [c for c in choices if key in (normalise(c.value), normalise(c.label))]
    if exact:
        return exact[0]
    if means_dont_know(key):
        unknown = [c for c in choices if is_not_known(c)]
        if unknown:
            return unknown[0]
        raise Unclear("not-known")
    for found in (_by_synonym(key, choices), _word_match(key, choices)):
        if len(found) == 1:
            return found[0]
        if found:
            raise Unclear("ambiguous", found)
    return _fuzzy(key, choices)
