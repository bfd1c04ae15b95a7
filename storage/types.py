"""Column types shared by the tables: UTC datetimes, and child data encrypted at rest (storage/crypto.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import DateTime, LargeBinary, Text
from sqlalchemy.types import TypeDecorator

from storage import crypto
from storage.db import unstorable


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with the newest data key (storage/crypto.py); plain text in Python.

    Legacy plain text (no "enc:v1:" prefix) reads as it is, so a database from before encryption works.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):  # noqa: D102
        if value is None:
            return None
        if unstorable(value):  # left plain so the engine's last guard refuses it by name (storage/db.py)
            return value
        return crypto.current().encrypt(value)

    def process_result_value(self, value: str | None, dialect):  # noqa: D102
        return None if value is None else crypto.current().decrypt(value)


class EncryptedJSON(TypeDecorator):
    """A JSON value (dict or list) encrypted at rest; legacy rows hold plain JSON text and read as they are."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect):  # noqa: D102
        if value is None:
            return None
        # ASCII escapes, as the plain JSON type wrote: a lone surrogate in a value is kept, not refused.
        return crypto.current().encrypt(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect):  # noqa: D102
        if value is None or not isinstance(value, str):
            return value  # a driver that already parsed legacy JSON
        return json.loads(crypto.current().decrypt(value))


class EncryptedDate(TypeDecorator):
    """A date encrypted at rest (a date of birth); found through its blind index, never compared in SQL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dt.date | None, dialect):  # noqa: D102
        return None if value is None else crypto.current().encrypt(value.isoformat())

    def process_result_value(self, value: Any, dialect):  # noqa: D102
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(crypto.current().decrypt(value)[:10])


class EncryptedBytes(TypeDecorator):
    """Bytes encrypted at rest (an exported file waiting for its download); older plain bytes read as they are.

    Not re-encrypted by `cme-bot keys rotate`: a download lives fifteen minutes, far less than a key.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect):  # noqa: D102
        return None if value is None else crypto.current().encrypt_bytes(bytes(value))

    def process_result_value(self, value: Any, dialect):  # noqa: D102
        return None if value is None else crypto.current().decrypt_bytes(bytes(value))
