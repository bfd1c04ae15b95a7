"""The one door from a case reference to the case a command acts on: merges followed, access checked first.

A reference may name a case that was merged into another (a reporter's reference keeps working): it stands
for the case it was merged into, and merged cases are one case, since every referral merged in shows there.
So a command acts only when the sender may see every case of that group, the case they typed included; a
restricted case reached through a merged reference is refused as its own reference is, and each refusal is
audited (handlers/casework/access.py). Every officer command, button and short form that names a case
takes it from here, and so does a command that touches more cases than it names (/cme same: `require`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from handlers.casework.access import hidden_from, refuse
from handlers.casework.actions import Usage
from handlers.core import TurnContext
from storage.child_queries import case_as_raised, merged_group
from storage.models import Case

NO_CASE = "There is no case {reference}. Type /cme cases to list the open ones."


@dataclass(frozen=True)
class Resolved:
    """A reference resolved: the case as typed, the case that stands for it, and the whole merged group."""

    typed: Case
    case: Case
    group: tuple[Case, ...]


def resolve(turn: TurnContext, reference: str, doing: str, *, missing: str = NO_CASE) -> Resolved:
    """`reference` resolved once the sender may act on every case behind it; Usage (refusal audited) if not."""
    typed = case_as_raised(turn.session, reference.strip()[:40])
    if typed is None:
        raise Usage(missing.format(reference=reference.strip()[:40].upper()))
    group = merged_group(turn.session, typed)
    require(turn, group, doing, typed=typed)
    return Resolved(typed=typed, case=group[0], group=tuple(group))


def case_for(turn: TurnContext, reference: str, doing: str, *, missing: str = NO_CASE) -> Case:
    """The case that stands for `reference` (merges followed), once the sender may act on all of it."""
    return resolve(turn, reference, doing, missing=missing).case


def require(turn: TurnContext, cases: Iterable[Case], doing: str, *, typed: Case, why: str | None = None) -> None:
    """Usage, each hidden case's refusal audited, unless the sender may see every one of `cases`."""
    cases = list(cases)
    hidden_ids = hidden_from(turn.session, cases=cases, user_key=turn.user_key)
    if hidden_ids:
        hidden = [case for case in cases if case.id in hidden_ids]
        raise Usage(refuse(turn, typed=typed, hidden=hidden, doing=doing, why=why))
