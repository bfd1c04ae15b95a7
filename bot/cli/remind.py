"""`cme-bot remind --now`: run one reminder sweep (and the due-SAR reminder) and print what it queued.
`cme-bot remind --preview --on DATE [--as USER]`: print what that school day will bring, changing nothing.

The same sweep as the scheduler's job in `cme-bot serve`: safe to run beside it or twice, since a
reminder already queued today is never queued again. The preview is handlers/casework/preview.py; this
only renders it, as the terminal chat would show each message.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.door import AS_HELP, BAD_INPUT, say, serve, serve_core
from bot.cli.export import iso_date
from bot.config import Settings
from bot.logs import configure_logging
from bot.terminal import render
from bot.wiring import build_core
from handlers.casework.preview import DayPreview, NotAhead, preview_day
from handlers.casework.reminders import run_sweep
from handlers.knowledge.profile import ProfileError
from handlers.records.sar_requests import remind_due


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `remind` subcommand."""
    parser = subparsers.add_parser(
        "remind",
        help="run the enquiry reminder sweep once",
        description="Queue today's digests and escalations and list them (--now), or print what a school day "
        "will bring each officer and manager, changing nothing (--preview --on DATE).",
    )
    parser.add_argument("--now", action="store_true", help="run one sweep now")
    parser.add_argument(
        "--preview", action="store_true", help="print what --on DATE will bring; nothing is queued, sent or recorded"
    )
    parser.add_argument("--on", type=iso_date, metavar="YYYY-MM-DD", help="with --preview: the day (today or later)")
    parser.add_argument("--as", dest="user", help=f"with --preview: only what this officer or manager gets; {AS_HELP}")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one sweep or a preview: 0 when done, 2 on bad usage or configuration, 3 refused (--as)."""
    if args.preview == args.now or (args.on or args.user) and not args.preview:
        say("remind", "add --now to run one sweep (serve runs it on a schedule), or --preview --on YYYY-MM-DD")
        return BAD_INPUT
    if args.preview:
        return _preview(args)
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


def _preview(args: argparse.Namespace) -> int:
    """What --on will bring (to --as alone when given), as the terminal chat would show each message."""
    if args.on is None:
        say("remind", "add --on YYYY-MM-DD: the school day to preview")
        return BAD_INPUT
    show = _show_json if args.json else _show
    if args.user:
        return serve(
            "remind", args.user, lambda c: show(preview_day(c.core, on=args.on, caller=c)), bad_input=(NotAhead,)
        )
    return serve_core("remind", lambda core: show(preview_day(core, on=args.on)), bad_input=(NotAhead,))


def _show(preview: DayPreview) -> None:
    print(preview.headline())
    if preview.school_day and not preview.messages:
        print("Nothing would be sent.")
    for message in preview.messages:
        print(f"\nTo {message.to}:")
        print(render(message.reply))
    print("\n(A preview: nothing was queued, sent or recorded.)")


def _show_json(preview: DayPreview) -> None:
    messages = [
        {
            "to": m.recipient,
            "kind": m.kind,
            "title": m.reply.title,
            "text": m.reply.text,
            "buttons": [b.value for b in m.reply.buttons],
        }
        for m in preview.messages
    ]
    out = {"on": preview.on.isoformat(), "school_day": preview.school_day, "headline": preview.headline()}
    sys.stdout.write(
        json.dumps({**out, "next_school_day": preview.next_school_day.isoformat(), "messages": messages}) + "\n"
    )
