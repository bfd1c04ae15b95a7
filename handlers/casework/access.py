"""Restricted cases: who may see a case's details (named officers only, once an officer restricts it).

Everyone else, managers included, sees only that a restricted case exists (its reference), and each
refused attempt is written to the audit trail (handlers/casework/restrict.py sets and lifts it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def refuse(turn: TurnContext, *, typed: Case, hidden: Sequence[Case], doing: str, why: str | None = None) -> str:
    """Audit the refused attempt on each hidden case (no details) and say, in words, why nothing happened.

    `typed` is the case the sender named; `hidden` the cases behind it that they are not named on (the case
    itself, or the restricted case it was merged into or that was merged into it); `why` replaces the
    opening words when the hidden case is one the command would touch without naming it.
    """
    for case in hidden:
        record_audit(
            turn.session,
            actor=turn.user_key,
            action="case.access_refused",
            case_id=case.id,
            at=turn.now,
            reason="restricted case",
            detail={"doing": doing, "role": turn.role.value, "reference": typed.reference},
        )
    done = "Nothing was shown or changed, and this attempt has been recorded."
    if why is not None:
        return f"{why} {done} An officer named on that case can do it."
    merged = typed.id not in {case.id for case in hidden}
    what = "is part of a restricted case (merged cases are one case)" if merged else "is a restricted case"
    return (
        f"{typed.reference} {what}: only the officers named on it can see or change it. {done} If you need it, "
        f"ask the officer who restricted it to add you (/cme restrict {typed.reference} REASON @you)."
    )
