"""`cme-bot retention [--dry-run] [--today YYYY-MM-DD] [--json]`: anonymise closed cases past their retention date.

The same service as the scheduler's daily job in `cme-bot serve` (handlers/records/retention.py, which
records each disposal); a second run the same day finds nothing more. It is the council's schedule, not a
person's request, so it takes no `--as`. Lists reference, class, due date and why (held cases are listed
as kept), never a child's details. Exit statuses (bot/cli/door.py): 0 done, 2 bad configuration, 4 database down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from bot.cli import door
from handlers.core import Core
from handlers.records import retention


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, for example 2034-01-01") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `retention` subcommand."""
    parser = subparsers.add_parser(
        "retention",
        help="anonymise closed cases past their retention date (or list them)",
        description="Closed cases past the profile's retention period lose their child and family details; "
        "their statistics stay. Cases on legal hold are kept.",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be anonymised; change nothing")
    parser.add_argument("--today", type=_date, help="run as if today were this day (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run (or list) once."""

    def work(core: Core) -> None:
        today = args.today or core.clock().astimezone(core.profile.tz).date()
        due = retention.run(engine=core.engine, profile=core.profile, today=today, dry_run=args.dry_run)
        show(retention.listing(due), today, dry_run=args.dry_run, as_json=args.json)

    return door.serve_core("retention", work)


def show(rows: list[dict], today: dt.date, *, dry_run: bool, as_json: bool) -> None:
    """The cases as a JSON array, or one line each and a count."""
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    gone = sum(not row["held"] for row in rows)
    verb = "would be anonymised" if dry_run else "anonymised"
    for row in rows:
        print(f"{row['reference']}  {'KEPT' if row['held'] else verb.upper()}  {row['why']}")
    print(f"{today.isoformat()}: {gone} case(s) {verb}, {len(rows) - gone} kept on legal hold.")
