"""`cme-bot export dfe-return` (the DfE termly return's counts to stdout) and `cme-bot export cases` (a file).

The same services as `/cme export` (handlers/reports/service.py): officers and managers only, every export
audited (who, when, which rows, why), no child identifiers in either. The cases file is created owner-only
before the export runs, so a missing folder or a file already there is said before anything is recorded.
Exit statuses (bot/cli/door.py): 0 done, 1 the return does not add up, 2 bad input, 3 refused, 4 database down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from bot.cli import door
from bot.saved_files import CannotSave, private_file
from handlers.core import Caller
from handlers.forms.fields import Invalid
from handlers.reports.dfe_check import CaseToCheck, census_note
from handlers.reports.dfe_return import ReturnDoesNotAddUp, as_csv, as_json
from handlers.reports.exports import FORMATS
from handlers.reports.service import cases_export, dfe_return, dfe_return_check


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
    dfe.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
    dfe.add_argument("--census-date", type=iso_date, required=True, help="the census date, YYYY-MM-DD")
    dfe.add_argument("--format", choices=("csv", "json"), default="csv")
    dfe.add_argument(
        "--check", action="store_true", help="list the counted cases an officer should complete first, by reference"
    )
    dfe.set_defaults(func=run_return)
    cases = kinds.add_parser("cases", help="one row per case raised in the period, CSV or xlsx (no names)")
    cases.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
    cases.add_argument("--from", dest="start", type=iso_date, help="first day raised (default: 1 September)")
    cases.add_argument("--to", dest="end", type=iso_date, help="last day raised (default: today)")
    cases.add_argument("--format", choices=tuple(FORMATS), required=True)
    cases.add_argument("--out", type=Path, required=True, help="the file to write (not overwritten if it exists)")
    cases.add_argument("--reason", required=True, help="why you need it: recorded in the audit trail")
    cases.set_defaults(func=run_cases)


def run_return(args: argparse.Namespace) -> int:
    """Print the return's counts at the census date, or with --check the cases to complete first."""

    def work(caller: Caller) -> int:
        if args.check:
            return _print_check(dfe_return_check(caller, census=args.census_date), args.format)
        try:
            result = dfe_return(caller, census=args.census_date)
        except ReturnDoesNotAddUp as exc:
            door.say("export dfe-return", f"the return does not add up ({exc}); do not send it")
            return 1
        sys.stdout.write(as_json(result) + "\n" if args.format == "json" else as_csv(result))
        sys.stderr.write(f"{result.total} children on the census date; every breakdown adds up to that total\n")
        if note := census_note(result.census_date):
            sys.stderr.write(note + "\n")
        return door.DONE

    return door.serve("export dfe-return", args.user, work, bad_input=(Invalid,))


def _print_check(found: list[CaseToCheck], fmt: str) -> int:
    """The counted cases to complete before sending, by reference (JSON with --format json)."""
    if fmt == "json":
        sys.stdout.write(json.dumps([case.to_dict() for case in found], indent=2) + "\n")
    else:
        sys.stdout.write("".join(line + "\n" for case in found for line in case.lines()))
    sys.stderr.write(
        f"{len(found)} counted case(s) need an officer's choice before the return is sent\n"
        if found
        else "No counted case needs a choice: every reason, year group and date is recorded\n"
    )
    return door.DONE


def run_cases(args: argparse.Namespace) -> int:
    """Write the cases file, owner-only, never over an existing file."""

    def work(caller: Caller) -> None:
        try:
            with private_file(args.out) as handle:  # made first: no export is recorded that could not be saved
                file = cases_export(caller, start=args.start, end=args.end, fmt=args.format, reason=args.reason)
                handle.write(file.content)
        except CannotSave as exc:
            raise door.Stop(str(exc)) from None
        except Invalid as exc:  # the service's words, pointing at the option that carries it
            raise door.Stop(str(exc).replace("Say why", "Say with --reason why")) from None
        sys.stderr.write(f"{file.alt_text}: written to {args.out}\n")

    return door.serve("export cases", args.user, work)
