"""Subject access: everything held about a child (every record merged into theirs) or about a person, as one pack.

The pack is plain data (JSON-ready). A value that is someone else's personal data (a reporter's name or
contact, a parent's details, another child in the household, a staff member's name, an officer's free
text that may name others) is wrapped as {"value": ..., "redaction_review": true, "why": ...} so whoever
answers the request decides, per item, what to withhold (UK GDPR art. 15(4), DPA 2018 sch. 2 para 16).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from storage.child_queries import surviving_child
from storage.children import Child, ChildKey, ChildLink, ChildMatch, Transfer
from storage.merges import CaseMerge
from storage.models import AuditEvent, Case, CaseNote, Conversation, EnquiryStep, Outbox, Report
from storage.notices import SchoolNotice
from storage.protection import CaseAccess
from storage.queries import case_by_reference
from storage.teams_refs import TeamsConversationRef

REVIEW = "redaction_review"
STAFF = "a staff member's name"
OFFICERS_WORDS = "an officer's words: may name other people"
# Referral answers that are about someone other than the child.
THIRD_PARTY_ANSWERS = {
    "referrer_name": "the reporter's name",
    "referrer_email": "the reporter's contact",
    "referrer_phone": "the reporter's contact",
    "referrer_contact": "the reporter's contact",
    "referrer_role": "the reporter's role",
    "referrer_agency": "the reporter's organisation",
    "parent_names": "a parent's or carer's name",
    "parent_email": "a parent's or carer's contact",
    "parent_phone": "a parent's or carer's contact",
    "parent_address": "a parent's or carer's address",
    "family_contacts": "family members' contacts",
    "siblings": "other children in the family",
}
# Derived or internal columns: the keyed hashes used for search say nothing a person could read.
HIDDEN = {"dob_bidx", "upn_bidx", "postcode_bidx", "keyed", "prev_hash", "hash", "submission_key", "token_hash"}


class SubjectNotFound(LookupError):
    """No child or person by that reference; the message says what to check."""


def third_party(value: Any, why: str) -> Any:
    """The value marked for redaction review (empty values stay as they are)."""
    if value in (None, "", [], {}):
        return value
    return {"value": value, REVIEW: True, "why": why}


def row(obj: Any, marks: dict[str, str] | None = None) -> dict[str, Any]:
    """A table row as JSON-ready data, internal columns left out and `marks` fields marked for review."""
    data = {k: v for k, v in obj.model_dump(mode="json").items() if k not in HIDDEN}
    for field, why in (marks or {}).items():
        if field in data:
            data[field] = third_party(data[field], why)
    return data


def answers(values: dict[str, Any], *, whole: str | None = None) -> dict[str, Any]:
    """Referral answers with third parties' details marked (or every answer, with `whole` as the reason)."""
    if whole:
        return {k: third_party(v, whole) for k, v in values.items()}
    return {k: third_party(v, THIRD_PARTY_ANSWERS[k]) if k in THIRD_PARTY_ANSWERS else v for k, v in values.items()}


def find_child(session: Session, subject: str) -> Child:
    """The surviving child record for a case reference or a child id; SubjectNotFound otherwise."""
    text = subject.strip()
    if text.isdigit():
        child = surviving_child(session, int(text))
    else:
        case = case_by_reference(session, text)
        child = surviving_child(session, case.child_id) if case is not None else None
    if child is None:
        raise SubjectNotFound(
            f"No child record for {text!r}: give a case reference (as on /cme case) or a child id "
            "(cme-bot find lists them). A case still waiting for its child record has no id yet."
        )
    return child


def merge_group(session: Session, survivor: Child) -> list[Child]:
    """The surviving record and every record merged into it (directly or through another), oldest first."""
    group, frontier = {survivor.id: survivor}, [survivor.id]
    while frontier:
        merged = session.exec(select(Child).where(col(Child.merged_into).in_(frontier))).all()
        frontier = [c.id for c in merged if c.id not in group]
        group.update((c.id, c) for c in merged)
    return sorted(group.values(), key=lambda c: c.id)


def child_pack(session: Session, *, subject: str) -> dict[str, Any]:
    """Everything held about the child `subject` names, merged records included."""
    records = merge_group(session, find_child(session, subject))
    ids = [c.id for c in records]
    cases = session.exec(select(Case).where(col(Case.child_id).in_(ids)).order_by(col(Case.id))).all()
    keys = session.exec(select(ChildKey).where(col(ChildKey.child_id).in_(ids))).all()
    return {
        "subject": {"kind": "child", "asked_for": subject, "child_ids": ids, "surviving_child_id": records[0].id},
        "children": [row(c, {"parent_names": THIRD_PARTY_ANSWERS["parent_names"]}) for c in records],
        "household": _household(session, ids),
        "search_keys": {"count": len(keys), "note": "keyed hashes of name, address and parent parts, for matching"},
        "cases": [_case(session, case) for case in cases],
    }


def _household(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """Links to other children (siblings, same address): who they are is someone else's data."""
    links = session.exec(
        select(ChildLink).where(col(ChildLink.child_id).in_(ids) | col(ChildLink.other_id).in_(ids))
    ).all()
    found = []
    for link in links:
        other_id = link.other_id if link.child_id in ids else link.child_id
        other = session.get(Child, other_id)
        name = " ".join(p for p in (other.forenames, other.surname) if p) if other else None
        found.append({"kind": link.kind, "other_child_id": other_id, "other_child": third_party(name, "another child")})
    return found


# Each part of a case: its table and the fields that are someone else's data.
CASE_PARTS: tuple[tuple[str, Any, dict[str, str]], ...] = (
    ("enquiry_steps", EnquiryStep, {"note": OFFICERS_WORDS, "done_by": STAFF}),
    ("notes", CaseNote, {"text": OFFICERS_WORDS, "author": STAFF}),
    ("audit", AuditEvent, {"actor": STAFF, "reason": OFFICERS_WORDS, "detail": OFFICERS_WORDS}),
    ("transfers", Transfer, {"contact": "another council's officer", "created_by": STAFF, "evidence": OFFICERS_WORDS}),
    ("school_notices", SchoolNotice, {"submitted_by": STAFF, "details": "a school's notice: may name family"}),
    ("possible_matches", ChildMatch, {"decided_by": STAFF}),
    (
        "merges",
        CaseMerge,
        {
            "merged_by": STAFF,
            "split_by": STAFF,
            "undo": "the records' details before and after a merge: may be another child's",
        },
    ),  # fmt: skip
    ("messages", Outbox, {"recipient": "who was told"}),
    ("named_officers", CaseAccess, {"officer": STAFF, "granted_by": STAFF}),
)


def _case(session: Session, case: Case) -> dict[str, Any]:
    """One case with its reports, steps, notes, audit trail, transfers, notices and messages."""
    reports = [
        {**row(r, {"submitted_by": "the reporter's identity"}), "answers": answers(r.answers)}
        for r in _all(session, Report, case_id=case.id)
    ]
    parts = {name: [row(x, marks) for x in _all(session, table, case_id=case.id)] for name, table, marks in CASE_PARTS}
    return {**row(case, {"reporter_key": "the reporter's identity", "assigned_to": STAFF}), "reports": reports, **parts}


def _all(session: Session, table: Any, **where: Any) -> list[Any]:
    query = select(table)
    for name, value in where.items():
        query = query.where(getattr(table, name) == value)
    return list(session.exec(query.order_by(col(table.id))).all())


PERSON_DATA = "a child's and family's details: third parties to this person"
# What a person did, by table and the column naming them, with the fields that are others' data.
PERSON_PARTS: tuple[tuple[str, Any, str, dict[str, str]], ...] = (
    ("audit_as_actor", AuditEvent, "actor", {"reason": OFFICERS_WORDS, "detail": OFFICERS_WORDS}),
    ("notes_written", CaseNote, "author", {"text": PERSON_DATA}),
    ("steps_done", EnquiryStep, "done_by", {"note": PERSON_DATA}),
    ("named_on_restricted_cases", CaseAccess, "officer", {}),
    ("teams_conversations", TeamsConversationRef, "user_key", {}),
)


def person_pack(session: Session, *, user: str) -> dict[str, Any]:
    """What is held about a practitioner or staff member: their referrals, drafts, audit entries, notes."""
    referrals = session.exec(select(Case).where(Case.reporter_key == user).order_by(col(Case.id))).all()
    draft = session.exec(select(Conversation).where(Conversation.user_key == user)).first()
    parts = {
        name: [row(x, marks) for x in _all(session, table, **{column: user})]
        for name, table, column, marks in PERSON_PARTS
    }
    return {
        "subject": {"kind": "person", "user": user},
        "referrals": [
            {"reference": c.reference, "state": c.state, "created_at": _iso(c.created_at)} for c in referrals
        ],
        "reports_submitted": [
            {**row(r), "answers": answers(r.answers, whole=PERSON_DATA)}
            for r in _all(session, Report, submitted_by=user)
        ],
        "draft": {**row(draft), "state": third_party(draft.state, PERSON_DATA)} if draft else None,
        "cases_assigned": [c.reference for c in _all(session, Case, assigned_to=user)],
        "messages_to_them": [row(o) for o in _messages_to(session, user)],
        **parts,
    }


def _messages_to(session: Session, user: str) -> list[Outbox]:
    """Notifications addressed to this person (the recipient is JSON: read in Python; a SAR is rare)."""
    channel, user_id = user.split(":", 1)[0], user.rsplit(":", 1)[-1]
    found = []
    for message in _all(session, Outbox):
        to = message.recipient or {}
        extra = to.get("extra") or {}
        if (
            extra.get("user_key") == user
            or to.get("conversation_id") == f"user:{user}"
            or (to.get("user_id") == user_id and to.get("channel") == channel)
        ):
            found.append(message)
    return found


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def count_items(pack: dict[str, Any]) -> dict[str, int]:
    """How many items each top-level list (and each case's lists, summed) holds: the manifest's counts."""
    counts: dict[str, int] = {}
    for key, value in pack.items():
        if isinstance(value, list):
            counts[key] = len(value)
    for case in pack.get("cases", []):
        for key, value in case.items():
            if isinstance(value, list):
                counts[key] = counts.get(key, 0) + len(value)
    counts["redaction_review"] = _marked(pack)
    return counts


def _marked(node: Any) -> int:
    if isinstance(node, dict):
        return (1 if node.get(REVIEW) is True else 0) + sum(_marked(v) for v in node.values())
    if isinstance(node, list):
        return sum(_marked(v) for v in node)
    return 0
