"""One ask through either door: the `/cme` chat command (the router, as a channel hands it a message) or the
`cme-bot` subcommand (its real entry point, in this process, on the same database through CME_DATABASE_URL).

A test parametrised over DOORS asks the same thing of each and checks the same answer: who is refused and
with which words, what is served, and the audit event recorded once (each door says which `via` it records).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from sqlmodel import Session, select

from bot.cli.main import main
from handlers.messages import Address, Channel, Identity, Inbound, Reply, ReplyKind
from storage.models import AuditEvent

DOORS = ("chat", "cli")
# Who asks, as the bundled profile sees them (roles by pattern: terminal:*:cme-officer, terminal:*:cme-manager).
OFFICER = Identity(Channel.TERMINAL, "cme-officer", "local")
MANAGER = Identity(Channel.TERMINAL, "cme-manager", "local")
REPORTER = Identity(Channel.TERMINAL, "alice", "local")
UNKNOWN = Identity(Channel.TERMINAL, "nobody-we-know", "local")  # not in the profile: a reporter, in chat too
OTHER_OFFICER = Identity(Channel.TERMINAL, "cme-officer", "elsewhere")  # an officer, not on what OFFICER restricts


@dataclass(frozen=True)
class Answer:
    """What the person got: `ok` (served), the words of a refusal or failure, the data served, the exit status."""

    ok: bool
    message: str
    data: Any
    status: int | None  # the CLI's exit status; None in chat (a chat has no exit status)
    replies: tuple[Reply, ...] = ()


@dataclass
class Door:
    """Ask through `name` ("chat" or "cli") as a person; both doors see the same database and the same clock."""

    name: str
    router: Any
    clock: Any
    capsys: pytest.CaptureFixture

    @property
    def via(self) -> str:
        """What the audit event records as the door."""
        return "cli" if self.name == "cli" else "terminal"

    def refused_status(self) -> int | None:
        """The exit status of a refusal: 3 at the CLI."""
        return 3 if self.name == "cli" else None

    def ask(self, who: Identity, chat: str, cli: list[str], *, data_of=None) -> Answer:
        """Send `chat` as `who`, or run `cme-bot CLI... --as who`; `data_of(replies)` picks chat's data."""
        if self.name == "chat":
            return self._chat(who, chat, data_of)
        return self._cli(who, cli)

    def _chat(self, who: Identity, text: str, data_of) -> Answer:
        address = Address(who.channel, f"dm:{who.user_id}", who.user_id)
        replies = tuple(self.router.handle(Inbound(who, address, text=text)))
        errors = [reply for reply in replies if reply.kind is ReplyKind.ERROR]
        if errors:
            return Answer(False, errors[0].text, None, None, replies)
        return Answer(True, "", data_of(list(replies)) if data_of else None, None, replies)

    def _cli(self, who: Identity, argv: list[str]) -> Answer:
        self.capsys.readouterr()
        with time_machine.travel(self.clock(), tick=False):
            status = main([*argv, "--as", who.key])
        out, err = self.capsys.readouterr()
        said = err.strip().splitlines()[-1] if err.strip() else ""
        message = said.split(": ", 1)[1] if said.startswith("cme-bot ") else said
        if status != 0:
            return Answer(False, message, None, status)
        return Answer(True, "", _json_or_text(out), status)


def _json_or_text(out: str) -> Any:
    try:
        return json.loads(out)
    except ValueError:
        return out


@pytest.fixture(params=DOORS)
def door(request, router, clock, capsys, db_url, monkeypatch) -> Door:
    """Each door in turn, the CLI reading the router's database (the bundled profile, the test's data keys)."""
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    return Door(request.param, router, clock, capsys)


@pytest.fixture
def both(router, clock, capsys, db_url, monkeypatch) -> tuple[Door, Door]:
    """The chat door and the CLI door side by side, to compare what each gives for the same ask."""
    monkeypatch.delenv("CME_PROFILE", raising=False)
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    return Door("chat", router, clock, capsys), Door("cli", router, clock, capsys)


def audit_events(engine, action: str) -> list[AuditEvent]:
    """The audit events of one action, oldest first."""
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.exec(query).all())
