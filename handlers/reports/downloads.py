"""One-off download links: a file the bot hands a person (an export, a chart) waits behind a token, served once.

The Teams channel offers its files this way (it can't attach one in a personal chat): it asks here to keep
the file, to look at a link without using it (HEAD), to take the file (recorded in the audit trail as
served to its owner), and to give a claim back when the file never reached the client (recorded too).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from handlers.core import Core
from handlers.messages import Attachment
from storage.db import unit_of_work
from storage.downloads import offer_download, peek_download, release_download, take_download
from storage.notices import Download
from storage.queries import record_audit


@dataclasses.dataclass(frozen=True)
class Waiting:
    """A file behind a link: whose it is and what it is; `claim` identifies a take, to give it back."""

    owner: str
    filename: str
    content_type: str
    content: bytes
    claim: tuple[int, dt.datetime | None] = (0, None)  # the row id and when it was taken


def offer(core: Core, *, owner: str, file: Attachment, lifetime: dt.timedelta) -> str:
    """Keep `file` for `owner` for `lifetime`; the new token (shown once: only its hash is kept)."""
    with unit_of_work(core.engine) as session:
        return offer_download(
            session,
            owner=owner,
            filename=file.filename,
            content_type=file.content_type,
            content=file.content,
            now=core.clock(),
            lifetime=lifetime,
        )


def peek(core: Core, token: str) -> Waiting | None:
    """The file a link would serve, without using the link; None when unknown, used or expired."""
    with unit_of_work(core.engine) as session:
        row = peek_download(session, token=token, now=core.clock())
        return _waiting(row) if row is not None else None


def take(core: Core, token: str, *, via: str) -> Waiting | None:
    """The file behind `token`, once (recorded as served to its owner); None when unknown, used or expired."""
    now = core.clock()
    with unit_of_work(core.engine) as session:
        row = take_download(session, token=token, now=now)
        if row is None:
            return None
        detail = {"via": via, "filename": row.filename, "bytes": len(row.content)}
        record_audit(session, actor=row.owner, action="download.served", at=now, detail=detail)
        return _waiting(row)


def give_back(core: Core, served: Waiting, *, via: str) -> None:
    """The taken file never reached the client: the link works again until it expires (recorded)."""
    row_id, used_at = served.claim
    claimed = Download(id=row_id, used_at=used_at, content=served.content)  # what release_download matches on
    with unit_of_work(core.engine) as session:
        if release_download(session, served=claimed):
            detail = {"via": via, "filename": served.filename}
            record_audit(session, actor=served.owner, action="download.not_delivered", at=core.clock(), detail=detail)


def _waiting(row: Download) -> Waiting:
    return Waiting(row.owner, row.filename, row.content_type, bytes(row.content), (row.id, row.used_at))
