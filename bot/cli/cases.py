"""`cme-bot cases --as USER [--json]`: the open cases for scripts, from the same service as `/cme cases`.

No child details: references, urgency, assignment and due dates; a restricted case not naming you by its
reference only. handlers/casework/caseload.py decides who may list them and records the listing.
Exit statuses (bot/cli/door.py): 0 listed, 2 bad input, 3 refused, 4 the database can't be reached.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import door
from handlers.casework.caseload import CaseList, list_cases
from handlers.core import Caller


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cases` subcommand."""
    parser = subparsers.add_parser("cases", help="list open cases (officers and managers)")
    parser.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List every open case, urgent and most overdue first."""

    def work(caller: Caller) -> None:
        show(list_cases(caller), as_json=args.json)

    return door.serve("cases", args.user, work)


def show(listing: CaseList, *, as_json: bool) -> None:
    """The cases as a JSON array, or one line each."""
    if as_json:
        sys.stdout.write(json.dumps([row.to_json() for row in listing.rows]) + "\n")
        return
    if not listing.rows:
        print("There are no open cases.")  # as /cme cases says it
    for row in listing.rows:
        if row.restricted:
            print(f"{row.reference}  restricted case")
            continue
        urgent = "URGENT " if row.urgent else ""
        print(f"{row.reference}  {urgent}overdue {row.overdue_steps}  next due {row.next_due or '-'}")
