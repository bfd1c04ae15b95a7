"""`cme-bot check`: the triage engine from the command line (JSON or a readable summary)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import TextIO

from bot.config import Settings
from handlers.forms.fields import Invalid, parse_date
from handlers.knowledge.harm import reach
from handlers.knowledge.profile import Profile, ProfileError
from handlers.knowledge.triage import (
    HEADLINES,
    HOME_EDUCATED_VALUES,
    ON_ROLL_VALUES,
    Facts,
    TriageResult,
    long_date,
    triage,
)

DATE_FORMATS = "YYYY-MM-DD or day-first DD/MM/YYYY (for example 2014-05-02 or 02/05/2014)"


class UsageError(ValueError):
    """A bad option value; the message names the option and never repeats a child's details."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `check` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="does this count as children missing education? (compulsory school age and where it goes)",
        description="Triage one situation: compulsory school age, CME or not, and the next step.",
    )
    parser.add_argument("--dob", required=True, help=f"date of birth: {DATE_FORMATS}")
    parser.add_argument("--on", help="the date to check on (default: today, in the council's time zone)")
    parser.add_argument("--on-roll", choices=ON_ROLL_VALUES, default="unknown", help="on a school roll?")
    parser.add_argument("--home-educated", choices=HOME_EDUCATED_VALUES, default="no")
    for flag in ("--other-provision", "--missing-from-home", "--awaiting-place"):
        parser.add_argument(flag, choices=("yes", "no", "unknown"), default="no")
    parser.add_argument("--out-since", help=f"out of education since: {DATE_FORMATS}")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _date(option: str, raw: str | None, today: dt.date) -> dt.date | None:
    if raw is None:
        return None
    try:
        return parse_date(raw, today=today)
    except Invalid:
        message = f"{option}: not a valid full date (day, month and year). Expected {DATE_FORMATS}."
        raise UsageError(message) from None


def _yes_no_unknown(value: str) -> bool | None:
    return None if value == "unknown" else value == "yes"


def facts_from_args(args: argparse.Namespace, profile: Profile) -> Facts:
    """The Facts the options describe; UsageError names a bad option."""
    today = dt.datetime.now(profile.tz).date()
    on = _date("--on", args.on, today) or today
    dob, out_since = _date("--dob", args.dob, today), _date("--out-since", args.out_since, today)
    try:
        return Facts(
            dob=dob,
            on=on,
            on_roll=args.on_roll,
            home_educated=args.home_educated,
            other_provision=_yes_no_unknown(args.other_provision),
            missing_from_home=_yes_no_unknown(args.missing_from_home),
            awaiting_place=_yes_no_unknown(args.awaiting_place),
            out_since=out_since,
        )
    except ValueError as exc:  # Facts names the field, never its value
        raise UsageError(f"{exc} (check --dob, --on and --out-since)") from None


def summary(result: TriageResult, profile: Profile) -> str:
    """A readable answer for people at a terminal."""
    lines = [HEADLINES[result.outcome], "", f"Next step: {result.next_step}"]
    if result.compulsory_school_age:
        starts, ends = result.compulsory_school_age
        lines.append(f"Compulsory school age: {long_date(starts)} to {long_date(ends)}")
    lines += ["", "Why:", *(f"  - {reason}" for reason in result.reasons)]
    if result.contacts:
        lines += ["", "Contacts:"]
        for key in result.contacts:
            lines.append(f"  - {profile.contact(key).label}: {reach(profile, key)}")
    lines += ["", "Sources:", *(f"  - {s.title}: {s.url}" for s in result.sources)]
    return "\n".join(lines) + "\n"


def _fail(message: str, stream: TextIO) -> int:
    stream.write(f"cme-bot check: {message}\n")
    return 2


def run(args: argparse.Namespace) -> int:
    """Run `cme-bot check`: 0 on an answer, 2 on a bad option or profile."""
    try:
        profile = Settings().load_profile()
        facts = facts_from_args(args, profile)
    except (ProfileError, UsageError) as exc:
        return _fail(str(exc), sys.stderr)
    result = triage(facts, profile)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(summary(result, profile))
    return 0
