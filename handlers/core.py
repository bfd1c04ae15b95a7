"""What every handler needs: dependencies (Core), the turn (TurnContext), who is asking (roles, Caller, Refused).

A service (one per capability: listing cases, finding a child, an export...) takes a Caller: who asks,
in which role, through which door, and the transaction to work in. The chat command passes its turn's
transaction; the `cme-bot` subcommand passes none and the service opens (and commits) its own. Either
way the service checks the role, records the audit event, and returns plain data or raises Refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from handlers.knowledge.profile import Profile
from handlers.messages import Identity, Inbound, Role
from storage.db import unit_of_work
from storage.queries import record_audit
from storage.types import utcnow

STAFF_ONLY = "That command is for the CME officer and their manager only."


@dataclass(frozen=True)
class FormContext:
    """What validators and hooks may know: the time, the profile, who is answering."""

    now: dt.datetime
    profile: Profile
    identity: Identity | None = None

    @property
    def today(self) -> dt.date:
        """Today's date where the council is."""
        return self.now.astimezone(self.profile.tz).date()


@dataclass
class Core:
    """The bot's dependencies, built once by create_app (nothing is built at import time)."""

    engine: Engine
    profile: Profile
    clock: Callable[[], dt.datetime] = utcnow
    role_overrides: Mapping[str, Role] = field(default_factory=dict)


@dataclass
class TurnContext:
    """One message being handled: who, when, in which role, inside which transaction."""

    core: Core
    inbound: Inbound
    session: Session
    now: dt.datetime
    role: Role

    @property
    def profile(self) -> Profile:
        """The local authority profile."""
        return self.core.profile

    @property
    def user_key(self) -> str:
        """The sender's identity key."""
        return self.inbound.identity.key

    def form_context(self) -> FormContext:
        """What form validators and hooks may know."""
        return FormContext(now=self.now, profile=self.core.profile, identity=self.inbound.identity)


def role_of(identity: Identity, profile: Profile, overrides: Mapping[str, Role] | None = None) -> Role:
    """The person's role: an override first, then manager, then officer, else reporter."""
    if overrides and identity.key in overrides:
        return overrides[identity.key]
    if profile.matches_role(identity.key, "manager"):
        return Role.MANAGER
    if profile.matches_role(identity.key, "officer"):
        return Role.OFFICER
    return Role.REPORTER


def is_staff(role: Role) -> bool:
    """Officers and managers may see any case."""
    return role in (Role.OFFICER, Role.MANAGER)


class Refused(Exception):
    """The caller may not do what they asked; the message names no child and the attempt is already recorded."""


@dataclass(frozen=True)
class Caller:
    """Who asks a service for something, in which role, through which door (`via`), when, in which transaction."""

    core: Core
    identity: Identity
    role: Role
    now: dt.datetime
    via: str  # "cli", or the chat channel: "terminal", "slack", "teams" (kept in the audit detail)
    session: Session | None = None  # a chat turn's own transaction; None: the service opens and commits one

    @classmethod
    def at(cls, core: Core, identity: Identity, *, via: str) -> Caller:
        """A caller outside any turn (the `cme-bot` command): the role from the profile, the time now."""
        return cls(core, identity, role_of(identity, core.profile, core.role_overrides), core.clock(), via)

    @classmethod
    def of(cls, turn: TurnContext) -> Caller:
        """The sender of a chat turn, working in the turn's transaction."""
        identity = turn.inbound.identity
        return cls(turn.core, identity, turn.role, turn.now, identity.channel.value, turn.session)

    @property
    def key(self) -> str:
        """The caller's identity key (channel:tenant:user), as audit events record it."""
        return self.identity.key

    @property
    def profile(self) -> Profile:
        """The local authority profile."""
        return self.core.profile

    @property
    def today(self) -> dt.date:
        """Today where the council is."""
        return self.now.astimezone(self.core.profile.tz).date()


@contextmanager
def transaction(caller: Caller) -> Iterator[Session]:
    """The caller's turn's transaction, or a new one that commits at the end, a refusal's record included."""
    if caller.session is not None:
        yield caller.session  # the router commits the turn (its chat command turns Refused into a reply)
        return
    with unit_of_work(caller.core.engine) as session:
        try:
            yield session
        except Refused:
            session.commit()  # the refused attempt stays recorded; nothing else was written before it
            raise


def refuse_unless_staff(session: Session, caller: Caller, *, command: str) -> None:
    """Refused (the attempt recorded, without what was asked) unless the caller is an officer or a manager."""
    if is_staff(caller.role):
        return
    refuse(session, caller, command=command)


def refuse(session: Session, caller: Caller, *, command: str, message: str = STAFF_ONLY, **detail: object) -> None:
    """Record the refused attempt (never its arguments: they may name a child) and raise Refused(message)."""
    facts = {"command": command, "role": caller.role.value, "via": caller.via, **detail}
    record_audit(session, actor=caller.key, action="permission.refused", at=caller.now, detail=facts)
    raise Refused(message)
