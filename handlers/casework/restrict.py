"""`/cme restrict REF REASON [@officer ...]` and `/cme unrestrict REF REASON`: named officers only.

A restricted case (CPOMS/MyConcern-style restricted access, for example a child whose family member
works for the council) shows its details only to the officers named on it; the officer restricting
it is always named. Everyone else, managers included, sees only that a restricted case exists
(handlers/casework/access.py), and each refused attempt is audited. Officers and managers only.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col

from handlers.casework.actions import Usage, audit, plain, staff_key
from handlers.casework.cases import find_reference
from handlers.casework.resolve import case_for
from handlers.casework.views import who
from handlers.children.household import survivor
from handlers.core import TurnContext
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.router import Router
from storage.child_queries import cases_of_child, merged_group
from storage.models import Case
from storage.protection import CaseAccess
from storage.restricted import named_on

RESTRICT = "/cme restrict REF REASON [@officer ...]"
UNRESTRICT = "/cme unrestrict REF REASON"
MAX_NAMED = 20


def _is_person(word: str) -> bool:
    return word.startswith("@") or word.startswith("<@")


def case_and_reason(turn: TurnContext, args: str, usage: str, doing: str) -> tuple[Case, str, list[str]]:
    """The case, the reason and the people named (@officer words) in `args`; Usage (audited if refused) if not."""
    found = find_reference(plain(args, what="command", retry=usage) or "")
    if found is None:
        raise Usage(f"Which case? Type {usage}")
    reference, rest = found
    missing = f"There is no case {{reference}}. Check the reference and type {usage}"
    case = case_for(turn, reference, doing, missing=missing)
    reason = " ".join(word for word in rest if not _is_person(word))
    if not reason:
        raise Usage(f"Say why, so the audit trail shows it: {usage.replace('REF', reference)}")
    return case, reason[:1000], [word for word in rest if _is_person(word)]


def restrict(turn: TurnContext, args: str) -> list[Reply]:
    """Restrict a case to named officers (you, and anyone you name); add officers to one already restricted."""
    case, reason, people = case_and_reason(turn, args, RESTRICT, "restrict")
    if len(people) > MAX_NAMED:
        raise Usage(f"Name {MAX_NAMED} officers at most. Nothing was changed.")
    hints = {"unknown_hint": " Name officers as @id.", "after": " Nothing was changed."}
    named = list(dict.fromkeys([turn.user_key, *(staff_key(turn, word, **hints) for word in people)]))
    already = set(named_on(turn.session, case))
    for member in merged_group(turn.session, case):  # merged cases are one case: each one is restricted alike
        _restrict_one(turn, member, named, reason)
    names = ", ".join(who(key) for key in sorted(already | set(named)))
    said = f"{case.reference} is restricted. Only these officers can see it: {names}."
    return [Reply(said, kind=ReplyKind.CONFIRMATION), *_open_elsewhere(turn, case)]


def _restrict_one(turn: TurnContext, case: Case, named: list[str], reason: str) -> None:
    """Restrict one case to `named` (added to whoever is named on it already), audited on the case."""
    already = named_on(turn.session, case)
    added = [key for key in named if key not in already]
    if not case.restricted:
        turn.session.execute(delete(CaseAccess).where(col(CaseAccess.case_id) == case.id))  # stale from before
    for key in added:
        turn.session.add(CaseAccess(case_id=case.id, officer=key, granted_by=turn.user_key, granted_at=turn.now))
    was, case.restricted = case.restricted, True
    turn.session.add(case)
    audit(turn, case, "case.restricted" if not was else "case.access_granted", reason, officers=added)


def _open_elsewhere(turn: TurnContext, case: Case) -> list[Reply]:
    """A warning when the same child has cases that are not restricted: the child's details show there."""
    child = survivor(turn.session, case.child_id)
    if child is None:
        return []
    others = [c.reference for c in cases_of_child(turn.session, child.id) if c.id != case.id and not c.restricted]
    if not others:
        return []
    text = (
        f"The same child has other cases that are not restricted: {', '.join(others)}. Every officer can still "
        "see the child's details there. If the child's details should be limited everywhere, restrict those "
        "too (/cme restrict REF REASON)."
    )
    return [Reply(text, kind=ReplyKind.INFO)]


def unrestrict(turn: TurnContext, args: str) -> list[Reply]:
    """Lift a case's restriction (named officers only): every officer and manager can see it again."""
    case, reason, _ = case_and_reason(turn, args, UNRESTRICT, "unrestrict")
    restricted = [member for member in merged_group(turn.session, case) if member.restricted]
    if not restricted:
        return [Reply(f"{case.reference} is not restricted. Nothing was changed.")]
    for member in restricted:  # merged cases are one case: lifted from each
        member.restricted = False
        turn.session.add(member)
        turn.session.execute(delete(CaseAccess).where(col(CaseAccess.case_id) == member.id))
        audit(turn, member, "case.unrestricted", reason)
    return [Reply(f"{case.reference} is no longer restricted.", kind=ReplyKind.CONFIRMATION)]


def guarded(run):
    """`run` with its Usage errors answered as an error reply (the turn's audit of a refusal is kept)."""

    def command(turn: TurnContext, args: str) -> list[Reply]:
        try:
            return run(turn, args)
        except Usage as exc:
            return [Reply(str(exc), kind=ReplyKind.ERROR)]

    command.__doc__ = run.__doc__
    return command


def register(router: Router) -> None:
    """Add /cme restrict and /cme unrestrict (officers and managers)."""
    for name, run, text in (
        ("restrict", restrict, f"officers: only named officers may see a case: {RESTRICT}"),
        ("unrestrict", unrestrict, f"officers: lift a restriction: {UNRESTRICT}"),
    ):
        router.command(CommandSpec(name, guarded(run), text, staff_only=True))
