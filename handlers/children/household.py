"""Siblings and households: children sharing a parent or carer at one address, or an address.

A sibling link needs a parent's or carer's name *and* the address to agree (a name alone is too
common to link children); a household link needs the postcode and the first line of the address
(storage/child_keys.py). Links are stored once (lower child id first) and read through merges, so
a child merged into another shows its survivor. Siblings' open cases matter when one case closes:
a family that moved or was found usually moved or was found together, and the reasonable enquiries
ask siblings and the schools siblings attend (cme-domain.md section 5; section 9 lists siblings
among a referral's fields).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from handlers.messages import ActionId, Button, Reply
from storage.blind import blinded_child_keys
from storage.child_keys import ADDRESS, PARENT
from storage.children import Child, ChildKey, ChildLink, LinkKind
from storage.models import Case
from storage.queries import record_audit
from storage.types import utcnow

KIND_WORDS = {LinkKind.SIBLING.value: "sibling", LinkKind.HOUSEHOLD.value: "same household"}
MAX_BUTTONS = 6


def index_child(session: Session, child: Child) -> set[tuple[str, str]]:
    """Bring the child's (blinded) search keys up to date with its record; returns the keys."""
    wanted = blinded_child_keys(child.model_dump())
    rows = session.exec(select(ChildKey).where(ChildKey.child_id == child.id)).all()
    have = {(row.kind, row.key): row for row in rows}
    for pair, row in have.items():
        if pair not in wanted:
            session.delete(row)
    for kind, key in wanted - have.keys():
        session.add(ChildKey(child_id=child.id, kind=kind, key=key))
    session.flush()
    return wanted


def survivor(session: Session, child_id: int | None) -> Child | None:
    """The child a record resolves to: itself, or the record it was merged into (followed to the end).

    None for a case with no child record (child_id None).
    """
    if child_id is None:
        return None
    seen: set[int] = set()
    child = session.get(Child, child_id)
    while child is not None and child.merged_into is not None and child.id not in seen:
        seen.add(child.id)
        child = session.get(Child, child.merged_into)
    return child


def link_household(
    session: Session, *, child: Child, actor: str = "system", case_id: int | None = None, at: dt.datetime | None = None
) -> list[ChildLink]:
    """Index the child and link it to children sharing a parent at its address (sibling) or the address."""
    keys = index_child(session, child)
    if child.merged_into is not None:  # a merged record's links belong to its survivor
        return []
    found: dict[str, set[int]] = {LinkKind.SIBLING: set(), LinkKind.HOUSEHOLD: set()}
    for kind, link in ((PARENT, LinkKind.SIBLING), (ADDRESS, LinkKind.HOUSEHOLD)):
        mine = [key for k, key in keys if k == kind]
        if mine:
            query = select(ChildKey.child_id).where(ChildKey.kind == kind, col(ChildKey.key).in_(mine))
            found[link].update(session.exec(query).all())
    made = []
    for kind, ids in found.items():
        for other_id in sorted(ids - {child.id}):
            other = survivor(session, other_id)
            if other is None or other.id == child.id:
                continue
            link = _link(session, child.id, other.id, kind)
            if link is not None:
                made.append(link)
                detail = {"kind": str(kind), "child_id": link.child_id, "other_id": link.other_id}
                record_audit(session, case_id=case_id, actor=actor, action="child.linked", at=at, detail=detail)
    return made


def _link(session: Session, one: int, two: int, kind: str) -> ChildLink | None:
    low, high = min(one, two), max(one, two)
    query = select(ChildLink).where(ChildLink.child_id == low, ChildLink.other_id == high, ChildLink.kind == kind)
    if session.exec(query).first() is not None:
        return None
    link = ChildLink(child_id=low, other_id=high, kind=str(kind), created_at=utcnow())
    session.add(link)
    session.flush()
    return link


def linked_children(session: Session, child_id: int) -> dict[int, set[str]]:
    """The children linked to this one (survivors, never itself), each with the kinds of link."""
    ids = _merged_ids(session, child_id)
    query = select(ChildLink).where(col(ChildLink.child_id).in_(ids) | col(ChildLink.other_id).in_(ids))
    kinds: dict[int, set[str]] = defaultdict(set)
    for link in session.exec(query).all():
        other = link.other_id if link.child_id in ids else link.child_id
        resolved = survivor(session, other)
        if resolved is not None and resolved.id not in ids:
            kinds[resolved.id].add(link.kind)
    return dict(kinds)


def _merged_ids(session: Session, child_id: int) -> set[int]:
    """The child and every record merged into it (directly or through another merged record)."""
    return set(_owners(session, [child_id]))


def _owners(session: Session, child_ids: Iterable[int]) -> dict[int, int]:
    """Each record merged (at any depth) into one of `child_ids`, and those ids themselves, mapped to that id."""
    owner = {child_id: child_id for child_id in child_ids}
    frontier = set(owner)
    while frontier:
        rows = session.exec(select(Child.id, Child.merged_into).where(col(Child.merged_into).in_(frontier))).all()
        fresh = {merged: into for merged, into in rows if merged not in owner}
        owner.update({merged: owner[into] for merged, into in fresh.items()})
        frontier = set(fresh)
    return owner


def cases_of(session: Session, child_ids: Iterable[int]) -> dict[int, list[Case]]:
    """Each child's cases (including records merged into it), oldest first, in two or three queries."""
    owner = _owners(session, child_ids)
    out: dict[int, list[Case]] = {child_id: [] for child_id in set(owner.values())}
    if not owner:
        return out
    query = select(Case).where(col(Case.child_id).in_(list(owner))).order_by(col(Case.created_at), col(Case.id))
    for case in session.exec(query).all():
        out[owner[case.child_id]].append(case)
    return out


def case_words(cases: Sequence[Case]) -> str:
    """'CME-2026-0003 open, CME-2025-0031 closed' (no child details)."""
    return ", ".join(f"{case.reference} {state_of(case)}" for case in cases) or "no cases"


def state_of(case: Case) -> str:
    """A case's state as a word: open, closed, or merged."""
    return "merged" if case.merged_into is not None else case.state


def full_name(child: Child) -> str:
    """The child's names as recorded (officers only)."""
    return " ".join(part for part in (child.forenames, child.surname) if part) or "name not known"


def linked_reply(session: Session, case: Case) -> Reply | None:
    """For the officer's case view: linked children with their cases' references and states (None if none)."""
    if case.child_id is None:
        return None
    linked = linked_children(session, case.child_id)
    if not linked:
        return None
    cases = cases_of(session, linked)
    facts, buttons = [], []
    for other_id, kinds in sorted(linked.items()):
        child = session.get(Child, other_id)
        words = ", ".join(KIND_WORDS[kind] for kind in KIND_WORDS if kind in kinds)  # sibling first
        facts.append((f"{full_name(child)} ({words})", case_words(cases[other_id])))
        buttons.extend(_open_buttons(cases[other_id], room=MAX_BUTTONS - len(buttons)))
    text = "Children linked by a parent or carer at the same address (sibling) or by the address (household)."
    return Reply(text, title="Siblings and household", facts=tuple(facts), buttons=tuple(buttons))


def _open_buttons(cases: Sequence[Case], *, room: int) -> list[Button]:
    shown = [case for case in cases if case.merged_into is None][-max(room, 0) :] if room > 0 else []
    return [Button(f"Open {case.reference}", f"/cme case {case.reference}", ActionId.OPEN_CASE) for case in shown]


def siblings_prompt(session: Session, case: Case) -> Reply | None:
    """After a case closes: the open cases of linked children, to check whether they are affected too."""
    if case.child_id is None:
        return None
    linked = linked_children(session, case.child_id)
    open_cases = [c for cases in cases_of(session, linked).values() for c in cases if state_of(c) == "open"]
    if not open_cases:
        return None
    refs = ", ".join(c.reference for c in open_cases)
    text = (
        f"Linked children (siblings or the same household) have open cases: {refs}. "
        "Check whether what closed this case applies to them too."
    )
    buttons = tuple(
        Button(f"View {c.reference}", f"/cme case {c.reference}", ActionId.OPEN_CASE) for c in open_cases[:MAX_BUTTONS]
    )
    return Reply(
        text, title="Siblings' open cases", buttons=buttons, data={"linked_open": [c.reference for c in open_cases]}
    )
