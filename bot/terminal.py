"""The local chat channel: `cme-bot chat`. Same handlers as Slack and Teams, no credentials.

Works interactively and piped (one message per line). `--json` prints one JSON object per reply.
Officers using the terminal receive the alerts addressed to the terminal officers' channel. A form
in progress shows its waiting question at start; while the database can't be reached, questions and
contacts are still answered and the database is tried again with each line.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import logging
import sys
import textwrap
import threading
from collections.abc import Iterable
from typing import TextIO

from sqlalchemy.exc import DBAPIError

from bot import line_input
from bot.config import Settings
from bot.logs import configure_logging, request_scope
from bot.saved_files import save_attachment
from bot.wiring import build_core, prove_keys
from handlers.casework import outbox
from handlers.commands import build_router, shared_engine
from handlers.core import Core, TurnContext, role_of
from handlers.knowledge.ask import ask_replies
from handlers.knowledge.contacts import contacts_reply
from handlers.knowledge.profile import ProfileError
from handlers.messages import ActionId, Address, Channel, Identity, Inbound, Reply, ReplyKind, Role
from handlers.router import Router
from storage import crypto
from storage.db import unit_of_work
from storage.migrate import upgrade

log = logging.getLogger(__name__)
WIDTH = 88
EXIT_WORDS = ("exit", "quit", ":q")
MORE = "more"  # typed after a list with a "More" button: its next page
UNREADABLE = "\ufffd"  # what stdin's decoder puts where bytes were not text in its encoding
ASKING = (ReplyKind.QUESTION, ReplyKind.REVIEW, ReplyKind.FORM)
STILL_WORKS = (
    "Questions about CME still work (type your question, or /cme ask and your question), and /cme contacts "
    "shows who to call."
)
DOWN_AT_START = (
    "The case system (the database) can't be reached just now, so raising a concern (/cme report), a form "
    "in progress, /cme status and the officers' case commands are unavailable. "
    + STILL_WORKS
    + " I'll try the case system again with each message you send."
)
BACK = "The case system is back: reports, forms and case commands work again."
NOT_USED = "You have a form in progress, so I haven't taken what you just typed as an answer: type it again below."


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
    settings = Settings()
    configure_logging(settings, level="WARNING")  # the chat is on the same terminal: warnings and errors only
    _tolerant_streams()
    user = args.user or getpass.getuser()
    identity = Identity(Channel.TERMINAL, user, "local", display_name=args.name or user)
    overrides = {identity.key: Role(args.role)} if args.role else {}
    try:
        core = build_core(settings, role_overrides=overrides, migrate=False)  # migrated by Chat, when it answers
    except ProfileError as exc:
        print(f"cme-bot: {exc}", file=sys.stderr)
        return 2
    chat = Chat(core, build_router(core), identity, Address(Channel.TERMINAL, f"dm:{user}", user))
    out = _Printer(sys.stdout, as_json=args.json)
    interactive = sys.stdin.isatty() and not args.json
    if interactive:
        threading.Thread(target=chat.router.warm_up, name="warm-up", daemon=True).start()  # while they type
    out.show(chat.start(interactive))
    for line in _lines(sys.stdin, interactive):
        if line.strip().lower() in EXIT_WORDS:  # typed or piped: the README says `exit` leaves
            out.show(chat.leave())  # a form in progress: its answers are kept, for how long, how to carry on
            break
        with request_scope():  # each turn's log lines share one request id
            out.show(chat.say(line))
    return 0


def _tolerant_streams() -> None:
    # Bytes that aren't text in the terminal's encoding (a Latin-1 terminal, a binary pipe) become
    # U+FFFD instead of a UnicodeDecodeError; Chat.say then tells the person instead of using the line.
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


class Chat:
    """One person's terminal chat: the router while the case system answers; questions and contacts while not."""

    def __init__(self, core: Core, router: Router, identity: Identity, address: Address) -> None:
        self.core, self.router, self.identity, self.address = core, router, identity, address
        self.migrated = False
        self.down = False
        self.in_form = False  # the last turn asked a form's question: a line now is probably its answer
        self.more: str | None = None  # the last list's "More" (its command): typing `more` asks for it

    def start(self, interactive: bool) -> list[Reply]:
        """What to show first: help when typed; the question a form in progress waits for; waiting alerts."""
        if not self._reachable():
            return [Reply(DOWN_AT_START, kind=ReplyKind.ERROR, title="Case system unavailable")]
        replies = self._turn("/cme help") if interactive else self._waiting()
        return [*replies, *self._alerts()]

    def say(self, line: str) -> list[Reply]:
        """The replies to one line typed or piped in."""
        if UNREADABLE in line:
            return [self._unreadable(), *(self._waiting() if self.in_form and not self.down else [])]
        back: list[Reply] = []
        if self.down:
            if not self._reachable():
                return self._offline(line)
            back, waiting = [Reply(BACK)], self._waiting()
            typed_blind = not self.in_form and not line.lstrip().lower().startswith("/cme")
            if waiting and typed_blind:  # it came before they could see the question: not an answer to it
                self.in_form = True
                return [*back, Reply(NOT_USED), *waiting]
        return [*back, *self._turn(line), *self._alerts()]

    def leave(self) -> list[Reply]:
        """What leaving the chat says: with a form open, that its answers are kept, for how long, how to carry on."""
        if self.down or not self.in_form:
            return []
        with request_scope():
            return self._turn("exit")  # the form engine's own words for leaving a form, as in Slack and Teams

    def _turn(self, text: str) -> list[Reply]:
        if text.strip().lower() == MORE and self.more and not self.in_form:  # the terminal's "More" button
            text = self.more
        replies = self.router.handle(Inbound(self.identity, self.address, text=text))
        more = [b.value for r in replies for b in r.buttons if b.action_id is ActionId.CASES_MORE]
        self.more = more[-1] if more else None
        failed = any(r.kind is ReplyKind.ERROR for r in replies)
        if failed and not self._reachable():
            return [*replies, Reply(STILL_WORKS)]  # the router has said the case system can't be reached
        asks = any(r.kind in ASKING or r.question is not None for r in replies)
        if asks or not failed:  # an error that asks nothing (a locked database) leaves the form where it was
            self.in_form = asks
        return replies

    def _reachable(self) -> bool:
        """True when the database answers; the first time, it is also brought to the newest schema."""
        try:
            if not self.migrated:
                upgrade(self.core.engine)
                prove_keys(self.core.engine, crypto.current())  # a wrong key stops the chat before it writes
                self.migrated = True
            else:
                with self.core.engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
        except DBAPIError as exc:
            if not self.down:  # once per outage; the URL is left out (it may carry a password)
                log.warning("the database can't be reached (%s); trying again with each message", _cause(exc))
            self.down = True
            return False
        self.down = False
        return True

    def _waiting(self) -> list[Reply]:
        """The question the person's form in progress is waiting for (nothing when no form is open)."""
        try:
            with unit_of_work(self.core.engine) as session:
                role = role_of(self.identity, self.core.profile, self.core.role_overrides)
                turn = TurnContext(
                    self.core, Inbound(self.identity, self.address, text=""), session, self.core.clock(), role
                )
                replies = self.router.remind(turn, [])
        except DBAPIError:
            self.down = True
            return []
        self.in_form = bool(replies)
        return replies

    def _alerts(self) -> list[Reply]:
        if self.down:
            return []
        try:
            return _alerts(self.core, self.identity)
        except DBAPIError:  # left in the outbox: delivered with a later message
            self.down = True
            return []

    def _offline(self, line: str) -> list[Reply]:
        """Without the case system: questions answered and contacts shown from the profile; the rest waits."""
        text = " ".join(line.split())
        word, _, rest = text.partition(" ")
        command = ""
        if word.lower() == "/cme":
            command, _, rest = rest.partition(" ")
        elif word.lower() in self.router.commands:
            command = word
        now, profile = self.core.clock(), self.core.profile
        if command.lower() == "contacts":
            return [contacts_reply(profile, now)]
        asked = not command and (not self.in_form or text.endswith("?"))  # in a form, an answer unless it asks
        if command.lower() == "ask" or asked:
            return ask_replies(shared_engine(profile), rest if command else text, now=now)
        answer = self.in_form and not command
        later = (
            "Your form is kept where it was: send the same answer again in a minute."
            if answer
            else "Try again in a minute."
        )
        unavailable = f"The case system still can't be reached, so I couldn't do that. {later} {STILL_WORKS}"
        return [Reply(unavailable, kind=ReplyKind.ERROR)]

    def _unreadable(self) -> Reply:
        kept = " Your form is where it was." if self.in_form else ""
        return Reply(
            "Part of what you typed couldn't be read as text: a letter sent in another encoding (a terminal set "
            f"to Latin-1, say) or an accented letter only partly deleted. I haven't used that line.{kept} Please "
            "type it again; if this keeps happening, set your terminal to UTF-8.",
            kind=ReplyKind.ERROR,
        )


def _cause(exc: DBAPIError) -> str:
    return type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__


def _lines(stream: TextIO, interactive: bool) -> Iterable[str]:
    if interactive:
        line_input.enable()
        while True:
            try:
                yield input("\nyou> ")
            except EOFError:
                return
    for line in stream:
        yield line.rstrip("\r\n")  # a Windows pipe ends lines with CR LF: the CR is no part of the message


def _alerts(core: Core, identity: Identity) -> list[Reply]:
    """Messages waiting for this person, delivered once: their own (outcomes, reminders), and officer alerts."""
    return outbox.take_waiting(core, identity)


class _Printer:
    def __init__(self, stream: TextIO, *, as_json: bool) -> None:
        self.stream, self.as_json = stream, as_json

    def show(self, replies: list[Reply]) -> None:
        for reply in replies:
            saved = save_attachment(reply.attachment) if reply.attachment else None
            if self.as_json:
                shown = reply.to_dict() | ({"saved_to": str(saved)} if saved else {})
                self.stream.write(json.dumps(shown, ensure_ascii=False) + "\n")
            else:
                self.stream.write(render(reply) + (f"\n  File saved for you only: {saved}" if saved else "") + "\n")
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
