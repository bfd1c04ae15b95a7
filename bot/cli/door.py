"""What every `cme-bot` subcommand that calls a handlers/ service shares: who `--as` names, and the exit statuses.

The service decides who may do what and records it (handlers/core.py: Caller, Refused); a subcommand only
reads its options, renders the service's result and turns the outcome into an exit status, the same for
every subcommand: 0 done, 2 bad input or configuration, 3 refused (with the service's own message, as
chat says it), 4 the case system (the database) can't be reached (nothing was changed: run it again later).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.logs import configure_logging
from bot.wiring import build_core
from handlers.core import Caller, Core, Refused
from handlers.knowledge.profile import ProfileError
from handlers.messages import Channel, Identity
from handlers.router import UNREACHABLE

DONE, BAD_INPUT, REFUSED, UNREACHABLE_EXIT = 0, 2, 3, 4
AS_HELP = "who you are: a user, or channel:tenant:user (for example slack:T012AB:U04CD)"
CLI = "cli"  # the door, as audit events record it ("via")


class Stop(Exception):
    """The subcommand stops: the message (said on stderr after `cme-bot COMMAND:`) and the exit status."""

    def __init__(self, message: str, code: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def identity_of(user: str, *, option: str = "--as") -> Identity:
    """The identity a user option names: a terminal user, or channel:tenant:user; Stop when it is neither."""
    parts = user.strip().split(":")
    channels = ", ".join(channel.value for channel in Channel)
    if len(parts) == 1 and parts[0]:
        return Identity(Channel.TERMINAL, parts[0], "local")
    if len(parts) != 3 or not all(parts):
        raise Stop(f"{option} {user[:60]!r} is neither a user name nor channel:tenant:user (channels: {channels})")
    if parts[0].lower() not in {channel.value for channel in Channel}:
        raise Stop(f"{option} {user[:60]!r}: {parts[0][:20]!r} is not a channel; use one of {channels}")
    return Identity(Channel(parts[0].lower()), parts[2], parts[1])


def say(command: str, text: str) -> None:
    """A message on stderr, named by the subcommand (stdout carries only the result)."""
    sys.stderr.write(f"cme-bot {command}: {text}\n")


def serve(
    command: str,
    user: str,
    work: Callable[[Caller], int | None],
    *,
    bad_input: tuple[type[Exception], ...] = (),
) -> int:
    """Build the caller `--as` names, run `work` (which calls one service and prints), and map how it ended."""
    try:
        identity = identity_of(user)
    except Stop as stop:
        say(command, str(stop))
        return stop.code
    return serve_core(command, lambda core: work(Caller.at(core, identity, via=CLI)), bad_input=bad_input)


def serve_core(command: str, work: Callable[[Core], int | None], *, bad_input: tuple[type[Exception], ...] = ()) -> int:
    """Build the core from the settings, run `work`, map how it ended to an exit status, close the database."""
    core = None
    try:
        settings = Settings()
        configure_logging(settings, level="WARNING")  # cleaned like serve's: warnings and errors only, on stderr
        core = build_core(settings)
        return int(work(core) or DONE)
    except Stop as stop:
        say(command, str(stop))
        return stop.code
    except Refused as refused:
        say(command, str(refused))
        return REFUSED
    except DBAPIError as exc:  # by its type only: the URL may carry a password, the statement a child's details
        say(command, f"{UNREACHABLE}. Run the same command again in a minute ({type(exc.orig or exc).__name__}).")
        return UNREACHABLE_EXIT
    except bad_input as exc:  # what the service could not read in what was asked: its message says what to type
        say(command, str(exc))
        return BAD_INPUT
    except (ProfileError, ValueError, OSError) as exc:  # a setting or file that doesn't do, before anything ran
        if core is not None:
            raise
        say(command, f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.filename else str(exc))
        return BAD_INPUT
    finally:
        if core is not None:
            core.engine.dispose()
