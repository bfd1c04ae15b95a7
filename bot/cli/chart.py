"""`cme-bot chart --as USER [--from D --to D] --out FILE.png`: the caseload chart as `/cme stats` draws it.

Officers and managers only (exit 3 for anyone else, the attempt recorded); counts only, no child.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import staff
from bot.cli.export import iso_date
from handlers.forms.fields import Invalid
from handlers.reports.charts import chart_png
from handlers.reports.stats import DEFAULT_MONTHS, PERIOD_HELP, add_months, build_stats, checked_months, describe
from storage.db import unit_of_work
from storage.queries import record_audit
from storage.types import utcnow


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `chart` subcommand."""
    parser = subparsers.add_parser("chart", help="draw the caseload chart as a PNG (officers and managers)")
    parser.add_argument("--as", dest="user", required=True, help="who you are: a user or channel:tenant:user")
    parser.add_argument("--from", dest="start", type=iso_date, help="first month (a date in it; default: a year ago)")
    parser.add_argument("--to", dest="end", type=iso_date, help="last month (a date in it; default: this month)")
    parser.add_argument("--out", type=Path, required=True, help="the PNG file to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Draw the chart: 0 done, 2 bad input or configuration, 3 not an officer or manager."""
    started = staff.start("chart", args.user)
    if started is None:
        return 2
    core, identity = started
    now = utcnow()
    today = now.astimezone(core.profile.tz).date()
    end = args.end or today
    try:
        first, last = checked_months(args.start or add_months(end, 1 - DEFAULT_MONTHS), end, today=today)
    except Invalid as exc:
        hint = "give --from and --to as dates in the first and last months, e.g. --from 2025-09-01 --to 2026-08-31"
        sys.stderr.write(f"cme-bot chart: {str(exc).replace(PERIOD_HELP, hint)}\n")
        return 2
    with unit_of_work(core.engine) as session:
        if staff.refused(session, core, identity, command="chart", doing="draw the caseload chart", now=now):
            return 3
        sys.stderr.write(f"counting cases {first:%Y-%m} to {last:%Y-%m} ...\n")
        stats = build_stats(session, first=first, last=last)
        detail = {"via": "cli", "from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}
        record_audit(session, actor=identity.key, action="report.stats", at=now, detail=detail)
    core.engine.dispose()
    sys.stderr.write("drawing ...\n")
    args.out.write_bytes(chart_png(stats))
    sys.stderr.write("\n".join(describe(stats)) + f"\nwritten to {args.out}\n")
    return 0
