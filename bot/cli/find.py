"""`cme-bot find --as USER (--name N | --dob D | --upn U | --postcode P) [--json]`: find a child, for scripts.

Officers and managers only, like `cme-bot cases`: anyone else is refused, the attempt recorded, exit 3.
The output holds child details (it is for the CME service); the search is recorded in the audit trail
by its kind only, and the words searched for never reach a log line or the audit detail.
Exit codes: 0 searched (even with no match), 2 bad configuration or a query that can't be read, 3 refused.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import staff
from handlers.children.search import EXAMPLES, Query, SearchError, find_children, read_query
from storage.db import unit_of_work
from storage.queries import record_audit
from storage.types import utcnow

KINDS = ("name", "dob", "upn", "postcode")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `find` subcommand."""
    parser = subparsers.add_parser("find", help="find a child by name, date of birth, UPN or postcode (officers)")
    parser.add_argument("--as", dest="user", required=True, help="who you are: a user or channel:tenant:user")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--name", help="a name or part of one (similar spellings are found too)")
    what.add_argument("--dob", help="a date of birth: 2014-05-02, 2/5/2014 or 2 May 2014")
    what.add_argument("--upn", help="a unique pupil number (13 characters)")
    what.add_argument("--postcode", help="a postcode, e.g. BL9 0EJ")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def _query(args: argparse.Namespace, today) -> Query:
    """The query the option asks for, read the way /cme find reads it; the option decides the kind."""
    kind = next(kind for kind in KINDS if getattr(args, kind) is not None)
    query = read_query(getattr(args, kind), today=today)
    if query.kind != kind:
        raise SearchError(f"That --{kind} doesn't read as a {kind.replace('dob', 'date of birth')}. {_EXAMPLES}")
    return query


_EXAMPLES = (
    "For example: cme-bot find --as cme-officer --name Testchild · --dob 2014-05-02 · --postcode 'BL9 0EJ' · "
    "--upn A123456789012"
)


def run(args: argparse.Namespace) -> int:
    """Search: 0 done, 2 bad configuration or query, 3 not an officer or manager."""
    started = staff.start("find", args.user)
    if started is None:
        return 2
    core, identity = started
    now = utcnow()
    with unit_of_work(core.engine) as session:
        if staff.refused(session, core, identity, command="find", doing="search for children", now=now):
            return 3
        try:
            query = _query(args, now.astimezone(core.profile.tz).date())
        except SearchError as exc:
            sys.stderr.write(f"cme-bot find: {str(exc).replace(EXAMPLES, _EXAMPLES)}\n")
            return 2
        hits, total = find_children(session, query, viewer=identity.key)
        detail = {"by": query.kind, "via": "cli", "found": total, "restricted": sum(hit.restricted for hit in hits)}
        reason = f"searched by {query.kind}"
        record_audit(session, actor=identity.key, action="children.searched", at=now, reason=reason, detail=detail)
        found = [hit.to_json() for hit in hits]
    core.engine.dispose()
    _print(found, total, as_json=args.json)
    return 0


def _print(found: list[dict], total: int, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(found) + "\n")
        return
    if not found:
        print("No child matches.")
    for item in found:
        cases = ", ".join(f"{c['reference']} {c['state']}" for c in item["cases"]) or "no cases"
        names = " / ".join(item["names"]) or "name not known"
        print(f"{item['child_id']}  {names}  born {item['dob'] or '-'}  {item['matched_on']} {item['score']}  {cases}")
    if total > len(found):
        print(f"Showing the best {len(found)} of {total}.")
