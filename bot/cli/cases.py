"""`cme-bot cases --as USER [--mine --overdue --unassigned --urgent --matches] [--page N] [--json]`: the caseload.

The same service and the same lines as `/cme cases`: each open case with the child's name and age or year group,
the reason, days missing education, who has it, the next step and its due date, and its flags; a restricted case
not naming you by its reference only. handlers/casework/caseload.py decides who may list them and records the
showing. Exit statuses (bot/cli/door.py): 0 listed, 2 bad input, 3 refused, 4 the database can't be reached.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import door
from handlers.casework.caseload import FILTERS, Ask, CaseList, list_cases
from handlers.casework.views import case_line, case_list_reply
from handlers.core import Caller


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cases` subcommand."""
    parser = subparsers.add_parser("cases", help="list open cases, who each child is and what is next (officers)")
    parser.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
    for word, keeps in FILTERS.items():
        parser.add_argument(f"--{word}", action="store_true", help=f"only the cases {keeps}")
    parser.add_argument("--page", type=int, default=1, help="which page of 15 (default 1)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List a page of the open cases asked for, urgent first, then soonest due."""
    if args.mine and args.unassigned:
        door.say("cases", "A case can't be both yours and assigned to nobody: choose --mine or --unassigned.")
        return door.BAD_INPUT
    ask = Ask(tuple(word for word in FILTERS if getattr(args, word)), max(1, args.page))

    def work(caller: Caller) -> None:
        show(list_cases(caller, ask=ask), as_json=args.json)

    return door.serve("cases", args.user, work)


def show(listing: CaseList, *, as_json: bool) -> None:
    """The cases as a JSON array, or one or two lines each, then how to see the next page."""
    if as_json:
        sys.stdout.write(json.dumps([row.to_json() for row in listing.rows]) + "\n")
        return
    if not listing.rows:
        print(case_list_reply(listing).text)  # as /cme cases says it
    for row in listing.rows:
        label, rest = case_line(row, listing.today)
        print(f"{label}: {rest}")
    if listing.more is not None:
        options = "".join(f" --{word}" for word in listing.ask.filters)
        page = listing.ask.page
        print(f"Page {page} of {listing.pages}. More: cme-bot cases{options} --page {page + 1}")
