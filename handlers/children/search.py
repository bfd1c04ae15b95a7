"""Finding a child: by name (whole, partial or similar), UPN, date of birth or postcode, for officers only.

Every lookup goes through an index: a UPN, date of birth or postcode reads child's blind indexes; a
name reads the child_key index (handlers/children/by_name.py), never every child. A record merged
into another is shown as its survivor. The query is child data: it is never logged, and the audit
trail keeps only what kind of search it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable

from sqlmodel import Session, select

from handlers.children.by_name import by_name
from handlers.children.household import cases_of, survivor
from handlers.forms.fields import POSTCODE_RE, Confirm, Invalid, parse_date
from handlers.forms.identifiers import UPN_LETTERS, upn_check_letter
from storage.blind import dob_index, postcode_index, upn_index
from storage.child_keys import fold, is_placeholder_name
from storage.children import Child
from storage.models import Case
from storage.restricted import hidden_case_ids

EXAMPLES = (
    "For example: /cme find Ava Testchild · /cme find Testch (part of a name) · /cme find 2/5/2014 "
    "(date of birth) · /cme find BL9 0EJ (postcode) · /cme find A123456789012 (UPN)."
)
LIMIT = 20  # results shown; the reply says how many more there were
_UPN_SHAPE = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]", re.ASCII)


class SearchError(ValueError):
    """A query that can't be searched; the message says why and what to type (it never quotes the query)."""


@dataclasses.dataclass(frozen=True)
class Query:
    """What to look for: kind is name, dob, upn or postcode."""

    kind: str
    value: object
    note: str = ""  # how a date was read, when it had to be guessed


@dataclasses.dataclass
class Hit:
    """One child found, with why and how strongly, and its cases."""

    child: Child
    matched_on: str
    score: int
    cases: list[Case] = dataclasses.field(default_factory=list)
    restricted: bool = False  # a case of this child is restricted to officers the searcher is not one of

    def to_json(self) -> dict:
        """The JSON shape of cme-bot find --json (child details: officers only; a restricted one: references only)."""
        if self.restricted:
            cases = [{"reference": c.reference, "state": "restricted"} for c in self.cases]
            return {"child_id": None, "names": [], "dob": None, "matched_on": "restricted", "score": 0, "cases": cases}
        names = [" ".join(p for p in (self.child.forenames, self.child.surname) if p)]
        names += [self.child.other_names] if self.child.other_names else []
        return {
            "child_id": self.child.id,
            "names": [name for name in names if name],
            "dob": self.child.dob.isoformat() if self.child.dob else None,
            "matched_on": self.matched_on,
            "score": self.score,
            "cases": [{"reference": c.reference, "state": _state(c)} for c in self.cases],
        }


def _state(case: Case) -> str:
    return "merged" if case.merged_into is not None else case.state


def read_query(text: str | None, *, today: dt.date) -> Query:
    """What `text` asks for: a UPN, a postcode, a date of birth, or else a (partial) name."""
    raw = (text or "").strip()
    if not raw:
        raise SearchError(
            f"What should I look for? Type a name, part of a name, a UPN, a date of birth or a postcode. {EXAMPLES}"
        )
    if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF or ch == "\ufffd" for ch in raw):
        raise SearchError(f"That search has a hidden or unreadable character in it. Please type it again. {EXAMPLES}")
    if len(raw) > 100:
        raise SearchError(f"That search is too long ({len(raw)} characters, 100 at most). {EXAMPLES}")
    compact = re.sub(r"[\s-]+", "", raw).upper()
    if _UPN_SHAPE.fullmatch(compact):
        return _upn(compact)
    if POSTCODE_RE.match(compact) and len(compact) >= 5:
        return Query("postcode", f"{compact[:-3]} {compact[-3:]}")
    if any(ch.isdigit() for ch in raw):
        return _date(raw, today)
    if fold(raw) and is_placeholder_name(raw):
        raise SearchError(
            "'Not known' is what a referral says when the name wasn't known, so no child is recorded under it. "
            f"Search by date of birth, postcode or UPN instead. {EXAMPLES}"
        )
    words = [word for word in fold(raw).split() if len(word) >= 2]
    if not words:
        raise SearchError(f"Type at least two letters of a name. {EXAMPLES}")
    return Query("name", raw)


def _upn(upn: str) -> Query:
    if upn[0] not in UPN_LETTERS or upn_check_letter(upn[1:]) != upn[0]:
        raise SearchError(
            "That looks like a UPN but its check letter (the first character) doesn't match the rest, so a "
            "character is probably mistyped. Check it against the school's records, or search by name or date "
            f"of birth instead. {EXAMPLES}"
        )
    return Query("upn", upn)


def _date(raw: str, today: dt.date) -> Query:
    try:
        return Query("dob", parse_date(raw, today=today))
    except Confirm as guess:  # a two-digit year: a search records nothing, so search the likelier year and say so
        meant = dt.date.fromisoformat(str(guess.value))
        return Query("dob", meant, note=f"Read as {meant.day} {meant:%B %Y}; type the year in full for another.")
    except Invalid as exc:  # parse_date's message says what a date needs and never quotes the text
        raise SearchError(
            f"{exc} (A name has no digits; a UPN is 13 characters; a postcode looks like BL9 0EJ.) {EXAMPLES}"
        ) from exc


def find_children(
    session: Session, query: Query, *, limit: int = LIMIT, viewer: str | None = None
) -> tuple[list[Hit], int]:
    """The children matching `query`, best first (at most `limit`), and how many matched in all.

    A child with a restricted case that does not name `viewer` is marked restricted: shown by reference only.
    """
    found = _FINDERS[query.kind](session, query.value)
    best: dict[int, Hit] = {}
    for child, matched_on, score in found:
        resolved = survivor(session, child.id) or child
        held = best.get(resolved.id)
        if held is None or score > held.score:
            best[resolved.id] = Hit(resolved, matched_on, score)
    ranked = sorted(best.values(), key=lambda hit: (-hit.score, hit.child.surname or "", hit.child.id))
    shown = ranked[:limit]
    cases = cases_of(session, [hit.child.id for hit in shown])
    for hit in shown:
        hit.cases = cases[hit.child.id]
    if viewer is not None:
        every = [case for hit in shown for case in hit.cases]
        hidden = hidden_case_ids(session, cases=every, user_key=viewer)
        for hit in shown:
            hit.restricted = any(case.id in hidden for case in hit.cases)
    return shown, len(ranked)


def _by_dob(session: Session, dob: dt.date) -> Iterable[tuple[Child, str, int]]:
    for child in session.exec(select(Child).where(Child.dob_bidx == dob_index(dob))).all():
        yield child, "dob", 100
    # Day and month swapped is the commonest slip in a typed date (cme-domain.md section 9: DOB).
    if dob.day <= 12 and dob.day != dob.month:
        swapped = dob.replace(day=dob.month, month=dob.day)
        for child in session.exec(select(Child).where(Child.dob_bidx == dob_index(swapped))).all():
            yield child, "dob (day and month swapped)", 80


def _by_upn(session: Session, upn: str) -> Iterable[tuple[Child, str, int]]:
    for child in session.exec(select(Child).where(Child.upn_bidx == upn_index(upn))).all():
        yield child, "upn", 100


def _by_postcode(session: Session, postcode: str) -> Iterable[tuple[Child, str, int]]:
    # The blind index is of the postcode without spaces: "BL9 0EJ" and "BL90EJ" agree.
    for child in session.exec(select(Child).where(Child.postcode_bidx == postcode_index(postcode))).all():
        yield child, "postcode", 100


_FINDERS = {"dob": _by_dob, "upn": _by_upn, "postcode": _by_postcode, "name": by_name}
