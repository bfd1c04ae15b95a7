"""`cme-bot cases --as USER [--json]`: the open cases for scripts (officers and managers only).

No child details: references, urgency, assignment and due dates. The listing is recorded in the
audit trail like `/cme cases`; a refused attempt is recorded and exits 3.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli import staff
from storage.db import unit_of_work
from storage.queries import open_case_summaries, record_audit
from storage.restricted import hidden_case_ids
from storage.types import utcnow


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cases` subcommand."""
    parser = subparsers.add_parser("cases", help="list open cases (officers and managers)")
    parser.add_argument("--as", dest="user", required=True, help="who you are: a user or channel:tenant:user")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List open cases: 0 done, 2 bad configuration, 3 not an officer or manager."""
    started = staff.start("cases", args.user)
    if started is None:
        return 2
    core, identity = started
    now = utcnow()
    with unit_of_work(core.engine) as session:
        if staff.refused(session, core, identity, command="cases", doing="list cases", now=now):
            return 3
        rows = open_case_summaries(session, today=now.astimezone(core.profile.tz).date())
        record_audit(
            session, actor=identity.key, action="cases.listed", at=now, detail={"via": "cli", "shown": len(rows)}
        )
        hidden = hidden_case_ids(session, cases=(row[0] for row in rows), user_key=identity.key)
        # A restricted case not naming the caller: only that it exists (handlers/casework/access.py).
        cases = [
            {"reference": row[0].reference, "restricted": True} if row[0].id in hidden else _row(*row) for row in rows
        ]
    core.engine.dispose()
    if args.json:
        sys.stdout.write(json.dumps(cases) + "\n")
    else:
        for item in cases:
            if item.get("restricted"):
                print(f"{item['reference']}  restricted case")
                continue
            urgent = "URGENT " if item["urgent"] else ""
            print(f"{item['reference']}  {urgent}overdue {item['overdue_steps']}  next due {item['next_due'] or '-'}")
    return 0


def _row(case, next_due, overdue, due_today) -> dict:
    return {
        "reference": case.reference,
        "urgent": case.urgent,
        "assigned_to": case.assigned_to,
        "raised": case.created_at.isoformat(),
        "next_due": next_due.isoformat() if next_due else None,
        "overdue_steps": overdue,
        "due_today_steps": due_today,
    }
