"""`/cme same REF OTHERREF` and `/cme different REF OTHERREF`: an officer's decision on a possible match.

The case view's Same child / Different child buttons carry these commands, so a press and a typed
command are one path in every channel. Officers and managers only; each decision is audited on both
cases (handlers/children/merge.py) in the turn's transaction.
"""

from __future__ import annotations

from handlers.casework.access import refusal
from handlers.casework.cases import REFERENCE
from handlers.children.merge import MergeError, decide_different, decide_same
from handlers.core import TurnContext
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.router import Router
from storage.child_queries import case_as_raised

SAME_USAGE = "/cme same REF OTHERREF (for example /cme same CME-2026-0043 CME-2026-0012)"
DIFFERENT_USAGE = "/cme different REF OTHERREF (for example /cme different CME-2026-0043 CME-2026-0012)"


def _two_cases(turn: TurnContext, args: str, usage: str):
    references = [found.group(0).upper() for found in REFERENCE.finditer(args)]
    if len(references) != 2:
        raise MergeError(f"Name the two cases, the one you are looking at first: {usage}")
    cases = []
    for reference in references:
        case = case_as_raised(turn.session, reference)  # as typed: merge.py follows merges and says so
        if case is None:
            raise MergeError(f"There is no case {reference}. Nothing was changed. Type /cme cases to list open cases.")
        refused = refusal(turn, case, "same/different")
        if refused is not None:
            raise MergeError(refused)
        cases.append(case)
    return cases[0], cases[1]


def _decide(turn: TurnContext, args: str, *, same: bool) -> list[Reply]:
    usage = SAME_USAGE if same else DIFFERENT_USAGE
    try:
        case, other = _two_cases(turn, args or "", usage)
        decide = decide_same if same else decide_different
        text = decide(turn.session, case, other, actor=turn.user_key, now=turn.now)
    except MergeError as error:
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
