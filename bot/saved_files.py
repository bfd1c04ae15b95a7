"""Every file the bot writes for a person (an export, a chart, an audit copy, a subject access pack, a file
saved by the terminal chat) goes through private_file: readable by its owner only (0600) whatever the umask,
by the same writer as the database and key files (storage/private_files.py), with messages a person can act on.

A file is created before the work that fills it, so a folder that does not exist or a file already there
is said plainly (CannotSave) before anything is exported or recorded, and a failed export leaves no file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from handlers.messages import Attachment
from storage.private_files import owner_only_file

FOLDER = "cme-files"  # under the current directory: where the person ran `cme-bot chat`


class CannotSave(Exception):
    """The file can't be written there; the message names the path and what to do instead."""


@contextlib.contextmanager
def private_file(path: Path, *, replace: bool = False) -> Iterator[BinaryIO]:
    """A new owner-only file at `path`, open for writing; removed again if the block fails (CannotSave: why not).

    Without `replace` a file already at `path` is never touched. With it, the old file is replaced only once
    the block has finished, by renaming the new one over it (so it is never half written).
    """
    target = Path(path)
    if target.is_dir():
        raise CannotSave(f"{target} is a folder: give a file name inside it")
    with contextlib.ExitStack() as stack:
        try:
            handle = stack.enter_context(owner_only_file(target, replace=replace))
        except FileExistsError:
            raise CannotSave(f"{target} already exists: choose another file name (nothing was written)") from None
        except FileNotFoundError:
            raise CannotSave(f"the folder {target.parent} does not exist: create it first, or choose another") from None
        except OSError as exc:  # permission denied, a read-only disk, a name too long
            raise CannotSave(f"can't write {target} ({exc.strerror}): choose another place") from None
        yield handle


def save_private(path: Path, content: bytes, *, replace: bool = False) -> Path:
    """Write `content` to `path` through private_file; returns the path."""
    with private_file(path, replace=replace) as handle:
        handle.write(content)
    return Path(path)


def save_attachment(attachment: Attachment, folder: Path | None = None) -> Path:
    """Write the file under `folder` (./cme-files by default) readable by its owner only; never overwrite one."""
    folder = folder or Path.cwd() / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = Path(attachment.filename).name or "cme-file"  # a bare name: nothing may climb out of the folder
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, 1000):
        path = folder / (name if number == 1 else f"{stem}-{number}{suffix}")
        try:
            return save_private(path, attachment.content)
        except CannotSave:
            if not path.exists():
                raise  # not because the name is taken: a full disk, no permission
    raise FileExistsError(f"{folder} already holds 999 copies of {name}: move some away")
