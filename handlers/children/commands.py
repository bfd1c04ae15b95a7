"""`/cme find TEXT`: officers and managers find a child by name, part of a name, UPN, date of birth or postcode.

The find service (handlers/children/finding.py) refuses anyone else and records each search by its
kind only ("searched by dob"): the words searched for are child data, so they stay out of the audit
detail and out of every log line. This module renders what it found.
"""

from __future__ import annotations

from handlers.children.finding import KIND_WORDS, find_child
from handlers.children.search import Hit, Query, SearchError
from handlers.core import Caller, Refused, TurnContext
from handlers.messages import ActionId, Button, CommandSpec, Reply, ReplyKind

FIND_HELP = "officers: find a child by name, part of a name, UPN, date of birth or postcode: /cme find TEXT"
MAX_BUTTONS = 10


def find(turn: TurnContext, args: str) -> list[Reply]:
    """Search the children known to the service (the find service decides who may, and records the search)."""
    try:
        found = find_child(Caller.of(turn), text=args)
    except (SearchError, Refused) as exc:
        return [Reply(str(exc), kind=ReplyKind.ERROR, title="Find a child")]
    return [results_reply(found.query, list(found.hits), found.total)]


def results_reply(query: Query, hits: list[Hit], total: int) -> Reply:
    """The children found, each with its cases and a button to open the latest (officers only)."""
    by = KIND_WORDS[query.kind]
    data = {"results": [hit.to_json() for hit in hits], "total": total, "searched_by": query.kind}
    note = f" {query.note}" if query.note else ""
    if not hits:
        text = (
            f"No child matches that {by}.{note} Try part of the name, another spelling, the date of birth or "
            "the postcode, for example /cme find Testch or /cme find BL9 0EJ."
        )
        return Reply(text, title="Find a child: no match", data=data)
    facts, buttons = [], []
    for hit in hits:
        facts.append((_label(hit), _cases(hit)))
        open_cases = [case for case in hit.cases if case.merged_into is None]
        if open_cases and len(buttons) < MAX_BUTTONS and not hit.restricted:
            latest = open_cases[-1].reference
            buttons.append(Button(f"Open {latest}", f"/cme case {latest}", ActionId.OPEN_CASE))
    more = f" Showing the best {len(hits)} of {total}: add more of the name to narrow it." if total > len(hits) else ""
    text = f"Confidential: for the CME service only. {total} child(ren) found by {by}.{note}{more}"
    return Reply(text, title="Find a child", facts=tuple(facts), buttons=tuple(buttons), data=data)


def _label(hit: Hit) -> str:
    if hit.restricted:  # only that a restricted case exists: not who the child is
        return "restricted case"
    child = hit.child
    name = " ".join(part for part in (child.forenames, child.surname) if part) or "name not known"
    aka = f" (also {child.other_names})" if child.other_names else ""
    born = f", born {child.dob.day} {child.dob:%b %Y}" if child.dob else ""
    return f"{name}{aka}{born}"


def _cases(hit: Hit) -> str:
    cases = ", ".join(f"{c['reference']} {c['state']}" for c in hit.to_json()["cases"]) or "no cases"
    return f"{hit.matched_on} ({hit.score}) · {cases}"


FIND = CommandSpec("find", find, FIND_HELP, staff_only=True)
