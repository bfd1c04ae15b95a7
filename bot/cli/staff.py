"""What the officer-only subcommands (`cases`, `find`) share: who `--as` names, and the refusal of anyone else."""

from __future__ import annotations

import datetime as dt
import sys

from sqlmodel import Session

from bot.config import Settings
from bot.logs import configure_logging
from bot.wiring import build_core
from handlers.core import Core, is_staff, role_of
from handlers.knowledge.profile import ProfileError
from handlers.messages import Channel, Identity
from storage.queries import record_audit


def identity_of(user: str) -> Identity:
    """The identity `--as` names: a terminal user, or channel:tenant:user."""
    if user.count(":") == 2:
        channel, tenant, user_id = user.split(":")
        return Identity(Channel(channel), user_id, tenant)
    return Identity(Channel.TERMINAL, user, "local")


def start(command: str, user: str) -> tuple[Core, Identity] | None:
    """The core and the caller; None (after saying why on stderr) when the configuration or `--as` is bad."""
    try:
        settings = Settings()
        configure_logging(settings, level="WARNING")  # cleaned like serve's: warnings and errors only, on stderr
        return build_core(settings), identity_of(user)
    except (ProfileError, ValueError) as exc:
        sys.stderr.write(f"cme-bot {command}: {exc}\n")
        return None


def refused(session: Session, core: Core, identity: Identity, *, command: str, doing: str, now: dt.datetime) -> bool:
    """True (the attempt recorded and explained) when the caller is not an officer or manager."""
    if is_staff(role_of(identity, core.profile)):
        return False
    record_audit(session, actor=identity.key, action="permission.refused", at=now, detail={"command": f"cli {command}"})
    sys.stderr.write(f"cme-bot {command}: only the CME officer and their manager may {doing}\n")
    return True
