"""What every handler needs for one turn: dependencies (Core), the turn (TurnContext), who is asking (roles)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from handlers.knowledge.profile import Profile
from handlers.messages import Identity, Inbound, Role
from storage.types import utcnow


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
