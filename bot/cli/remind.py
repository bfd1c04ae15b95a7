"""`cme-bot remind --now`: run one reminder sweep (and the due-SAR reminder) and print what it queued.

The same sweep as the scheduler's job in `cme-bot serve`: safe to run beside it or twice, since a
reminder already queued today is never queued again.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.config import Settings
from bot.logs import configure_logging
from bot.wiring import build_core
from handlers.casework.reminders import run_sweep
from handlers.knowledge.profile import ProfileError
from handlers.records.sar_requests import remind_due


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `remind` subcommand."""
    parser = subparsers.add_parser(
        "remind",
        help="run the enquiry reminder sweep once",
        description="Queue today's digests, urgent overdue alerts and escalations, and list them.",
    )
    parser.add_argument("--now", action="store_true", help="run one sweep now (required)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one sweep: 0 when it ran (or another replica was sweeping), 2 on bad usage or configuration."""
    if not args.now:
        sys.stderr.write("cme-bot remind: add --now to run one sweep (serve runs it on a schedule)\n")
        return 2
    try:
        settings = Settings()
        configure_logging(settings, level="WARNING")  # a scheduled run's lines cleaned like serve's
        core = build_core(settings)
    except (ProfileError, ValueError) as exc:  # ValueError: a setting that doesn't validate
        sys.stderr.write(f"cme-bot remind: {exc}\n")
        return 2
    try:
        result = run_sweep(core)
        sars = remind_due(core)  # subject access requests due within 5 days, once a day (as serve's job does)
    finally:
        core.engine.dispose()
    if args.json:
        queued = [{"kind": r.kind, "to": r.recipient, "key": r.dedupe_key} for r in result.queued]
        out = {"ran": result.ran, "today": result.today.isoformat(), "due_steps": result.due_steps}
        sys.stdout.write(json.dumps({**out, "new": result.added, "queued": queued, "sar_reminders": sars}) + "\n")
        return 0
    if not result.ran:
        print("Another replica is sweeping right now; nothing queued.")
        return 0
    print(f"Sweep for {result.today:%a %-d %b %Y}: {result.due_steps} step(s) due or overdue.")
    for line in result.lines():
        print(f"queued {line}")
    if sars:
        print(f"queued {sars} subject access request reminder(s): cme-bot sar --due lists the requests")
    print(f"{result.added} new message(s) in the outbox ({len(result.queued) - result.added} were already queued).")
    return 0
