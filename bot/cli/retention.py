"""`cme-bot retention [--dry-run] [--today YYYY-MM-DD] [--json]`: anonymise closed cases past their retention date.

The same run as the scheduler's daily job in `cme-bot serve`; a second run the same day finds nothing more.
Lists reference, class, due date and why (held cases are listed as kept), never a child's details.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from bot.config import Settings
from bot.logs import configure_logging
from bot.wiring import build_core
from handlers.knowledge.profile import ProfileError
from handlers.records import retention
from storage.types import utcnow


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
    """Run (or list) once: 0 done, 2 bad configuration."""
    try:
        settings = Settings()
        configure_logging(settings, level="WARNING")  # a scheduled run's lines cleaned like serve's
        core = build_core(settings)
    except (ProfileError, ValueError) as exc:
        sys.stderr.write(f"cme-bot retention: {exc}\n")
        return 2
    today = args.today or utcnow().astimezone(core.profile.tz).date()
    try:
        due = retention.run(engine=core.engine, profile=core.profile, today=today, dry_run=args.dry_run)
    finally:
        core.engine.dispose()
    rows = retention.listing(due)
    if args.json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return 0
    gone = sum(not d.held for d in due)
    verb = "would be anonymised" if args.dry_run else "anonymised"
    for row in rows:
        print(f"{row['reference']}  {'KEPT' if row['held'] else verb.upper()}  {row['why']}")
    print(f"{today.isoformat()}: {gone} case(s) {verb}, {len(due) - gone} kept on legal hold.")
    return 0
