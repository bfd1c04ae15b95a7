"""`cme-bot audit verify [--json] [--against FILE]` and `cme-bot audit export --from D --to D --out FILE --as USER`.

verify walks the hash chain (storage/audit_chain.py) and names the first broken link: exit 0 sound, 1 broken,
2 bad input. It shows ids, actions and hashes only, never a reason or detail (they can name a child).
export writes the chain's links (JSON lines, no reasons or details) for keeping off site; verify --against
that copy then catches rows deleted from the newest end, which the database alone cannot prove.
Events written before the chain began (hash NULL) are counted as legacy and are not covered.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from bot.cli import staff
from storage import audit_chain
from storage.db import unit_of_work
from storage.models import AuditEvent
from storage.queries import record_audit
from storage.types import utcnow


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `audit` subcommand with `verify` and `export`."""
    parser = subparsers.add_parser("audit", help="check or copy the tamper-evident audit chain")
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = sub.add_parser("verify", help="walk the hash chain and name the first broken link")
    check.add_argument("--json", action="store_true", help="print the result as one JSON object")
    check.add_argument("--against", type=Path, help="an off-site copy from `cme-bot audit export` to compare")
    check.add_argument("--as", dest="user", default="operator", help="who is checking (recorded)")
    check.set_defaults(func=verify)
    copy = sub.add_parser("export", help="write the chain's links (no reasons or details) for off-site keeping")
    copy.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
    copy.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")
    copy.add_argument("--out", type=Path, required=True, help="the file to write (JSON lines)")
    copy.add_argument("--as", dest="user", required=True, help="who you are: an officer or manager")
    copy.set_defaults(func=export)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, for example 2026-09-01") from None


def _progress(done: int) -> None:
    sys.stderr.write(f"checked {done} events\n")


def _read_copy(path: Path) -> list[dict]:
    """The copy's lines; ValueError naming the line when one is not a line `audit export` wrote."""
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            item = json.loads(line)
            lines.append({"id": int(item["id"]), "hash": str(item["hash"])})
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: line {number} is not a line `cme-bot audit export` wrote") from exc
    return lines


def verify(args: argparse.Namespace) -> int:
    """Check the chain: 0 sound, 1 broken (the first break named), 2 bad configuration or copy."""
    started = staff.start("audit verify", args.user)
    if started is None:
        return 2
    core, _ = started
    try:
        copy = _read_copy(args.against) if args.against else None
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"cme-bot audit verify: {exc}. Give the file `cme-bot audit export --out` wrote.\n")
        return 2
    with unit_of_work(core.engine) as session:
        verdict = audit_chain.verify(session, audit_chain.events(session), progress=_progress)
        if verdict.broken is None and copy is not None:
            verdict.broken = audit_chain.against_copy(session, copy)
    core.engine.dispose()
    _say(verdict, as_json=args.json)
    return 0 if verdict.broken is None else 1


def _say(verdict: audit_chain.Verdict, *, as_json: bool) -> None:
    if as_json:
        out = verdict.as_dict()
        if verdict.broken is not None:
            out["broken"]["fault"] = verdict.broken.fault.value
        sys.stdout.write(json.dumps(out) + "\n")
        return
    legacy = f"; {verdict.legacy} older events from before the chain began are not covered" if verdict.legacy else ""
    if verdict.broken is None:
        print(f"audit chain sound: {verdict.checked} events checked, newest row {verdict.last_id}{legacy}")
    else:
        print(f"audit chain BROKEN at row {verdict.broken.row} ({verdict.broken.fault}): {verdict.broken.message}")
        print(f"{verdict.checked} events before it are sound{legacy}. Restore from backup and compare with the copy.")


def export(args: argparse.Namespace) -> int:
    """Write the links from --from to --to: 0 written, 2 bad input, 3 not an officer or manager."""
    if args.start and args.end and args.start > args.end:
        sys.stderr.write("cme-bot audit export: --from is after --to; give the earlier day first\n")
        return 2
    started = staff.start("audit export", args.user)
    if started is None:
        return 2
    core, identity = started
    now = utcnow()
    written = 0
    with unit_of_work(core.engine) as session:
        if staff.refused(session, core, identity, command="audit export", doing="export the audit chain", now=now):
            return 3
        try:
            with args.out.open("w", encoding="utf-8") as out:
                for row in audit_chain.events(session):
                    if _within(row, args, core.profile.tz):
                        out.write(json.dumps(audit_chain.exported(row)) + "\n")
                        written += 1
        except OSError as exc:
            sys.stderr.write(f"cme-bot audit export: can't write {args.out} ({exc.strerror}); choose another file\n")
            return 2
        detail = {"via": "cli", "rows": written, "from": _day(args.start), "to": _day(args.end)}
        record_audit(
            session, actor=identity.key, action="audit.exported", at=now, reason="off-site copy", detail=detail
        )
    core.engine.dispose()
    sys.stderr.write(f"wrote {written} events to {args.out}\n")
    return 0


def _within(row: AuditEvent, args: argparse.Namespace, tz) -> bool:
    day = row.at.astimezone(tz).date()
    return (args.start is None or day >= args.start) and (args.end is None or day <= args.end)


def _day(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
