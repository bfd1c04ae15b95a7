"""One-off download links (Teams): the file waits behind a token whose hash alone is stored; served once.

A link works once, within its expiry: the row is claimed with one conditional UPDATE (used_at is null, not
expired), so two clicks at the same moment, even on two replicas, serve the file once. The bytes are
blanked when served and expired rows are deleted: an export doesn't linger in the database. A look that
takes nothing (HEAD: link previews, safe-link scanners) reads the row without claiming it, and a claim whose
answer could not be sent is given back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.notices import Download


def token_hash(token: str) -> str:
    """SHA-256 of the token, hex: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def offer_download(
    session: Session,
    *,
    owner: str,
    filename: str,
    content_type: str,
    content: bytes,
    now: dt.datetime,
    lifetime: dt.timedelta,
) -> str:
    """Store the file for `owner` until now + lifetime; the new token (shown once, never stored)."""
    purge_expired(session, now=now)
    token = secrets.token_urlsafe(32)
    session.add(
        Download(
            token_hash=token_hash(token),
            owner=owner,
            filename=filename,
            content_type=content_type,
            content=content,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def purge_expired(session: Session, *, now: dt.datetime) -> None:
    """Delete the links past their expiry, bytes and all: nothing is kept that can no longer be fetched."""
    session.execute(sa.delete(Download).where(col(Download.expires_at) <= now))


def _waiting(session: Session, token: str, now: dt.datetime) -> Download | None:
    row = session.exec(select(Download).where(Download.token_hash == token_hash(token))).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def peek_download(session: Session, *, token: str, now: dt.datetime) -> Download | None:
    """The link's row when it would still serve its file, without using it (None when unknown, used or expired)."""
    return _waiting(session, token, now)


def take_download(session: Session, *, token: str, now: dt.datetime) -> Download | None:
    """The file behind `token`, claimed for this request; None when unknown, used or expired."""
    purge_expired(session, now=now)
    key = token_hash(token)
    row = _waiting(session, token, now)
    if row is None:
        return None
    served = Download(
        id=row.id,
        token_hash=key,
        owner=row.owner,
        filename=row.filename,
        content_type=row.content_type,
        content=bytes(row.content),
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=now,
    )
    claimed = session.execute(
        sa.update(Download)
        .where(Download.id == row.id, col(Download.used_at).is_(None), Download.expires_at > now)
        .values(used_at=now, content=b"")
    )
    session.expire(row)
    return served if claimed.rowcount == 1 else None


def release_download(session: Session, *, served: Download) -> bool:
    """Give back a claim whose file never reached the client (it went away): the link works again until it expires.

    Only the claim made by that request is undone (same id, same used_at); True when it was.
    """
    released = session.execute(
        sa.update(Download)
        .where(Download.id == served.id, Download.used_at == served.used_at)
        .values(used_at=None, content=served.content)
    )
    return released.rowcount == 1
