"""`cme-bot sar`: answer a subject access request (officers and managers).

  cme-bot sar --as USER --child REF|CHILD_ID --out DIR [--received YYYY-MM-DD]
  cme-bot sar --as USER --person USER_KEY --out DIR [--received YYYY-MM-DD]
  cme-bot sar --as USER --due [--json]          requests not yet answered, soonest due first
  cme-bot sar --as USER --answered REQUEST_ID   the pack was sent: the request is closed

handlers/records/subject_access.py decides who may, refuses a restricted case the caller is not named on,
records the request (due one calendar month after receipt) and audits the disclosure on every case; this
module writes the pack (data.json, index.html, manifest.json, owner-only) and prints.
Exit statuses (bot/cli/door.py): 0 done, 2 bad input, 3 refused, 4 the database can't be reached.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from bot.cli import door
from bot.cli.sar_files import write_pack
from handlers.core import Caller
from handlers.records import subject_access
from handlers.records.sar import SubjectNotFound
from handlers.records.sar_requests import RequestError

COMMAND = "sar"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sar` subcommand."""
    parser = subparsers.add_parser("sar", help="subject access: write everything held about a child or a person")
    parser.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--child", help="the child: a case reference (CME-2026-0001) or a child id")
    what.add_argument("--person", help="a practitioner or staff member: a user or channel:tenant:user")
    what.add_argument("--due", action="store_true", help="list requests not yet answered")
    what.add_argument("--answered", type=int, metavar="REQUEST_ID", help="record that the pack was sent")
    parser.add_argument("--out", type=Path, help="the folder to write the pack into (with --child or --person)")
    parser.add_argument("--received", help="the day the request was received, YYYY-MM-DD (default: today)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Do what the options say."""
    if (args.child or args.person) and args.out is None:
        door.say(COMMAND, "say where to write the pack with --out DIR")
        return door.BAD_INPUT

    def work(caller: Caller) -> None:
        if args.due:
            _due(subject_access.due(caller), as_json=args.json)
        elif args.answered is not None:
            done = subject_access.answered(caller, request_id=args.answered)
            print(f"Subject access request {done} recorded as answered.")
        else:
            _pack(caller, args)

    return door.serve(COMMAND, args.user, work, bad_input=(SubjectNotFound, RequestError))


def _pack(caller: Caller, args: argparse.Namespace) -> None:
    """Build, record and write one pack, then say what was written and what to do next."""
    person = door.identity_of(args.person, option="--person").key if args.person else None
    written: dict = {}
    pack = subject_access.pack_for(
        caller,
        child=args.child,
        person=person,
        received=_received(args.received),
        deliver=lambda pack: written.update(write_pack(args.out, pack.data, pack.about)),
    )
    if args.json:
        sys.stdout.write(json.dumps(written) + "\n")
        return
    if pack.empty:
        door.say(COMMAND, "nothing is held about that person; check the user (channel:tenant:user).")
    names = ", ".join(f["name"] for f in written["files"])
    print(f"Wrote {args.out}: {names}, manifest.json.")
    print(
        f"Request {written['request_id']}: received {written['received_on']}, due {written['due_on']}. "
        f"{written['counts']['redaction_review']} item(s) are marked for redaction review (highlighted in index.html)."
    )
    print(f"When the pack has been sent: cme-bot sar --as {args.user} --answered {written['request_id']}")


def _received(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise door.Stop(f"--received {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-30.") from None


def _due(requests: list[dict], *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(requests) + "\n")
        return
    if not requests:
        print("No subject access request is waiting for an answer.")
    for r in requests:
        when = f"OVERDUE by {-r['days_left']} day(s)" if r["overdue"] else f"{r['days_left']} day(s) left"
        written = "pack written" if r["pack_written"] else "no pack yet"
        print(
            f"{r['id']}  {r['kind']} {r['subject']}  received {r['received_on']}  due {r['due_on']} ({when}), {written}"
        )
