"""The FAQ knowledge base: curated entries loaded from YAML, validated, rendered from the profile.

One file per topic in knowledge/faq/ (the file stem is the entry id). An answer is a template:
contact details are placeholders such as "{mash.phone}" filled from the local authority profile,
so no phone number or email is ever typed into an answer. `_lexicon.yaml` beside the entries
holds the words the answer engine ignores and the staff-language synonyms it folds together.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from rapidfuzz import process
from rapidfuzz.distance import OSA

from handlers.knowledge.profile import Profile
from handlers.knowledge.sources import SOURCES, Source

FAQ_DIR = Path(__file__).parent / "faq"
LEXICON_FILE = "_lexicon.yaml"
CONTACT_FIELDS = ("label", "phone", "email")
LA_FIELDS = ("name", "short_name", "substantial_period_weeks", "enquiry_steps")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z_]+)\}")
# Typed-in contact details would bypass the profile; catch UK phone numbers, 999/101 and emails.
WORDS = re.compile(r"[a-z0-9]+")
_LITERAL_CONTACT = re.compile(r"\b0\d{2,4}[ -]?\d{3}[ -]?\d{3,4}\b|\b(?:999|101|111)\b|[\w.+-]+@[\w-]+\.\w")


def literal_contact(text: str) -> str | None:
    """A phone number, 999/101/111 or email address typed into `text` (they belong in the profile), or None."""
    found = _LITERAL_CONTACT.search(text)
    return found.group() if found else None


class FaqError(ValueError):
    """The knowledge base is invalid; the message names the file or entry and the problem."""


class InlineSource(BaseModel):
    """A citation written out in the entry, for a source not in the canonical registry."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = Field(min_length=3)
    url: str = Field(pattern=r"^https://")


def known_sources(value: list[str | InlineSource]) -> list[str | InlineSource]:
    """A pydantic check: every source key names a canonical source (knowledge/sources.py)."""
    unknown = [key for key in value if isinstance(key, str) and key not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source key(s): {', '.join(unknown)}")
    return value


# A list of citations: canonical source keys (knowledge/sources.py) or written-out ones, at least one.
Sources = Annotated[list[str | InlineSource], Field(min_length=1), AfterValidator(known_sources)]


def cite(value: list[str | InlineSource]) -> list[Source]:
    """Source keys and written-out citations as Source objects, in the order given."""
    return [SOURCES[s] if isinstance(s, str) else Source(s.title, s.url) for s in value]


class FaqEntry(BaseModel):
    """One topic: the answer template, its sources, when it was reviewed, and retrieval material."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: str = Field(min_length=3)
    answer: str = Field(min_length=20)
    sources: Sources
    reviewed: dt.date
    phrasings: list[str] = Field(min_length=3)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("phrasings", "keywords", mode="before")
    @classmethod
    def _numbers_as_words(cls, value: object) -> object:
        # YAML reads a bare 999 or 437 as a number; in retrieval material it is a word.
        return [str(item) for item in value] if isinstance(value, list) else value

    @field_validator("answer")
    @classmethod
    def _template_only(cls, value: str) -> str:
        if literal := literal_contact(PLACEHOLDER.sub("", value)):
            raise ValueError(f"contact detail {literal!r} typed in: use a profile placeholder")
        stray = PLACEHOLDER.sub("", value)
        if "{" in stray or "}" in stray:
            raise ValueError("a brace that is not a {group.field} placeholder")
        for group, name in PLACEHOLDER.findall(value):
            allowed = LA_FIELDS if group == "la" else CONTACT_FIELDS
            if name not in allowed:
                raise ValueError(f"placeholder {{{group}.{name}}}: field must be one of {allowed}")
        return value

    def cited(self) -> list[Source]:
        """The entry's sources as Source objects, in the order written."""
        return cite(self.sources)

    def render(self, profile: Profile) -> str:
        """The answer with every placeholder filled from the profile (FaqError if one cannot be)."""
        return render_template(self.answer, profile, where=self.id)


class Lexicon(BaseModel):
    """Words the engine ignores, and phrases folded to one canonical wording before matching."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    english_stopwords: bool = True  # start from scikit-learn's English list (a copy)
    stopwords: list[str] = Field(default_factory=list)
    keep: list[str] = Field(default_factory=list)  # words of that list that carry meaning here
    generic: list[str] = Field(default_factory=list)  # everyday words that alone never make a CME question
    synonyms: dict[str, str] = Field(default_factory=dict)
    off_topic: list[str] = Field(default_factory=list)  # questions about something else: never answered

    def stopword_set(self) -> frozenset[str]:
        """Every word the engine drops."""
        from handlers.knowledge.stopwords import ENGLISH_STOP_WORDS

        base = set(ENGLISH_STOP_WORDS) if self.english_stopwords else set()
        return frozenset((base | set(self.stopwords)) - set(self.keep))


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated entries, in id order, and the lexicon."""

    entries: tuple[FaqEntry, ...]
    lexicon: Lexicon

    def get(self, entry_id: str) -> FaqEntry:
        """The entry with this id (KeyError if none)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    @property
    def ids(self) -> list[str]:
        """Every entry id."""
        return [entry.id for entry in self.entries]


def _la_value(profile: Profile, name: str) -> str:
    if name == "enquiry_steps":
        # A repeat episode's own steps come last, marked, so the checklist reads right for a first referral.
        steps = sorted(profile.enquiry_plan, key=lambda step: step.repeat_only)
        titles = [
            step.title[:1].lower() + step.title[1:] + (" (for a repeat episode)" if step.repeat_only else "")
            for step in steps
        ]
        return "; ".join(titles)
    return str(getattr(profile, name))


def _placeholder_value(profile: Profile, group: str, name: str, where: str) -> str:
    if group == "la":
        return _la_value(profile, name)
    contact = profile.contacts.get(group)
    if contact is None:
        raise FaqError(f"{where}: placeholder {{{group}.{name}}}: the profile has no contact {group!r}")
    value = getattr(contact, name, None)
    if not value:
        raise FaqError(f"{where}: placeholder {{{group}.{name}}}: contact {group!r} has no {name}")
    return str(value)


def render_template(template: str, profile: Profile, *, where: str = "template") -> str:
    """Fill "{contact.field}" and "{la.field}" placeholders from the profile."""
    text = PLACEHOLDER.sub(lambda m: _placeholder_value(profile, m.group(1), m.group(2), where), template)
    # YAML block scalars keep line breaks: keep paragraph breaks, join wrapped lines.
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FaqError(f"{path.name}: not valid YAML ({exc})") from exc


def _describe(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in error.errors())


def _load_entry(path: Path) -> FaqEntry:
    try:
        entry = FaqEntry.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise FaqError(f"{path.name}: {_describe(exc)}") from None
    if entry.id != path.stem:
        raise FaqError(f"{path.name}: id {entry.id!r} does not match the file name")
    return entry


def load_knowledge(directory: Path = FAQ_DIR, profile: Profile | None = None) -> KnowledgeBase:
    """Load and validate every entry and the lexicon; with a profile, check every answer renders."""
    paths = sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))
    if not paths:
        raise FaqError(f"{directory}: no FAQ entries")
    entries = tuple(_load_entry(path) for path in paths)
    try:
        lexicon = Lexicon.model_validate(_read_yaml(directory / LEXICON_FILE))
    except (FileNotFoundError, ValidationError) as exc:
        raise FaqError(f"{LEXICON_FILE}: {exc}") from None
    if profile is not None:
        for entry in entries:
            entry.render(profile)
    return KnowledgeBase(entries=entries, lexicon=lexicon)


def fold(text: str) -> str:
    """Lower case, accents dropped, contractions opened ("isn't" -> "is not"), apostrophes removed."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['\u2019\u2018]", "'", text)
    text = re.sub(r"\bcan't\b", "can not", text.replace("won't", "will not"))
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"'(?:s|ve|re|ll|d|m)\b", "", text)
    # Typed without the apostrophe: "hasnt", "dont", "wouldnt".
    text = re.sub(r"\b(has|have|had|is|are|was|were|does|did|do|would|could|should|must|need)nt\b", r"\1 not", text)
    # "14yo", "14 y/o", "14yrs": an age.
    text = re.sub(r"\b(\d{1,2}) ?(?:yo|y/o|yrs?|years?)(?: old)?\b", r"\1 year old", text)
    # "section 436A", "s. 436A" and "s436A" are one reference.
    text = re.sub(r"\b(?:section|sect|sec|s)\.?\s*(\d+[a-z]?)\b", r"s\1", text)
    return text.replace("'", "")


def stem(word: str) -> str:
    """A light suffix stripper ("removes", "removed", "remove" -> "remov"), applied on both sides."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ly", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 4 + (suffix == "ly"):
            word = word[: -len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) >= 5 else word


class TextReader:
    """Reads text the way the knowledge base is indexed: typos fixed, staff wording folded, filler dropped."""

    def __init__(self, lexicon: Lexicon, vocabulary: set[str]) -> None:
        self._stop = lexicon.stopword_set()
        self._synonyms = lexicon.synonyms
        phrases = sorted(self._synonyms, key=len, reverse=True)
        self._phrase = re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b")
        self._known = frozenset(vocabulary | self._stop | set(self._synonyms))
        self._choices = sorted(w for w in self._known if len(w) >= 4 and w.isalpha())
        self._fixed: dict[str, str] = {}

    @property
    def known(self) -> frozenset[str]:
        """Every word the reader recognises (vocabulary, stop words, synonyms)."""
        return self._known

    def _spell(self, word: str) -> str:
        if word in self._known or len(word) < 4 or not word.isalpha():
            return word
        fixed = self._fixed.get(word)  # one look-up: another thread may clear the cache meanwhile
        if fixed is None:
            fixed = self._nearest(word)
            if len(self._fixed) > 20_000:  # arbitrary input must not grow memory without bound
                self._fixed.clear()
            self._fixed[word] = fixed
        return fixed

    def _nearest(self, word: str) -> str:
        # A typo first: one slip in a short word, two in a long one. Failing that, another form of
        # a known word ("relocating" / "relocated"): a shared start of all but the last three letters
        # and at least six ("policy" is not "police").
        # Words under seven letters only get swapped letters ("waht"): one changed letter there
        # usually makes another real word ("scared" / "shared", "meals" / "deals").
        limit = 1 if len(word) < 10 else 2
        for candidate, _, _ in process.extract(word, self._choices, scorer=OSA.distance, score_cutoff=limit, limit=3):
            if len(word) < 7 and sorted(candidate) != sorted(word):
                continue
            if not (candidate.startswith(word) or word.startswith(candidate)):
                return candidate
        if len(word) < 7:
            return word
        start = word[: max(6, len(word) - 3)]
        forms = [known for known in self._choices if known.startswith(start)]
        return min(forms, key=len) if forms else word

    def tokens(self, text: str) -> list[str]:
        """The content words of `text`, in order, as stems."""
        # A number the knowledge base never mentions ("year 9", "2 days") says nothing about the topic.
        words = [self._spell(w) for w in WORDS.findall(fold(text)) if not w.isdigit() or w in self._known]
        joined = " ".join(words)
        for _ in range(2):  # twice, so that folds compose ("what is children missing education")
            joined = self._phrase.sub(lambda m: self._synonyms[m.group()], joined)
        stems = [stem(w) for w in joined.split() if w not in self._stop]
        return [w for w in stems if w not in self._stop]


def reader_for(knowledge: KnowledgeBase) -> TextReader:
    """A TextReader whose spelling fixes aim at the words of this knowledge base."""
    texts = [text for e in knowledge.entries for text in (e.title, *e.phrasings, *e.keywords)]
    texts.extend([*knowledge.lexicon.synonyms.values(), *knowledge.lexicon.off_topic])
    return TextReader(knowledge.lexicon, {w for text in texts for w in WORDS.findall(fold(text))})
