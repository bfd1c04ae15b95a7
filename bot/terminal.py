"""The local chat channel: `cme-bot chat`. Same handlers as Slack and Teams, no credentials.

Works interactively and piped (one message per line). `--json` prints one JSON object per reply.
Officers using the terminal receive the alerts addressed to the terminal officers' channel.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
import textwrap
import threading
from collections.abc import Iterable
from typing import TextIO

from bot.config import Settings
from bot.wiring import build
from handlers.casework.digest import reply_of
from handlers.core import Core, is_staff, role_of
from handlers.knowledge.profile import ProfileError
from handlers.messages import Address, Channel, Identity, Inbound, Reply, ReplyKind, Role
from storage.db import unit_of_work
from storage.queries import take_outbox_for

WIDTH = 88


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `chat` subcommand."""
    parser = sub.add_parser("chat", help="talk to the bot in this terminal (no Slack or Teams needed)")
    parser.add_argument("--as", dest="user", default=None, help="who you are (default: your login name)")
    parser.add_argument("--name", default=None, help="your display name (default: from --as)")
    parser.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=None,
        help="act as a reporter, officer or manager (local testing)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per reply")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the chat loop on stdin/stdout."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    user = args.user or getpass.getuser()
    identity = Identity(Channel.TERMINAL, user, "local", display_name=args.name or user)
    overrides = {identity.key: Role(args.role)} if args.role else {}
    try:
        core, router = build(Settings(), role_overrides=overrides)
    except ProfileError as exc:
        print(f"cme-bot: {exc}", file=sys.stderr)
        return 2
    address = Address(Channel.TERMINAL, f"dm:{user}", user)
    out = _Printer(sys.stdout, as_json=args.json)
    interactive = sys.stdin.isatty() and not args.json
    if interactive:
        threading.Thread(target=router.warm_up, name="warm-up", daemon=True).start()  # while they type
        out.show(router.handle(Inbound(identity, address, text="/cme help")))
    out.show(_alerts(core, identity))
    for line in _lines(sys.stdin, interactive):
        if line.strip().lower() in ("exit", "quit", ":q"):  # typed or piped: the README says `exit` leaves
            break
        out.show(router.handle(Inbound(identity, address, text=line)))
        out.show(_alerts(core, identity))
    return 0


def _lines(stream: TextIO, interactive: bool) -> Iterable[str]:
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        while True:
            try:
                yield input("\nyou> ")
            except EOFError:
                return
    for line in stream:
        yield line.rstrip("\n")


def _alerts(core: Core, identity: Identity) -> list[Reply]:
    """Messages waiting for this person, delivered once: their own (outcomes, reminders), and officer alerts."""
    role = role_of(identity, core.profile, core.role_overrides)
    inboxes = [f"dm:{identity.user_id}"]
    if is_staff(role):
        inboxes.append("managers" if role is Role.MANAGER else "officers")
    with unit_of_work(core.engine) as session:
        rows = [
            row
            for inbox in inboxes
            for row in take_outbox_for(session, channel="terminal", conversation_id=inbox, now=core.clock())
        ]
        return [reply_of(r) for r in rows]


class _Printer:
    def __init__(self, stream: TextIO, *, as_json: bool) -> None:
        self.stream, self.as_json = stream, as_json

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            self.stream.write(
                (json.dumps(reply.to_dict(), ensure_ascii=False) if self.as_json else render(reply)) + "\n"
            )
        self.stream.flush()


def render(reply: Reply) -> str:
    """A reply as plain text for a terminal."""
    lines: list[str] = []
    if reply.kind in (ReplyKind.SIGNPOST, ReplyKind.ALERT):
        lines.append("!" * 12 + f" {reply.title or 'Important'} " + "!" * 12)
    elif reply.title:
        lines.append(f"── {reply.title} ──")
    for paragraph in reply.text.split("\n"):
        lines.append(textwrap.fill(paragraph, WIDTH, subsequent_indent="    " if paragraph.startswith("  ") else ""))
    for label, value in reply.facts:
        lines.append(f"  • {label}: {value}")
    if reply.buttons:
        lines.append("  " + "  ".join(f"[{b.label}]" for b in reply.buttons))
    if reply.kind is ReplyKind.ERROR:
        lines[0] = "⚠ " + lines[0]
    return "\n".join(lines)
