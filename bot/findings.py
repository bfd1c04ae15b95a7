"""What `cme-bot doctor`'s checks find: a Finding per line of its table (ok / warning / error, with the fix)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Status(StrEnum):
    """How a check came out."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's table: what was checked, how it came out, what it found and how to fix it."""

    check: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        """For --json."""
        return {**asdict(self), "status": self.status.value}


def ok(check: str, detail: str) -> Finding:
    """A check that passed."""
    return Finding(check, Status.OK, detail)


def warning(check: str, detail: str, fix: str) -> Finding:
    """Something to look at before go-live that does not stop the bot."""
    return Finding(check, Status.WARNING, detail, fix)


def error(check: str, detail: str, fix: str) -> Finding:
    """Something that stops the bot (or part of it) from working."""
    return Finding(check, Status.ERROR, detail, fix)
