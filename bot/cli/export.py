"""`cme-bot export dfe-return` (the DfE termly return's counts to stdout) and `cme-bot export cases` (a file).

Officers and managers only, as for `cme-bot cases`: anyone else is refused with exit code 3 and the
attempt recorded. Every export is audited (who, when, which rows, why). No child identifiers in either.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bot.cli import staff
from handlers.reports.commands import academic_year_start
from handlers.reports.dfe_return import ReturnDoesNotAddUp, as_csv, as_json, build_return
from handlers.reports.exports import FORMATS, export_cases
from storage.db import unit_of_work
from storage.queries import record_audit
from storage.types import utcnow


def iso_date(text: str) -> dt.date:
    """An argparse type: a date as YYYY-MM-DD (argparse turns the error into exit code 2 with the option)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text[:30]}' is not a date: write it as YYYY-MM-DD, e.g. 2026-10-02"
        ) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `export dfe-return` and `export cases`."""
    parser = subparsers.add_parser("export", help="the DfE return's counts, or the cases as a file (officers)")
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    dfe = kinds.add_parser("dfe-return", help="the DfE termly return's counts on stdout (no child identifiers)")
    dfe.add_argument("--as", dest="user", required=True, help="who you are: a user or channel:tenant:user")
    dfe.add_argument("--census-date", type=iso_date, required=True, help="the census date, YYYY-MM-DD")
    dfe.add_argument("--format", choices=("csv", "json"), default="csv")
    dfe.set_defaults(func=run_return)
    cases = kinds.add_parser("cases", help="one row per case raised in the period, CSV or xlsx (no names)")
    cases.add_argument("--as", dest="user", required=True, help="who you are: a user or channel:tenant:user")
    cases.add_argument("--from", dest="start", type=iso_date, help="first day raised (default: 1 September)")
    cases.add_argument("--to", dest="end", type=iso_date, help="last day raised (default: today)")
    cases.add_argument("--format", choices=tuple(FORMATS), required=True)
    cases.add_argument("--out", type=Path, required=True, help="the file to write (not overwritten if it exists)")
    cases.add_argument("--reason", required=True, help="why you need it: recorded in the audit trail")
    cases.set_defaults(func=run_cases)


def run_return(args: argparse.Namespace) -> int:
    """Print the return: 0 done, 1 it does not add up, 2 bad configuration, 3 not an officer or manager."""
    started = staff.start("export dfe-return", args.user)
    if started is None:
        return 2
    core, identity = started
    now = utcnow()
    with unit_of_work(core.engine) as session:
        if staff.refused(session, core, identity, command="export dfe-return", doing="export the return", now=now):
            return 3
        sys.stderr.write(f"counting children missing education at {args.census_date} ...\n")
        try:
            result = build_return(session, census=args.census_date, tz=core.profile.tz)
        except ReturnDoesNotAddUp as exc:
            sys.stderr.write(f"cme-bot export dfe-return: the return does not add up ({exc}); do not send it\n")
            return 1
        detail = {"via": "cli", "census_date": args.census_date.isoformat(), "total": result.total}
        record_audit(session, actor=identity.key, action="report.dfe_return", at=now, detail=detail)
    core.engine.dispose()
    sys.stdout.write(as_json(result) + "\n" if args.format == "json" else as_csv(result))
    sys.stderr.write(f"{result.total} children on the census date; every breakdown adds up to that total\n")
    return 0


def run_cases(args: argparse.Namespace) -> int:
    """Write the cases file: 0 done, 2 bad input or configuration, 3 not an officer or manager."""
    if args.out.exists():
        sys.stderr.write(f"cme-bot export cases: {args.out} already exists: choose another --out\n")
        return 2
    if len(args.reason.strip()) < 5:
        sys.stderr.write("cme-bot export cases: --reason says why you need the export, e.g. 'termly caseload review'\n")
        return 2
    started = staff.start("export cases", args.user)
    if started is None:
        return 2
    core, identity = started
    now = utcnow()
    today = now.astimezone(core.profile.tz).date()
    start, end = args.start or academic_year_start(today), args.end or today
    if end < start:
        sys.stderr.write(f"cme-bot export cases: --to {end} is before --from {start}\n")
        return 2
    with unit_of_work(core.engine) as session:
        if staff.refused(session, core, identity, command="export cases", doing="export cases", now=now):
            return 3
        sys.stderr.write(f"exporting cases raised {start} to {end} ...\n")
        file = export_cases(
            session,
            user_key=identity.key,
            start=start,
            end=end,
            fmt=args.format,
            reason=args.reason.strip(),
            now=now,
            via="cli",
        )
        args.out.write_bytes(file.content)  # inside the transaction: no audit without the file, no file without it
    core.engine.dispose()
    sys.stderr.write(f"{file.alt_text}: written to {args.out}\n")
    return 0
