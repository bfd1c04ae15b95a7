"""Files the bot hands to someone at the terminal (an export, a chart): saved where only they can read them."""

from __future__ import annotations

import os
from pathlib import Path

from handlers.messages import Attachment

FOLDER = "cme-files"  # under the current directory: where the person ran `cme-bot chat`


def save_attachment(attachment: Attachment, folder: Path | None = None) -> Path:
    """Write the file under `folder` (./cme-files by default) readable by its owner only; never overwrite one."""
    folder = folder or Path.cwd() / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = Path(attachment.filename).name or "cme-file"  # a bare name: nothing may climb out of the folder
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, 1000):
        path = folder / (name if number == 1 else f"{stem}-{number}{suffix}")
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as file:
            file.write(attachment.content)
        return path
    raise FileExistsError(f"{folder} already holds 999 copies of {name}: move some away")
