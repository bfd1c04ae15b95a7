"""`cme-bot find --as USER (--name N | --dob D | --upn U | --postcode P) [--json]`: find a child, for scripts.

The same service as `/cme find` (handlers/children/finding.py): officers and managers only, the search
recorded by its kind only. The output holds child details (it is for the CME service); the words searched
for never reach a log line or the audit detail.
Exit statuses (bot/cli/door.py): 0 searched (even with no match), 2 a query that can't be read or bad
configuration, 3 refused, 4 the database can't be reached.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import door
from handlers.children.finding import Found, find_child
from handlers.children.search import EXAMPLES, SearchError
from handlers.core import Caller

KINDS = ("name", "dob", "upn", "postcode")
_EXAMPLES = (
    "For example: cme-bot find --as cme-officer --name Testchild · --dob 2014-05-02 · --postcode 'BL9 0EJ' · "
    "--upn A123456789012"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `find` subcommand."""
    parser = subparsers.add_parser("find", help="find a child by name, date of birth, UPN or postcode (officers)")
    parser.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--name", help="a name or part of one (similar spellings are found too)")
    what.add_argument("--dob", help="a date of birth: 2014-05-02, 2/5/2014 or 2 May 2014")
    what.add_argument("--upn", help="a unique pupil number (13 characters)")
    what.add_argument("--postcode", help="a postcode, e.g. BL9 0EJ")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Search by the one option given; the option decides the kind."""
    kind = next(kind for kind in KINDS if getattr(args, kind) is not None)

    def work(caller: Caller) -> None:
        try:
            found = find_child(caller, text=getattr(args, kind), kind=kind)
        except SearchError as exc:  # the chat's examples, in the CLI's words
            said = str(exc).replace(EXAMPLES, _EXAMPLES).replace("That doesn't", f"That --{kind} doesn't")
            raise door.Stop(said) from None
        show(found, as_json=args.json)

    return door.serve("find", args.user, work)


def show(found: Found, *, as_json: bool) -> None:
    """The children as a JSON array, or one line each."""
    if as_json:
        sys.stdout.write(json.dumps(found.to_json()) + "\n")
        return
    if not found.hits:
        print("No child matches.")
    for item in found.to_json():
        cases = ", ".join(f"{c['reference']} {c['state']}" for c in item["cases"]) or "no cases"
        names = " / ".join(item["names"]) or "name not known"
        print(f"{item['child_id']}  {names}  born {item['dob'] or '-'}  {item['matched_on']} {item['score']}  {cases}")
    if found.total > len(found.hits):
        print(f"Showing the best {len(found.hits)} of {found.total}.")
