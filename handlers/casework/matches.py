"""`/cme same REF OTHERREF` and `/cme different REF OTHERREF`: an officer's decision on a possible match.

The case view's Same child / Different child buttons carry these commands, so a press and a typed
command are one path in every channel. Officers and managers only; each decision is audited on both
cases (handlers/children/merge.py) in the turn's transaction.
"""

from __future__ import annotations

from sqlmodel import col, select

from handlers.casework.actions import Usage
from handlers.casework.cases import REFERENCE
from handlers.casework.resolve import require, resolve
from handlers.children.merge import MergeError, decide_different, decide_same
from handlers.core import TurnContext
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.router import Router
from storage.child_queries import surviving_case, surviving_child
from storage.merges import lock_cases
from storage.models import Case

SAME_USAGE = "/cme same REF OTHERREF (for example /cme same CME-2026-0043 CME-2026-0012)"
DIFFERENT_USAGE = "/cme different REF OTHERREF (for example /cme different CME-2026-0043 CME-2026-0012)"


def _two_cases(turn: TurnContext, args: str, usage: str, doing: str) -> tuple[Case, Case]:
    """Both cases as typed (merge.py follows merges and says so), once the sender may act on each one's group."""
    references = [found.group(0).upper() for found in REFERENCE.finditer(args)]
    if len(references) != 2:
        raise MergeError(f"Name the two cases, the one you are looking at first: {usage}")
    missing = "There is no case {reference}. Nothing was changed. Type /cme cases to list open cases."
    first, second = (resolve(turn, reference, doing, missing=missing).typed for reference in references)
    return first, second


def _children_cases(turn: TurnContext, case: Case, other: Case) -> list[Case]:
    """Every case of the two cases' children: a merge of the child records moves them all to one child."""
    children = {
        child.id
        for c in (case, other)
        if (child := surviving_child(turn.session, (surviving_case(turn.session, c) or c).child_id)) is not None
    }
    return list(turn.session.exec(select(Case).where(col(Case.child_id).in_(children))).all()) if children else []


def _lock(turn: TurnContext, case: Case, other: Case) -> None:
    """Lock both cases and those they stand for; MergeError when another officer merged or split one meanwhile."""
    standing = [surviving_case(turn.session, c) for c in (case, other)]
    changed = lock_cases(turn.session, [case, other, *filter(None, standing)])
    if changed:
        raise MergeError(
            f"{', '.join(changed)} changed just now: another officer merged or split it. Nothing was changed. "
            f"Look again with /cme case {case.reference}."
        )


def _decide(turn: TurnContext, args: str, *, same: bool) -> list[Reply]:
    usage, doing = (SAME_USAGE, "same") if same else (DIFFERENT_USAGE, "different")
    try:
        case, other = _two_cases(turn, args or "", usage, doing)
        if same:  # joining the children moves every case of theirs: one the sender can't see is refused first
            why = (
                f"{case.reference} and {other.reference} can't be joined by you: one of these children has a "
                "restricted case you are not named on, and joining the children's records would change it."
            )
            require(turn, _children_cases(turn, case, other), doing, typed=case, why=why)
        _lock(turn, case, other)
        decide = decide_same if same else decide_different
        text = decide(turn.session, case, other, actor=turn.user_key, now=turn.now)
    except (MergeError, Usage) as error:
        return [Reply(str(error), kind=ReplyKind.ERROR)]
    return [Reply(text, kind=ReplyKind.CONFIRMATION, data={"decision": "same" if same else "different"})]


def same_child(turn: TurnContext, args: str) -> list[Reply]:
    """Record that two cases are about the same child (their records merge; two open cases become one)."""
    return _decide(turn, args, same=True)


def different_child(turn: TurnContext, args: str) -> list[Reply]:
    """Record that a possible match is a different child."""
    return _decide(turn, args, same=False)


def register(router: Router) -> None:
    """Add /cme same and /cme different (staff only)."""
    router.command(
        CommandSpec("same", same_child, f"officers: a possible match is the same child: {SAME_USAGE}", staff_only=True)
    )
    router.command(
        CommandSpec(
            "different",
            different_child,
            f"officers: a possible match is a different child: {DIFFERENT_USAGE}",
            staff_only=True,
        )
    )
