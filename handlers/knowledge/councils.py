"""English local authorities and their DfE LA codes, and finding the one an officer means.

The list is bundled (knowledge/data/local_authorities.yaml, its source named there). A council is
taken only when the text is its code, its name or one of its aliases; anything else gives the
candidates to choose from, so a transfer never goes to a council the bot guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

DATA = Path(__file__).parent / "data" / "local_authorities.yaml"
CODE = re.compile(r"[0-9]{3}", re.ASCII)
MAX_CANDIDATES = 5
FUZZY_CUTOFF = 80  # rapidfuzz WRatio: "Leds" finds Leeds, "Man" does not find everything
# Words people add to a council's name that are not part of it ("Leeds City Council").
_FILLER = re.compile(
    r"\b(the|city council|county council|metropolitan borough council|borough council|council|"
    r"london borough of|royal borough of|borough of)\b"
)


@dataclass(frozen=True)
class Council:
    """One English local authority with education duties (or an abolished one, with `ended`)."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    ended: dt.date | None = None
    replaced_by: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The name with its code, as officers see it: 'Leeds (383)'."""
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Found:
    """What the text named: one council, or the candidates to choose from (none when nothing is near)."""

    council: Council | None
    candidates: tuple[Council, ...] = ()
    note: str | None = None  # why there is no single answer (an abolished council)


def normal(text: str) -> str:
    """A name as compared: lower case, '&' as 'and', punctuation and filler words ('council') dropped."""
    text = text.lower().replace("&", " and ").replace("st.", "st ")
    text = re.sub(r"[^\w\s]", " ", text)
    text = _FILLER.sub(" ", text)
    return " ".join(text.split())


@cache
def councils() -> tuple[Council, ...]:
    """Every council in the bundled list, current and abolished."""
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return tuple(
        Council(
            code=str(item["code"]),
            name=item["name"],
            aliases=tuple(item.get("aliases", ())),
            ended=item.get("ended"),
            replaced_by=tuple(str(code) for code in item.get("replaced_by", ())),
        )
        for item in raw["councils"]
    )


@cache
def _by_code() -> dict[str, Council]:
    return {council.code: council for council in councils()}


@cache
def _by_name() -> dict[str, tuple[Council, ...]]:
    """Each normalised name or alias and the current councils it names (abolished ones only when no current one)."""
    names: dict[str, list[Council]] = {}
    for council in sorted(councils(), key=lambda c: c.ended is not None):
        for name in (council.name, *council.aliases):
            found = names.setdefault(normal(name), [])
            if council not in found and (council.ended is None or not found):
                found.append(council)
    return {key: tuple(value) for key, value in names.items()}


def by_code(code: str) -> Council | None:
    """The council with this DfE LA code, if the list has it."""
    return _by_code().get(code.strip())


def _abolished(council: Council) -> Found:
    successors = tuple(_by_code()[code] for code in council.replaced_by)
    names = " and ".join(s.label for s in successors)
    note = f"{council.label} was replaced on {council.ended:%-d %B %Y} by {names}."
    return Found(None, successors, note)


def find(text: str) -> Found:
    """The council `text` names by code, name or alias; else the nearest candidates (never a guess)."""
    wanted = text.strip()
    if CODE.fullmatch(wanted):
        council = by_code(wanted)
        if council is None:
            return Found(None)
        return _abolished(council) if council.ended else Found(council)
    key = normal(wanted)
    if not key:
        return Found(None)
    named = _by_name().get(key, ())
    if len(named) == 1:
        return _abolished(named[0]) if named[0].ended else Found(named[0])
    if named:
        return Found(None, named)
    return Found(None, _near(key))


def _near(key: str) -> tuple[Council, ...]:
    """Current councils whose name starts with the text's words, else the closest by rapidfuzz WRatio."""
    current = [c for c in councils() if c.ended is None]
    starts = [c for c in current if any(normal(n).startswith(key) for n in (c.name, *c.aliases))]
    if starts:
        return tuple(starts[:MAX_CANDIDATES])
    choices = {c.code: normal(c.name) for c in current}
    best = process.extract(
        key,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=MAX_CANDIDATES,
        score_cutoff=FUZZY_CUTOFF,
    )
    return tuple(_by_code()[code] for _, _, code in best)
