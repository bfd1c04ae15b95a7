"""Undoing a wrong merge: both cases, and both children's records, back as they were before it.

The merge's CaseMerge row (storage/merges.py) says what it changed. A split moves the case's referrals
back to it, starts again the enquiry steps the merge stopped, reopens it under its own reference, gives
the child a record of its own again (the record folded in by an officer, or a new one made from the
case's own referral when intake had joined it to a known child), puts back the details the merge wrote
onto the other record (only those nobody changed since), removes the links the merge made, and records
the pair as different children, so neither is offered as the other again. Notes never moved: each
stays with the case it was written on. A merge made before merges were recorded (migration 0013) is
undone from what can be inferred: the referral made with the case, its stopped steps.
Messages name references, never child details. Refusals change nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from handlers.children.household import link_household
from handlers.children.record import child_values, new_child
from storage.child_queries import MERGED, merged_group, reports_of, surviving_case, surviving_child
from storage.children import Child, ChildLink, ChildMatch, MatchState
from storage.merges import CaseMerge, MergeKind, claim_split, last_split, merges_into, merges_of
from storage.models import DETAILS_FORM, DETAILS_OF, Case, EnquiryStep, Report, StepState
from storage.queries import record_audit, steps_of


class SplitError(ValueError):
    """A split that can't be made; the message is safe to show an officer and says what to do instead."""


@dataclass
class Split:
    """What a split did (no child details): the cases, and what moved back."""

    case: Case
    other: Case | None
    case_merged: bool
    referrals: int = 0
    steps: int = 0
    own_record: str = "kept"  # "kept", "restored" (the record folded in) or "made" (from the case's referral)
    kept_details: list[str] = field(default_factory=list)  # the other record's details changed since: left as they are
    inferred: bool = False  # a merge from before merges were recorded
    needs_plan: bool = False  # merged at intake before its plan was made: the caller makes one


def the_merge(session: Session, typed: Case) -> CaseMerge | None:
    """The merge a split of `typed` undoes (None: a merge made before they were recorded); SplitError if none."""
    mine = merges_of(session, typed.id)
    if mine:
        return mine[0]
    if typed.merged_into is not None:
        return None  # merged before case_merge existed: inferred
    into = merges_into(session, [typed.id])
    if into:
        named = ", ".join(dict.fromkeys(_reference(session, m.case_id) for m in into))
        raise SplitError(
            f"{typed.reference} is the case that stands: {named} joined it. Nothing was changed. To undo one, "
            f"name it: /cme split {_reference(session, into[-1].case_id)}"
        )
    done = last_split(session, typed.id)
    if done is not None:
        when = f"{done.split_at:%-d %b %Y}" if done.split_at else "earlier"
        raise SplitError(
            f"{typed.reference} was already split from {_reference(session, done.into_case_id)} by "
            f"{_who(done.split_by)} ({when}). Nothing was changed."
        )
    raise SplitError(
        f"{typed.reference} was never merged with another case, so there is nothing to split. Nothing was changed."
    )


def _reference(session: Session, case_id: int | None) -> str:
    case = session.get(Case, case_id) if case_id is not None else None
    return case.reference if case is not None else "another case"


def _who(key: str | None) -> str:
    return (key or "another officer").rsplit(":", 1)[-1]


def other_case(session: Session, typed: Case, merge: CaseMerge | None) -> Case | None:
    """The case the merge joined `typed` to (for an old merge: the case it was merged into)."""
    if merge is not None:
        return session.get(Case, merge.into_case_id) if merge.into_case_id is not None else None
    return session.get(Case, typed.merged_into)


def check(typed: Case, other: Case | None) -> None:
    """SplitError when a case's details were removed on schedule: a split can't bring them back."""
    for case in (typed, other):
        if case is not None and case.anonymised_at is not None:
            raise SplitError(
                f"{case.reference}'s details were removed under the retention schedule, so the merge can't be "
                "undone. Nothing was changed."
            )


def split(
    session: Session, typed: Case, merge: CaseMerge | None, *, actor: str, now: dt.datetime, reason: str
) -> Split:
    """Undo `merge` of `typed` (None: an old merge, inferred), audited on both cases; SplitError if it was taken."""
    other = other_case(session, typed, merge)
    check(typed, other)
    if merge is not None and not claim_split(session, merge, actor=actor, now=now):
        raise SplitError(f"Another officer split {typed.reference} just now. Their split stands; nothing was changed.")
    undo: dict[str, Any] = merge.undo if merge is not None else {}
    done = Split(typed, other, case_merged=merge.case_merged if merge else True, inferred=merge is None)
    if done.case_merged:
        _case_back(session, typed, other, undo, done, now)
    _children_back(session, typed, other, merge, undo, done, now)
    _close_repeat_steps(session, typed, undo)
    _record_different(session, typed, other, actor=actor, now=now)
    detail = {"from": other.reference if other else None, "merge": merge.id if merge else None,
              "referrals": done.referrals, "steps": done.steps, "record": done.own_record}  # fmt: skip
    record_audit(session, case_id=typed.id, actor=actor, action="case.split", at=now, reason=reason, detail=detail)
    if other is not None:
        record_audit(session, case_id=other.id, actor=actor, action="case.split_out", at=now, reason=reason,
                     detail={"split": typed.reference, "merge": merge.id if merge else None})  # fmt: skip
    return done


def _case_back(session: Session, typed: Case, other: Case | None, undo: dict, done: Split, now: dt.datetime) -> None:
    """The case's own referrals and stopped steps back; open under its own reference again."""
    standing = surviving_case(session, typed)
    group = merged_group(session, standing) if standing is not None else []
    for report in _own_reports(session, typed, group, undo):
        report.case_id = typed.id
        session.add(report)
        done.referrals += 1
    stopped = undo.get("steps")
    for step in steps_of(session, typed.id):
        if step.state == StepState.CLOSED and (stopped is None or str(step.id) in stopped):
            step.state = stopped[str(step.id)] if stopped else StepState.OPEN
            session.add(step)
            done.steps += 1
    done.needs_plan = not steps_of(session, typed.id)
    typed.merged_into, typed.state, typed.updated_at = None, undo.get("state", "open"), now
    session.add(typed)
    if other is not None and undo.get("urgent") is False and other.urgent:
        session.flush()
        other.urgent = any(report.harm_flagged for report in reports_of(session, other.id))
        session.add(other)


def _own_reports(session: Session, typed: Case, group: list[Case], undo: dict) -> list[Report]:
    """The referrals that came with the case: as recorded, or (an old merge) the one made with it."""
    ids = [case.id for case in group if case.id != typed.id]
    if not ids:
        return []
    query = select(Report).where(col(Report.case_id).in_(ids))
    rows = list(session.exec(query).all())
    if "reports" in undo:
        own = [report for report in rows if report.id in set(undo["reports"])]
    else:
        own = [r for r in rows if r.submitted_by == typed.reporter_key and r.submitted_at == typed.created_at]
    ids_back = {report.id for report in own}  # details the reporter added later (/cme details) go with them
    return [*own, *(r for r in rows if r.form_id == DETAILS_FORM and r.answers.get(DETAILS_OF) in ids_back)]


def _children_back(
    session: Session, typed: Case, other: Case | None, merge: CaseMerge | None, undo: dict, done: Split, now: Any
) -> None:
    """The case's child gets a record of its own again; the other record gets back what the merge wrote on it."""
    joined = surviving_child(session, merge.into_child_id if merge else typed.child_id)
    if merge is not None and merge.kind == MergeKind.OFFICER and merge.child_id is not None:
        own = _unfold(session, merge.child_id, joined, undo, now)
        done.own_record = "restored"
    else:
        own = _record_from_referral(session, typed, now)
        done.own_record = "made" if own is not None else "kept"
    if joined is not None:
        done.kept_details = _revert(joined, undo.get("child", {}), now)
        for link_id in undo.get("links", []):
            link = session.get(ChildLink, link_id)
            if link is not None:
                session.delete(link)
        session.add(joined)
        session.flush()
        link_household(session, child=joined, actor="system", case_id=other.id if other else None, at=now)
    if own is not None:
        link_household(session, child=own, actor="system", case_id=typed.id, at=now)


def _unfold(session: Session, child_id: int, joined: Child | None, undo: dict, now: dt.datetime) -> Child | None:
    """The record an officer's merge folded in stands again, with the cases it had."""
    own = session.get(Child, child_id)
    if own is None:
        return None
    own.merged_into, own.updated_at = None, now
    session.add(own)
    for case_id in undo.get("cases", []):
        case = session.get(Case, case_id)
        if case is not None and (joined is None or case.child_id == joined.id):
            case.child_id = own.id
            session.add(case)
    return own


def _record_from_referral(session: Session, typed: Case, now: dt.datetime) -> Child | None:
    """A record of its own for a case intake joined to a known child: made from the case's first referral."""
    reports = reports_of(session, typed.id)
    if not reports or not reports[0].answers:
        return None
    own = new_child(session, child_values(reports[0].answers), now)
    typed.child_id = own.id
    session.add(typed)
    return own


def _revert(child: Child, changes: dict[str, list], now: dt.datetime) -> list[str]:
    """Put back the details a merge wrote onto `child`, unless changed since; returns those kept as they are."""
    kept = []
    for column, (before, after) in changes.items():
        parse = dt.date.fromisoformat if column == "dob" else (lambda value: value)
        before, after = (parse(v) if v is not None else None for v in (before, after))
        if getattr(child, column) == after:
            setattr(child, column, before)
        else:
            kept.append(column)
    child.updated_at = now
    return kept


def _close_repeat_steps(session: Session, typed: Case, undo: dict) -> None:
    """Steps added only because the child had earlier cases: not this child's, so closed."""
    ids = undo.get("repeat_steps", [])
    for step in session.exec(select(EnquiryStep).where(col(EnquiryStep.id).in_(ids or [-1]))).all():
        if step.case_id == typed.id and step.state in (StepState.OPEN, StepState.SNOOZED):
            step.state = StepState.CLOSED
            session.add(step)


def _record_different(session: Session, typed: Case, other: Case | None, *, actor: str, now: dt.datetime) -> None:
    """The pair is recorded as different children: the decision stands and neither is offered as the other."""
    mine = surviving_child(session, typed.child_id)
    theirs = surviving_child(session, other.child_id) if other is not None else None
    if mine is None or theirs is None or other is None or mine.id == theirs.id:
        return
    query = select(ChildMatch).where(
        col(ChildMatch.case_id).in_([typed.id, other.id]), col(ChildMatch.candidate_id).in_([mine.id, theirs.id])
    )
    match = session.exec(query).first() or ChildMatch(case_id=typed.id, candidate_id=theirs.id, created_at=now)
    match.state, match.decided_by, match.decided_at = MatchState.DIFFERENT.value, actor, now
    match.version += 1
    session.add(match)


__all__ = ["MERGED", "Split", "SplitError", "check", "other_case", "split", "the_merge"]
