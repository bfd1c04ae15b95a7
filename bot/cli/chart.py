"""`cme-bot chart --as USER [--from D --to D] --out FILE.png`: the caseload chart as `/cme stats` draws it.

The same service (handlers/reports/service.py): officers and managers only, counts only, no child; the
file is written owner-only (an existing one is replaced only once the new chart is complete).
Exit statuses (bot/cli/door.py): 0 drawn, 2 bad input, 3 refused, 4 the database can't be reached.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import door
from bot.cli.export import iso_date
from bot.saved_files import CannotSave, private_file
from handlers.core import Caller
from handlers.forms.fields import Invalid
from handlers.reports.charts import chart_png
from handlers.reports.service import caseload_stats
from handlers.reports.stats import DEFAULT_MONTHS, PERIOD_HELP, add_months, describe

HINT = "give --from and --to as dates in the first and last months, e.g. --from 2025-09-01 --to 2026-08-31"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `chart` subcommand."""
    parser = subparsers.add_parser("chart", help="draw the caseload chart as a PNG (officers and managers)")
    parser.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
    parser.add_argument("--from", dest="start", type=iso_date, help="first month (a date in it; default: a year ago)")
    parser.add_argument("--to", dest="end", type=iso_date, help="last month (a date in it; default: this month)")
    parser.add_argument("--out", type=Path, required=True, help="the PNG file to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Count, draw and write the chart."""

    def work(caller: Caller) -> None:
        end = args.end or caller.today
        first = args.start or add_months(end, 1 - DEFAULT_MONTHS)
        try:
            with private_file(args.out, replace=True) as handle:
                stats = caseload_stats(caller, first=first, last=end)
                sys.stderr.write("drawing ...\n")
                handle.write(chart_png(stats))
        except Invalid as exc:  # the period: in the CLI's words
            raise door.Stop(str(exc).replace(PERIOD_HELP, HINT)) from None
        except CannotSave as exc:
            raise door.Stop(str(exc)) from None
        sys.stderr.write("\n".join(describe(stats)) + f"\nwritten to {args.out}\n")

    return door.serve("chart", args.user, work)
