"""One entry point: handle(inbound) -> replies. Commands, conversations in progress, and free text.

Each turn runs in ONE transaction (load the draft, step it, save state and records). If the
database fails mid-turn the person is told, and a form's answers are kept in memory so that a
retry succeeds once the database is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError

from handlers.core import Core, TurnContext, role_of
from handlers.forms import flows, whole_form
from handlers.messages import Command, CommandSpec, Inbound, Reply, ReplyKind
from storage.db import unit_of_work
from storage.queries import record_audit

log = logging.getLogger(__name__)
PREFIX = "/cme"


class Router:
    """Routes each Inbound to a command, the sender's form in progress, or the free-text handler."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.commands: dict[str, CommandSpec] = {}
        self.flows: dict[str, flows.Flow] = {}
        self.free_text: Command | None = None
        self._kept: dict[str, tuple[str, dict[str, Any]]] = {}  # drafts kept while the database is down
        self.warmers: list[Callable[[], object]] = []  # what warm_up builds ahead of the first turn needing it

    def command(self, spec: CommandSpec) -> None:
        """Add a command (later capabilities plug in here)."""
        self.commands[spec.name] = spec

    def flow(self, flow: flows.Flow) -> None:
        """Add a form the bot can run."""
        self.flows[flow.spec.id] = flow

    def warm_up(self) -> None:
        """Build what some turns need (the answer engine) now, so the first of them is not slow."""
        for warm in self.warmers:
            warm()

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one message and return what to say."""
        try:
            try:
                replies = self._turn(inbound)
            except IntegrityError:
                # Two deliveries of one submission raced (a retry, a double click): the second
                # attempt now finds the first one's case and answers with the same confirmation.
                replies = self._turn(inbound)
            self._kept.pop(inbound.identity.key, None)
            return replies
        except DBAPIError as exc:
            log.error("database unavailable during a turn (%s)", type(exc.orig).__name__ if exc.orig else "error")
            return [
                Reply(
                    "Sorry, the case system can't be reached just now. Nothing has been lost: your answers are "
                    "kept. Please try again in a minute (type 'submit' again if you were sending a form).",
                    kind=ReplyKind.ERROR,
                )
            ]

    def _turn(self, inbound: Inbound) -> list[Reply]:
        now = inbound.received_at or self.core.clock()
        with unit_of_work(self.core.engine) as session:
            role = role_of(inbound.identity, self.core.profile, self.core.role_overrides)
            return self._dispatch(TurnContext(self.core, inbound, session, now, role))

    def _dispatch(self, turn: TurnContext) -> list[Reply]:
        if turn.inbound.form_values is not None:
            flow = self.flows.get(turn.inbound.form_id or "")
            if flow is None:
                return [Reply("That form isn't one I know. Type /cme help.", kind=ReplyKind.ERROR)]
            return whole_form.submit_section(turn, flow, dict(turn.inbound.form_values))
        text = _text_of(turn.inbound)
        word, _, args = text.partition(" ")
        if word.lower() == PREFIX:
            name, _, args = args.strip().partition(" ")
            return self._command(turn, name.lower(), args.strip())
        draft = self._draft(turn)
        if isinstance(draft, Reply):
            return [draft]  # what they typed was meant for the old form: nothing more to do with it
        if draft is not None:
            flow, state = draft
            self._kept[turn.user_key] = (flow.spec.id, state)
            return flows.advance(turn, flow, state, text)
        return self._no_draft(turn, text)

    def _draft(self, turn: TurnContext):
        kept = self._kept.get(turn.user_key)
        if kept is not None and kept[0] in self.flows:
            return self.flows[kept[0]], kept[1]
        return flows.load_draft(turn, self.flows)

    def _no_draft(self, turn: TurnContext, text: str) -> list[Reply]:
        word, _, args = text.partition(" ")
        if word.lower() in self.commands:
            return self._command(turn, word.lower(), args.strip())
        if self.free_text is not None and text.strip():
            return self.free_text(turn, text)
        return self._command(turn, "help", "")

    def _command(self, turn: TurnContext, name: str, args: str) -> list[Reply]:
        spec = self.commands.get(name or "help")
        if spec is None:
            unknown = Reply(f"I don't know the command '{name[:30]}'.", kind=ReplyKind.ERROR)
            return [unknown, *self.commands["help"].run(turn, "")]
        if spec.staff_only and turn.role.value == "reporter":
            log.warning("refused staff command %s for a reporter", spec.name)
            # Recorded without the arguments: they may name a child or a case the reporter can't see.
            record_audit(
                turn.session,
                actor=turn.user_key,
                action="permission.refused",
                at=turn.now,
                detail={"command": spec.name, "role": turn.role.value},
            )
            return [Reply("That command is for the CME officer and their manager only.", kind=ReplyKind.ERROR)]
        if name == "cancel":
            self._kept.pop(turn.user_key, None)
        return spec.run(turn, args)


def _text_of(inbound: Inbound) -> str:
    if inbound.action is not None:
        return inbound.action.value.strip()
    return " ".join((inbound.text or "").split()) if "\n" not in (inbound.text or "") else (inbound.text or "").strip()
