"""`cme-bot cases --as USER [--json]`: the open cases for scripts (officers and managers only).

No child details: references, urgency, assignment and due dates. The listing is recorded in the
audit trail like `/cme cases`; a refused attempt is recorded and exits 3.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from bot.config import Settings
from bot.wiring import build_core
from handlers.core import is_staff, role_of
from handlers.knowledge.profile import ProfileError
from handlers.messages import Channel, Identity
from storage.db import unit_of_work
from storage.queries import open_case_summaries, record_audit
from storage.types import utcnow


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cases` subcommand."""
    parser = subparsers.add_parser("cases", help="list open cases (officers and managers)")
    parser.add_argument("--as", dest="user", required=True, help="who you are: a user or channel:tenant:user")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def _identity(user: str) -> Identity:
    if user.count(":") == 2:
        channel, tenant, user_id = user.split(":")
        return Identity(Channel(channel), user_id, tenant)
    return Identity(Channel.TERMINAL, user, "local")


def run(args: argparse.Namespace) -> int:
    """List open cases: 0 done, 2 bad configuration, 3 not an officer or manager."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        core = build_core(Settings())
        identity = _identity(args.user)
    except (ProfileError, ValueError) as exc:
        sys.stderr.write(f"cme-bot cases: {exc}\n")
        return 2
    now = utcnow()
    with unit_of_work(core.engine) as session:
        if not is_staff(role_of(identity, core.profile)):
            record_audit(
                session, actor=identity.key, action="permission.refused", at=now, detail={"command": "cli cases"}
            )
            sys.stderr.write("cme-bot cases: only the CME officer and their manager may list cases\n")
            return 3
        rows = open_case_summaries(session, today=now.astimezone(core.profile.tz).date())
        record_audit(
            session, actor=identity.key, action="cases.listed", at=now, detail={"via": "cli", "shown": len(rows)}
        )
        cases = [_row(case, next_due, overdue, due_today) for case, next_due, overdue, due_today in rows]
    core.engine.dispose()
    if args.json:
        sys.stdout.write(json.dumps(cases) + "\n")
    else:
        for item in cases:
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
