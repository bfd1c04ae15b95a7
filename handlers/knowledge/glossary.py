"""The glossary: the terms a practitioner meets in the forms and answers (CTF, S2S, UPN, MASH ...), explained.

The entries are data (knowledge/data/glossary.yaml), each a short plain explanation with its sources. The API:

- `explain(term) -> Explanation | None`: the entry for a term as staff write it, in any case, with or without an
  article or a plural ("a CTF", "CTFs", "the Lost Pupils Database", "School2School"), else None.
- `terms_in(text) -> list[Explanation]`: every entry a text mentions (a question, a form's question or help), in
  the order they first appear, each once. An abbreviation that is also an ordinary word ("MASH", "SEN", "AP")
  counts only when written in capitals.
- `asked_about(text) -> Explanation | None`: the entry when the text only asks what a term means ("what is a
  CTF?", "UPN meaning", "who are MASH"), else None. The answer engine (knowledge/ask.py) answers such a
  question from the glossary, or from `answered_by`, the knowledge-base entry that explains the term more fully.

An Explanation carries `term`, `text`, `sources` (Source objects), `answered_by` and `related` (knowledge-base
entry ids) and renders as `as_text()`. No contact details are typed into an entry (they live in the profile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from handlers.knowledge.faq import FaqError, Sources, cite, literal_contact
from handlers.knowledge.sources import Source

GLOSSARY_FILE = Path(__file__).parent / "data" / "glossary.yaml"
# Words that only ask what something means. A question made of a term and these words asks for its meaning;
# any other word ("when", "upload", "send") asks something else, for the answer engine to read.
_ASKING_WORDS = """
what whats wat wot is are a an the does do did mean means meaning meant by stand stands for definition define
defined explain explanation of please pls plz sorry quick question q hi hello hey who whos it its this that
exactly abbreviation acronym short term word you can could u tell me i we heard hear hearing keep someone
mentioned in on form referral dont don t know not sure s re thanks thx cheers again there they say says said people
"""
ASKING = frozenset(_ASKING_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    term: str = Field(min_length=2)
    aliases: list[str] = Field(min_length=1)
    exact: list[str] = Field(default_factory=list)
    text: str = Field(min_length=20)
    sources: Sources
    answered_by: str | None = None
    related: list[str] = Field(default_factory=list)

    @field_validator("text")
    @classmethod
    def _no_contact_details(cls, value: str) -> str:
        if found := literal_contact(value):
            raise ValueError(f"contact detail {found!r} typed in: say where to find it (/cme contacts)")
        return " ".join(value.split())


@dataclass(frozen=True)
class Explanation:
    """One glossary entry: the term, its plain explanation, sources, and knowledge-base entries that go further."""

    id: str
    term: str
    text: str
    sources: tuple[Source, ...]
    answered_by: str | None = None
    related: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        """The topic id the answer engine reports for this entry ("glossary:ctf")."""
        return f"glossary:{self.id}"

    def as_text(self) -> str:
        """'TERM: explanation' with its sources, for a help message."""
        cited = "; ".join(f"{s.title}, {s.url}" for s in self.sources)
        return f"{self.term}: {self.text} (Source: {cited})"


@dataclass(frozen=True)
class _Glossary:
    entries: tuple[Explanation, ...]
    strict: re.Pattern[str]  # the aliases that are never ordinary words, over folded text
    loose: re.Pattern[str]  # every alias, capitals-only ones too, over folded text
    exact: re.Pattern[str]  # the capitals-only aliases, over the text as written
    owner: dict[str, Explanation]  # folded alias -> entry


def _fold(text: str) -> str:
    """Lower case, words only, one space: 'School2School' -> 'school2school', "Lost Pupils' Database" too."""
    return " ".join(_WORD.findall(text.lower()))


def _alternation(aliases: list[str]) -> re.Pattern[str]:
    # A plural "s" (or "es") on the last word is allowed: "CTFs", "UPNs", "census dates".
    if not aliases:
        return re.compile(r"(?!)")  # matches nothing
    ordered = sorted(set(aliases), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(a) for a in ordered) + r")(?:e?s)?\b")


def _entry(row: _Entry) -> Explanation:
    return Explanation(row.id, row.term, row.text, tuple(cite(row.sources)), row.answered_by, tuple(row.related))


def _rows() -> list[_Entry]:
    try:
        return [_Entry.model_validate(item) for item in yaml.safe_load(GLOSSARY_FILE.read_text("utf-8"))["terms"]]
    except (ValidationError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise FaqError(f"{GLOSSARY_FILE.name}: {exc}") from None


@cache
def _glossary() -> _Glossary:
    owner: dict[str, Explanation] = {}
    exact: list[str] = []
    for row in _rows():
        if missing := set(row.exact) - set(row.aliases):
            raise FaqError(f"{GLOSSARY_FILE.name}: {row.id}: exact {sorted(missing)} not among its aliases")
        entry = _entry(row)
        for alias in row.aliases:
            if owner.get(_fold(alias), entry).id != row.id:
                raise FaqError(f"{GLOSSARY_FILE.name}: alias {alias!r} is also {owner[_fold(alias)].id!r}'s")
            owner[_fold(alias)] = entry
        exact += row.exact
    capitals = {_fold(alias) for alias in exact}
    ordinary = [alias for alias in owner if alias not in capitals]
    entries = tuple(dict.fromkeys(owner.values()))
    return _Glossary(entries, _alternation(ordinary), _alternation(list(owner)), _alternation(exact), owner)


def entries() -> tuple[Explanation, ...]:
    """Every glossary entry, in the file's order."""
    return _glossary().entries


def _owner_of(matched: str) -> Explanation:
    table, key = _glossary().owner, _fold(matched)
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
        if candidate in table:
            return table[candidate]
    raise KeyError(matched)  # the patterns are built from the table: unreachable


def _spans(text: str, *, loose: bool) -> list[tuple[int, int, Explanation]]:
    """(start, end, entry) of every term in the folded `text`, longest first where two overlap, in text order.

    Loose: capitals-only aliases in any case too. Strict: those only as written, mapped onto the folded text by
    folding the text before them.
    """
    glossary = _glossary()
    folded = _fold(text)
    pattern = glossary.loose if loose else glossary.strict
    found = [(m.start(), m.end(), _owner_of(m.group())) for m in pattern.finditer(folded)]
    if not loose:
        for m in glossary.exact.finditer(text):
            start = len(_fold(text[: m.start()] + "x")) - 1  # where this word starts in the folded text
            found.append((start, start + len(_fold(m.group())), _owner_of(m.group())))
    chosen: list[tuple[int, int, Explanation]] = []
    for span in sorted(found, key=lambda s: (s[0] - s[1], s[0])):  # longest first
        if all(span[1] <= other[0] or span[0] >= other[1] for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s[0])


def terms_in(text: str) -> list[Explanation]:
    """Every glossary entry `text` mentions, in order of first mention, each once."""
    if not isinstance(text, str) or not text.strip():
        return []
    return list(dict.fromkeys(entry for _, _, entry in _spans(text[:5000], loose=False)))


def explain(term: str) -> Explanation | None:
    """The entry for `term` ("CTF", "a ctf", "UPNs", "School2School"), or None when it is not in the glossary."""
    return asked_about(term)


def asked_about(text: str) -> Explanation | None:
    """The entry when `text` only asks what one term means ("what is a CTF?", "mash?"), else None."""
    if not isinstance(text, str) or not text.strip() or len(text) > 300:
        return None
    spans = _spans(text, loose=True)  # nothing else is said, so "mash" can only mean MASH here
    if not spans or len({entry.id for _, _, entry in spans}) != 1:
        return None
    rest = _fold(text)
    for start, end, _ in reversed(spans):
        rest = rest[:start] + " " + rest[end:]
    return spans[0][2] if all(word in ASKING for word in rest.split()) else None
