"""Legal hold: `/cme hold REF REASON` keeps a case's details past its retention date; `/cme release REF REASON`.

Officers and managers only (the router refuses anyone else and records the attempt). A hold stops the
retention run (handlers/records/retention.py) anonymising the case, for example while an inquiry (the
Independent Inquiry into Child Sexual Abuse asked councils to keep records) or litigation needs it.
Each change is audited with the reason.
"""

from __future__ import annotations

from handlers.casework.actions import Usage, audit
from handlers.casework.restrict import case_and_reason, guarded
from handlers.core import TurnContext
from handlers.messages import CommandSpec, Reply
from handlers.router import Router

HOLD_USAGE = "/cme hold REF REASON (for example: /cme hold CME-2026-0042 county court claim 2026-0173)"
RELEASE_USAGE = "/cme release REF REASON (for example: /cme release CME-2026-0042 the claim was settled)"


def hold(turn: TurnContext, args: str) -> list[Reply]:
    """Put a case on legal hold: its details are kept past the retention date until released."""
    case, reason, _ = case_and_reason(turn, args, HOLD_USAGE, "hold")
    turn.session.refresh(case, with_for_update=True)  # a retention run at this moment finishes first, or waits
    if case.anonymised_at is not None:
        raise Usage(f"{case.reference} was already anonymised under the retention schedule: there is nothing to hold.")
    if case.legal_hold:
        return [Reply(f"{case.reference} is already on legal hold. Nothing was changed.")]
    case.legal_hold = True
    turn.session.add(case)
    audit(turn, case, "case.held", reason)
    return [Reply(f"{case.reference} is on legal hold: its details will be kept until someone types /cme release.")]


def release(turn: TurnContext, args: str) -> list[Reply]:
    """Take a case off legal hold: the retention schedule applies to it again."""
    case, reason, _ = case_and_reason(turn, args, RELEASE_USAGE, "release")
    if not case.legal_hold:
        return [Reply(f"{case.reference} is not on legal hold. Nothing was changed.")]
    case.legal_hold = False
    turn.session.add(case)
    audit(turn, case, "case.released", reason)
    return [
        Reply(
            f"{case.reference} is off legal hold. If its retention date has passed, the next daily run anonymises it."
        )
    ]


def register(router: Router) -> None:
    """Add /cme hold and /cme release (officers and managers)."""
    for name, run, text in (
        ("hold", hold, "officers: keep a case past its retention date: /cme hold REF REASON"),
        ("release", release, "officers: end a legal hold: /cme release REF REASON"),
    ):
        router.command(CommandSpec(name, guarded(run), text, staff_only=True))
