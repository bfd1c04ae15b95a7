"""`cme-bot doctor`: check everything before go-live and print a table (ok / warning / error, and the fix)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys

from pydantic import ValidationError

from bot.config import Settings
from bot.preflight import Finding, Status, error, run_checks, table


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `doctor` subcommand."""
    parser = sub.add_parser("doctor", help="check settings, database, channels and profile before go-live")
    parser.add_argument("--json", action="store_true", help="print {ok, checks: [{check, status, detail, fix}]}")
    parser.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)  # tests: term dates' year
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run every check; exit 1 when any is an error (warnings alone exit 0)."""
    logging.basicConfig(level=logging.ERROR)  # what the checks find is in the table, not in log lines
    print("cme-bot doctor: checking settings, profile, database, term dates, data keys, channels...", file=sys.stderr)
    findings = checks(args.today)
    errors = sum(f.status is Status.ERROR for f in findings)
    warnings = sum(f.status is Status.WARNING for f in findings)
    if args.json:
        print(json.dumps({"ok": not errors, "checks": [f.as_dict() for f in findings]}, indent=2))
    else:
        print(table(findings))
        print(f"\n{errors} error(s), {warnings} warning(s)" + ("" if errors else ": ready as far as doctor can tell"))
    return 1 if errors else 0


def checks(today: dt.date | None) -> list[Finding]:
    """The findings; settings that don't validate are an error each, naming the variable (the rest can't run)."""
    try:
        settings = Settings()
    except ValidationError as exc:
        return [_setting(problem) for problem in exc.errors()]
    return run_checks(settings, today=today)


def _setting(problem) -> Finding:
    name = str(problem["loc"][0]) if problem.get("loc") else "a setting"
    return error("settings", f"{name}: {problem['msg']}", f"correct {name} in the server's environment")
