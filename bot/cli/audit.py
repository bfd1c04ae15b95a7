"""`cme-bot audit verify [--json] [--against FILE]` and `cme-bot audit export --from D --to D --out FILE --as USER`.

The services are in handlers/records/audit.py. verify walks the hash chain and names the first broken link:
exit 0 sound, 1 broken, 2 bad input, 4 the database can't be reached. It shows ids, actions and hashes only,
never a reason or detail (they can name a child). export (officers and managers: exit 3 for anyone else)
writes the chain's links (JSON lines, no reasons or details, owner-only) for keeping off site; verify
--against that copy then catches rows deleted from the newest end, which the database alone cannot prove.
Events written before the chain began (hash NULL) are counted as legacy and are not covered.
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
from handlers.records.audit import Verdict, export_chain, verify_chain


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `audit` subcommand with `verify` and `export`."""
    parser = subparsers.add_parser("audit", help="check or copy the tamper-evident audit chain")
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = sub.add_parser("verify", help="walk the hash chain and name the first broken link")
    check.add_argument("--json", action="store_true", help="print the result as one JSON object")
    check.add_argument("--against", type=Path, help="an off-site copy from `cme-bot audit export` to compare")
    check.add_argument("--as", dest="user", default="operator", help="who is checking (anyone: nothing is shown)")
    check.set_defaults(func=verify)
    copy = sub.add_parser("export", help="write the chain's links (no reasons or details) for off-site keeping")
    copy.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
    copy.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")
    copy.add_argument("--out", type=Path, required=True, help="the file to write (JSON lines)")
    copy.add_argument("--as", dest="user", required=True, help=door.AS_HELP)
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
    try:
        copy = _read_copy(args.against) if args.against else None
    except (OSError, ValueError) as exc:
        door.say("audit verify", f"{exc}. Give the file `cme-bot audit export --out` wrote.")
        return door.BAD_INPUT

    def work(caller: Caller) -> int:
        verdict = verify_chain(caller, copy=copy, progress=_progress)
        _say(verdict, as_json=args.json)
        return door.DONE if verdict.broken is None else 1

    return door.serve("audit verify", args.user, work)


def _say(verdict: Verdict, *, as_json: bool) -> None:
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
    """Write the links from --from to --to (JSON lines, owner-only; an old copy is replaced once complete)."""
    if args.start and args.end and args.start > args.end:
        door.say("audit export", "--from is after --to; give the earlier day first")
        return door.BAD_INPUT

    def work(caller: Caller) -> None:
        try:
            with private_file(args.out, replace=True) as out:
                written = export_chain(caller, start=args.start, end=args.end, write=lambda link: _line(out, link))
        except CannotSave as exc:
            raise door.Stop(str(exc)) from None
        sys.stderr.write(f"wrote {written} events to {args.out}\n")

    return door.serve("audit export", args.user, work)


def _line(out, link: dict) -> None:
    out.write((json.dumps(link) + "\n").encode("utf-8"))
