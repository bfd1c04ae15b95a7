"""Restricted cases: who may see a case's details (named officers only, once an officer restricts it).

Everyone else, managers included, sees only that a restricted case exists (its reference), and each
refused attempt is written to the audit trail (handlers/casework/restrict.py sets and lifts it).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from handlers.core import TurnContext
from storage.models import Case
from storage.protection import CaseAccess
from storage.queries import record_audit
from storage.restricted import hidden_case_ids

RESTRICTED = "restricted case"  # all that someone not named on it is shown


def may_see(session: Session, *, case: Case, user_key: str) -> bool:
    """True when `user_key` may see this case's details: any staff member, or only named officers if restricted."""
    if not case.restricted:
        return True
    found = session.exec(select(CaseAccess).where(CaseAccess.case_id == case.id, CaseAccess.officer == user_key))
    return found.first() is not None


def hidden_from(session: Session, *, cases: Iterable[Case], user_key: str) -> set[int]:
    """The ids of those `cases` that are restricted and do not name `user_key` (one query)."""
    return hidden_case_ids(session, cases=cases, user_key=user_key)


def refusal(turn: TurnContext, case: Case, doing: str) -> str | None:
    """None when the sender may see `case`; else the refusal in words, the attempt audited (no details)."""
    if may_see(turn.session, case=case, user_key=turn.user_key):
        return None
    record_audit(
        turn.session,
        actor=turn.user_key,
        action="case.access_refused",
        case_id=case.id,
        at=turn.now,
        reason="restricted case",
        detail={"doing": doing, "role": turn.role.value},
    )
    return (
        f"{case.reference} is a restricted case: only the officers named on it can see or change it. "
        "Nothing was shown or changed, and this attempt has been recorded. If you need it, ask the officer "
        "who restricted it to add you (/cme restrict REF REASON @you)."
    )
