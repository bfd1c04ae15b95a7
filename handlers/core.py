"""What every handler needs for one turn: dependencies (Core) and the turn itself (TurnContext)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from handlers.forms import FormContext
from handlers.knowledge.profile import Profile
from handlers.messages import Inbound, Role
from storage.types import utcnow


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
