"""Officers' decisions on possible matches, and the merges they cause: of child records and of open cases.

Same child: the two child records become one (the newer points at the older, which keeps every case);
if both cases are open the newer case merges into the older, so one officer works one case, and its
reference keeps resolving to the survivor. Different child: recorded, nothing merged. A decision is
taken once: two officers pressing at once race on a conditional UPDATE (storage/child_queries.py
decide_match) and the loser is told who decided. Every check runs before anything changes, so a
refused merge leaves the database as it was. Messages name references, never child details.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from handlers.children.household import link_household
from handlers.children.record import absorb
from storage.child_queries import (
    MERGED,
    cases_of_child,
    decide_match,
    match_between,
    merged_into_case,
    reports_of,
    surviving_case,
    surviving_child,
)
from storage.children import Child, ChildMatch, MatchState
from storage.merges import CaseMerge, MergeKind
from storage.models import ACTIVE_STEP_STATES, Case, StepState
from storage.queries import record_audit, steps_of
from storage.restricted import merge_would_show

DECISION_WORDS = {MatchState.SAME.value: "same child", MatchState.DIFFERENT.value: "different child"}


class MergeError(ValueError):
    """A decision or merge that can't be made; the message is safe to show an officer and says what to do."""


def _who(key: str | None) -> str:
    return (key or "another officer").rsplit(":", 1)[-1]


def check_case_merge(source: Case, target: Case) -> None:
    """Raise MergeError when `source` can't be merged into `target` (itself, closed, or merged already)."""
    if source.id == target.id:
        raise MergeError(f"{source.reference} can't be merged into itself. Nothing was changed.")
    if source.merged_into is not None:
        raise MergeError(f"{source.reference} was already merged into another case. Nothing was changed.")
    if target.merged_into is not None or target.state == MERGED:
        raise MergeError(
            f"{target.reference} was itself merged into another case. Nothing was changed: "
            f"open it with /cme case {target.reference} to see the case that stands."
        )
    if target.state != "open":
        raise MergeError(
            f"{target.reference} is closed, so {source.reference} can't be merged into it. Nothing was changed. "
            f"Reopen it first with /cme reopen {target.reference} REASON."
        )
    if source.state != "open":
        raise MergeError(f"{source.reference} is closed; only an open case can be merged. Nothing was changed.")


def check_restriction(session: Session, source: Case, target: Case) -> None:
    """Raise MergeError when merging `source` into `target` would show a restricted referral to more officers."""
    if merge_would_show(session, source, target):
        raise MergeError(
            f"{source.reference} is restricted and {target.reference} is not restricted to the same officers, so "
            f"merging would show {source.reference}'s referral to officers not named on it. Nothing was changed. "
            f"Restrict {target.reference} to the officers named on {source.reference} first "
            f"(/cme restrict {target.reference} REASON @officer ...), then try again."
        )


def merge_case(session: Session, source: Case, target: Case, *, actor: str, now: dt.datetime, reason: str) -> dict:
    """Merge open case `source` into open case `target`: its reports move, its waiting steps stop; audited.

    Returns what a split needs to undo it (storage/merges.py): the reports moved, the steps stopped and their
    states, the target's urgency and the source's state before.
    """
    check_case_merge(source, target)
    check_restriction(session, source, target)
    undo: dict = {"reports": [], "steps": {}, "urgent": target.urgent, "state": source.state}
    for report in reports_of(session, source.id):
        report.case_id = target.id
        session.add(report)
        undo["reports"].append(report.id)
    for step in steps_of(session, source.id):
        if step.state in ACTIVE_STEP_STATES:
            undo["steps"][str(step.id)] = step.state
            step.state = StepState.CLOSED
            session.add(step)
    source.merged_into, source.state, source.updated_at = target.id, MERGED, now
    source.child_id = target.child_id
    target.urgent = target.urgent or source.urgent
    target.updated_at = now
    session.add_all([source, target])
    record_audit(session, case_id=source.id, actor=actor, action="case.merged", at=now, reason=reason,
                 detail={"into": target.reference})  # fmt: skip
    record_audit(session, case_id=target.id, actor=actor, action="case.merged_in", at=now, reason=reason,
                 detail={"from": source.reference})  # fmt: skip
    return undo


def merge_children(session: Session, duplicate: Child, survivor: Child, *, now: dt.datetime) -> dict:
    """Point the duplicate record and its cases at the survivor; returns what a split needs to undo it."""
    moved = []
    for case in [*cases_of_child(session, duplicate.id), *_merged_cases_of(session, duplicate.id)]:
        case.child_id = survivor.id
        session.add(case)
        moved.append(case.id)
    filled = absorb(survivor, duplicate, now)
    duplicate.merged_into, duplicate.updated_at = survivor.id, now
    session.add_all([survivor, duplicate])
    session.flush()
    made = link_household(session, child=survivor, at=now)  # the survivor's search keys and links take what it absorbed
    return {"cases": moved, "child": stored_changes(filled), "links": [link.id for link in made]}


def stored_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list]:
    """A child record's changed columns, before and after, as JSON keeps them (dates as ISO text)."""
    return {column: [_json(before), _json(after)] for column, (before, after) in changes.items()}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def record_merge(session: Session, *, case: Case, into: Case | None, kind: str, actor: str, now: dt.datetime,
                 **details: Any) -> CaseMerge:  # fmt: skip
    """Keep what a merge changed (details: case_merged, child_id, into_child_id, score, reasons, undo)."""
    merge = CaseMerge(case_id=case.id, into_case_id=into.id if into else None, kind=kind, merged_by=actor,
                      merged_at=now, **details)  # fmt: skip
    session.add(merge)
    session.flush()
    return merge


def _merged_cases_of(session: Session, child_id: int) -> list[Case]:
    return [c for case in cases_of_child(session, child_id) for c in merged_into_case(session, case.id)]


def _pair(session: Session, case: Case, other: Case) -> tuple[Case, Case, Child, Child]:
    if case.id == other.id:
        raise MergeError(
            f"You named {case.reference} twice: a case can't be merged into itself. Nothing was changed. "
            "Type /cme same REF OTHERREF with two different cases."
        )
    first, second = surviving_case(session, case), surviving_case(session, other)
    if first is None or second is None or first.id == second.id:
        standing = first.reference if first is not None else case.reference
        raise MergeError(
            f"{case.reference} and {other.reference} are one case already ({standing}, after an earlier merge). "
            f"Nothing was changed. Open it with /cme case {standing}."
        )
    child, other_child = surviving_child(session, first.child_id), surviving_child(session, second.child_id)
    if child is None or other_child is None:
        raise MergeError(f"{first.reference} or {second.reference} has no child record yet. Nothing was changed.")
    return first, second, child, other_child


def _claim(session: Session, match: ChildMatch | None, state: str, *, actor: str, now: dt.datetime) -> None:
    """Take the decision on `match`, or raise MergeError naming who already took it."""
    if match is None:
        return
    if match.state == MatchState.PENDING and decide_match(session, match, state=state, actor=actor, now=now):
        return
    session.refresh(match)
    words = DECISION_WORDS.get(match.state, match.state)
    raise MergeError(
        f"This possible match was already decided by {_who(match.decided_by)}: {words}. "
        "Their decision stands and nothing was changed."
    )


def decide_same(session: Session, case: Case, other: Case, *, actor: str, now: dt.datetime) -> str:
    """Record that both cases are about one child: merge the records (and the cases if both are open)."""
    first, second, child, other_child = _pair(session, case, other)
    match = match_between(session, [first.id, second.id], [child.id, other_child.id])
    if child.id == other_child.id and (match is None or match.state != MatchState.PENDING):
        raise MergeError(f"{first.reference} and {second.reference} are already the same child's. Nothing was changed.")
    older, newer = sorted((first, second), key=lambda c: (c.created_at, c.id))
    if older.state == "open" and newer.state == "open":
        check_restriction(session, newer, older)
    _claim(session, match, MatchState.SAME.value, actor=actor, now=now)
    survivor, duplicate = (child, other_child) if child.id < other_child.id else (other_child, child)
    undo = merge_children(session, duplicate, survivor, now=now) if survivor.id != duplicate.id else {}
    for mine, theirs in ((first, second), (second, first)):
        record_audit(session, case_id=mine.id, actor=actor, action="child.same", at=now,
                     detail={"other": theirs.reference, "match": match.id if match else None})  # fmt: skip
    both_open = older.state == "open" and newer.state == "open"
    if both_open:
        undo |= merge_case(session, newer, older, actor=actor, now=now, reason="same child, both cases open")
    if both_open or survivor.id != duplicate.id:
        # A split names the case merged, or else the case whose child record was folded into the other.
        moved, into = (newer, older) if both_open else (first, second) if child.id == duplicate.id else (second, first)
        folded = duplicate.id if survivor.id != duplicate.id else None
        record_merge(session, case=moved, into=into, kind=MergeKind.OFFICER, actor=actor, now=now,
                     case_merged=both_open, child_id=folded, into_child_id=survivor.id, undo=undo,
                     score=match.score if match else None, reasons=list(match.reasons) if match else [])  # fmt: skip
    if both_open:
        return (
            f"Recorded: {first.reference} and {second.reference} are the same child. Both cases were open, so "
            f"{newer.reference} was merged into {older.reference} (its reference now opens {older.reference})."
        )
    return f"Recorded: {first.reference} and {second.reference} are the same child; the child's record holds both."


def decide_different(session: Session, case: Case, other: Case, *, actor: str, now: dt.datetime) -> str:
    """Record that the possible match between the two cases' children is a different child."""
    first, second, child, other_child = _pair(session, case, other)
    match = match_between(session, [first.id, second.id], [child.id, other_child.id])
    if match is None:
        raise MergeError(
            f"There is no possible match between {first.reference} and {second.reference} to decide. Nothing "
            f"was changed. /cme case {first.reference} lists its possible matches."
        )
    _claim(session, match, MatchState.DIFFERENT.value, actor=actor, now=now)
    for mine, theirs in ((first, second), (second, first)):
        record_audit(session, case_id=mine.id, actor=actor, action="child.different", at=now,
                     detail={"other": theirs.reference, "match": match.id})  # fmt: skip
    return f"Recorded: {first.reference} and {second.reference} are about different children."
