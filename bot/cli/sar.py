"""`cme-bot sar`: answer a subject access request (officers and managers).

  cme-bot sar --as USER --child REF|CHILD_ID --out DIR [--received YYYY-MM-DD]
  cme-bot sar --as USER --person USER_KEY --out DIR [--received YYYY-MM-DD]
  cme-bot sar --as USER --due [--json]          requests not yet answered, soonest due first
  cme-bot sar --as USER --answered REQUEST_ID   the pack was sent: the request is closed

The pack (data.json, index.html, manifest.json) is written with the request recorded (due one calendar
month after receipt) and the disclosure audited on every case it covers. Exit codes: 0 done, 2 bad
input or configuration, 3 refused (not an officer or manager, or a restricted case they are not named on).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from sqlmodel import Session

from bot.cli import staff
from bot.cli.sar_files import stamp, write_pack
from handlers.casework.access import may_see
from handlers.records.sar import SubjectNotFound, child_pack, person_pack
from handlers.records.sar_requests import RequestError, complete, describe, open_request, unanswered
from storage.db import unit_of_work
from storage.models import Case
from storage.queries import record_audit
from storage.types import utcnow


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `sar` subcommand."""
    parser = subparsers.add_parser("sar", help="subject access: write everything held about a child or a person")
    parser.add_argument("--as", dest="user", required=True, help="who you are: a user or channel:tenant:user")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--child", help="the child: a case reference (CME-2026-0001) or a child id")
    what.add_argument("--person", help="a practitioner or staff member: a user or channel:tenant:user")
    what.add_argument("--due", action="store_true", help="list requests not yet answered")
    what.add_argument("--answered", type=int, metavar="REQUEST_ID", help="record that the pack was sent")
    parser.add_argument("--out", type=Path, help="the folder to write the pack into (with --child or --person)")
    parser.add_argument("--received", help="the day the request was received, YYYY-MM-DD (default: today)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Do what the options say: 0 done, 2 bad input, 3 refused."""
    if (args.child or args.person) and args.out is None:
        sys.stderr.write("cme-bot sar: say where to write the pack with --out DIR\n")
        return 2
    started = staff.start("sar", args.user)
    if started is None:
        return 2
    core, identity = started
    now = utcnow()
    today = now.astimezone(core.profile.tz).date()
    try:
        with unit_of_work(core.engine) as session:
            if staff.refused(session, core, identity, command="sar", doing="answer subject access requests", now=now):
                return 3
            if args.due:
                return _due(session, today, as_json=args.json)
            if args.answered is not None:
                request = complete(session, request_id=args.answered, by=identity.key, now=now)
                print(f"Subject access request {request.id} recorded as answered.")
                return 0
            return _pack(session, args, by=identity.key, now=now, today=today)
    except (SubjectNotFound, RequestError) as exc:
        sys.stderr.write(f"cme-bot sar: {exc}\n")
        return 2
    finally:
        core.engine.dispose()


def _received(text: str | None, today: dt.date) -> dt.date:
    if text is None:
        return today
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RequestError(f"--received {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-30.") from None


def _pack(session: Session, args: argparse.Namespace, *, by: str, now: dt.datetime, today: dt.date) -> int:
    """Build, record, audit and write one pack."""
    received = _received(args.received, today)
    if args.child:
        pack = child_pack(session, subject=args.child)
        kind, subject = "child", str(pack["subject"]["surviving_child_id"])
        hidden = [c for c in pack["cases"] if not may_see(session, case=session.get(Case, c["id"]), user_key=by)]
        if hidden:
            return _restricted(session, by, [c["reference"] for c in hidden], now)
    else:
        subject = staff.identity_of(args.person).key
        pack, kind = person_pack(session, user=subject), "person"
    request = open_request(session, kind=kind, subject=subject, by=by, received_on=received, now=now)
    request.pack_written_at = now
    session.add(request)
    why, detail = f"subject access request {request.id}", {"sar": request.id, "kind": kind}
    for case_id in [c["id"] for c in pack.get("cases", [])] or [None]:  # on each case's own trail
        record_audit(session, actor=by, action="sar.disclosed", case_id=case_id, at=now, reason=why, detail=detail)
    about = {
        "request_id": request.id,
        **_facts(describe(request, today)),
        "generated_by": by,
        "generated_at": stamp(now),
    }
    manifest = write_pack(args.out, pack, about)
    _report(args, manifest, pack)
    return 0


def _facts(described: dict) -> dict:
    keep = ("kind", "subject", "received_on", "due_on", "days_left")
    return {key: described[key] for key in keep}


def _restricted(session: Session, by: str, references: list[str], now: dt.datetime) -> int:
    record_audit(
        session, actor=by, action="permission.refused", at=now, detail={"command": "cli sar", "restricted": references}
    )
    sys.stderr.write(
        f"cme-bot sar: {', '.join(references)} is restricted and you are not named on it: an officer named on the "
        "case must write this pack (nothing was written).\n"
    )
    return 3


def _report(args: argparse.Namespace, manifest: dict, pack: dict) -> None:
    if args.json:
        sys.stdout.write(json.dumps(manifest) + "\n")
        return
    empty = pack["subject"]["kind"] == "person" and not any(v for k, v in pack.items() if k != "subject")
    if empty:
        sys.stderr.write("cme-bot sar: nothing is held about that person; check the user (channel:tenant:user).\n")
    names = ", ".join(f["name"] for f in manifest["files"])
    print(f"Wrote {args.out}: {names}, manifest.json.")
    print(
        f"Request {manifest['request_id']}: received {manifest['received_on']}, due {manifest['due_on']}. "
        f"{manifest['counts']['redaction_review']} item(s) are marked for redaction review (highlighted in index.html)."
    )
    print(f"When the pack has been sent: cme-bot sar --as {args.user} --answered {manifest['request_id']}")


def _due(session: Session, today: dt.date, *, as_json: bool) -> int:
    requests = [describe(r, today) for r in unanswered(session)]
    if as_json:
        sys.stdout.write(json.dumps(requests) + "\n")
        return 0
    if not requests:
        print("No subject access request is waiting for an answer.")
    for r in requests:
        when = f"OVERDUE by {-r['days_left']} day(s)" if r["overdue"] else f"{r['days_left']} day(s) left"
        written = "pack written" if r["pack_written"] else "no pack yet"
        print(
            f"{r['id']}  {r['kind']} {r['subject']}  received {r['received_on']}  due {r['due_on']} ({when}), {written}"
        )
    return 0
