"""Files only their owner may read or write (mode 0600), whatever the umask: the SQLite database, its WAL, key files.

A program's umask decides the mode of the files it creates, and the usual 022 leaves them readable by every
account on the machine. Here a file is created with mode 0600 and then set to exactly 0600 (fchmod), so that
no umask widens it, nor narrows it to a file its owner can't write. SQLite gives a database's -wal, -shm and
-journal files the database file's own mode, so a database file made here keeps them owner-only too; a
database made before (0644) is tightened when the bot opens it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)
OWNER_ONLY = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@contextlib.contextmanager
def owner_only_file(path: Path, *, replace: bool = False) -> Iterator[BinaryIO]:
    """A new file at `path` that only its owner can read, open for writing; removed again if the block fails.

    FileExistsError when `path` exists, unless `replace`: then the new file takes the old one's place whole
    once the block has finished (written beside it and renamed, so a crash leaves the old one). Every file
    the bot writes for someone goes through here (the CLI's exports: bot/saved_files.py; keys; the database).
    """
    target = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new") if replace else path
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    try:
        os.fchmod(descriptor, OWNER_ONLY)
        handle = os.fdopen(descriptor, "wb")
    except BaseException:
        os.close(descriptor)
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(target, path)
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise


def create_owner_only(path: Path, content: bytes = b"", *, replace: bool = False) -> None:
    """Write `content` to a new file at `path` that only its owner can read (owner_only_file)."""
    with owner_only_file(path, replace=replace) as handle:
        handle.write(content)


def is_owner_only(path: Path) -> bool:
    """True when no account but the owner may read or write the file."""
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def tighten(path: Path) -> bool:
    """Make an existing file owner-only; True when it was readable or writable by others."""
    if is_owner_only(path):
        return False
    path.chmod(OWNER_ONLY)
    return True


def sqlite_paths(database: Path) -> list[Path]:
    """The database file and the companions SQLite keeps beside it (which may not exist)."""
    return [database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)]


def prepare_sqlite_file(database: Path) -> None:
    """Before SQLite opens it: create the database file owner-only when missing; tighten it and its companions.

    A folder that is missing or not writable is left for SQLite to report when it connects, as before.
    """
    with contextlib.suppress(OSError):
        create_owner_only(database)
    loosened = []
    for path in sqlite_paths(database):
        try:
            if path.exists() and tighten(path):
                loosened.append(path.name)
        except OSError as exc:  # another account's file: say so, SQLite decides whether it can be used
            log.warning("could not make %s owner-only (%s)", path.name, exc.strerror)
    if loosened:
        log.warning("made %s readable by their owner only (they were readable by other accounts)", ", ".join(loosened))
