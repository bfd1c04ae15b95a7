"""A new referral's case linked to its child in the submit transaction: the known child, or a new one.

The outcome tells intake what to do next: merge into the child's open case (a strong match while a
case is open: the officer gets "new information on ..."), start a repeat episode (the child's earlier
cases are closed), or start a first one, with any possible matches waiting for an officer's decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from handlers.children.matching import Candidate, find_matches
from handlers.children.record import child_values, new_child, update_child
from handlers.knowledge.profile import Matching
from storage.child_queries import cases_of_child, closed_episodes, surviving_child
from storage.children import Child, ChildMatch
from storage.models import Case


@dataclass
class Linked:
    """What linking found: the child, an open case to merge into, earlier closed episodes, possible matches."""

    child: Child
    how: str  # "upn", "strong", "possible" or "new": for the audit record (no child details)
    open_case: Case | None = None
    episodes: list[Case] = field(default_factory=list)
    possible: int = 0
    joined: Candidate | None = None  # the known child it joined automatically: score and plain reasons
    changes: dict = field(default_factory=dict)  # what joining wrote onto that child's record, before and after


def link_case(session: Session, case: Case, answers: dict[str, Any], matching: Matching, now: dt.datetime) -> Linked:
    """Find or make the child of a just-created case and point the case at it (no merge yet)."""
    values = child_values(answers)
    found = find_matches(session, values, matching)
    child = surviving_child(session, found.strong.child_id) if found.strong else None
    changes = {}
    if child is not None:
        changes = update_child(child, values, now)
        session.add(child)
        how = "upn" if found.strong and "same UPN" in found.strong.reasons else "strong"
    else:
        child = new_child(session, values, now)
        how = "possible" if found.possible else "new"
        for candidate in found.possible:
            session.add(
                ChildMatch(
                    case_id=case.id,
                    candidate_id=candidate.child_id,
                    score=candidate.score,
                    reasons=list(candidate.reasons),
                    created_at=now,
                )
            )
    case.child_id = child.id
    session.add(case)
    others = [c for c in cases_of_child(session, child.id) if c.id != case.id]
    open_case = next((c for c in others if c.state == "open"), None)
    episodes = [] if open_case else closed_episodes(session, child.id, before=case)
    joined = found.strong if how in ("upn", "strong") else None
    return Linked(child, how, open_case, episodes, len(found.possible), joined, changes)


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def episode_note(episodes: list[Case]) -> str | None:
    """'3rd episode: previous CME-2025-0031 closed moved_other_la' (references and outcomes only), or None."""
    if not episodes:
        return None
    last = episodes[-1]
    return (
        f"{ordinal(len(episodes) + 1)} episode: previous {last.reference} closed {last.outcome or 'without an outcome'}"
    )
