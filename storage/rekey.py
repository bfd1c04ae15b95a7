"""Re-encrypting stored child data with the newest data key, and making blind indexes for rows from before 0010.

`rotate` walks every encrypted column (any column of type EncryptedText, EncryptedJSON or EncryptedDate)
table by table in primary-key order, one transaction per batch. A value on an older key (or legacy plain
text) is decrypted and encrypted again with the newest key; a value already on the newest key is left
alone, so a run that was killed is finished by the next one and every value stays readable throughout
(the old keys are still listed). Each UPDATE names the value it read, so a row the bot changed meanwhile
(already on the newest key) is never overwritten. A child not yet `keyed` gets its blind indexes and
search keys. Nothing is printed here: progress goes to the caller's callback (cme-bot keys rotate).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import SQLModel

from storage import crypto
from storage.blind import blind_columns, blinded_child_keys
from storage.types import EncryptedDate, EncryptedJSON, EncryptedText

BATCH = 500
_ENCRYPTED = (EncryptedText, EncryptedJSON, EncryptedDate)
_BLIND = ("dob_bidx", "upn_bidx", "postcode_bidx")
_CHILD_PLAIN = ("forenames", "surname", "other_names", "dob", "upn", "address", "postcode", "parent_names")


@dataclasses.dataclass
class Progress:
    """How far a rotation has gone: per table, rows read and values re-encrypted; children indexed."""

    table: str = ""
    rows: int = 0
    changed: int = 0
    indexed: int = 0
    batches: int = 0


def encrypted_columns() -> dict[str, list[str]]:
    """{table: [its encrypted columns]} for every table with child data."""
    import storage.children  # noqa: F401  (registers the tables)
    import storage.merges  # noqa: F401
    import storage.notices  # noqa: F401
    import storage.reporter_links  # noqa: F401

    found: dict[str, list[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        names = [column.name for column in table.columns if isinstance(column.type, _ENCRYPTED)]
        if names:
            found[table.name] = names
    return found


def status(engine: Engine) -> dict[str, Counter]:
    """{table: Counter of key ids (None: plain text)} over every stored encrypted value."""
    out: dict[str, Counter] = {}
    with engine.connect() as connection:
        for name, columns in encrypted_columns().items():
            counts: Counter = Counter()
            for column in columns:
                head = sa.func.substr(sa.cast(sa.column(column), sa.Text), 1, 48)
                query = sa.select(head).select_from(sa.table(name)).where(sa.column(column).is_not(None))
                counts.update(crypto.key_id_of(value) for (value,) in connection.execute(query))
            out[name] = counts
    return out


def needs_indexing(engine: Engine) -> bool:
    """True when some child has no blind indexes yet (a database from before migration 0010)."""
    with engine.connect() as connection:
        query = sa.select(sa.column("id")).select_from(sa.table("child")).where(_unkeyed()).limit(1)
        return connection.execute(query).first() is not None


def rotate(engine: Engine, *, batch: int = BATCH, progress: Callable[[Progress], None] | None = None) -> Progress:
    """Bring every encrypted value to the newest key and index every child; returns the totals."""
    keyring = crypto.current()
    total = Progress(table="all")
    for name, columns in encrypted_columns().items():
        done = Progress(table=name)
        for rows in _batches(engine, name, columns, batch):
            with engine.begin() as connection:
                done.changed += sum(_reencrypt(connection, keyring, name, columns, row) for row in rows)
                if name == "child":
                    done.indexed += _index_children(connection, keyring, rows)
            done.rows += len(rows)
            done.batches += 1
            if progress is not None:
                progress(done)
        for field in ("rows", "changed", "indexed", "batches"):
            setattr(total, field, getattr(total, field) + getattr(done, field))
    return total


def _unkeyed():
    return sa.column("keyed", sa.Boolean) == sa.false()


def _batches(engine: Engine, name: str, columns: list[str], size: int) -> Iterator[list]:
    extra = [sa.column("keyed", sa.Boolean)] if name == "child" else []
    last = 0
    while True:
        query = (
            sa.select(sa.column("id"), *(sa.column(column) for column in columns), *extra)
            .select_from(sa.table(name))
            .where(sa.column("id") > last)
            .order_by(sa.column("id"))
            .limit(size)
        )
        with engine.connect() as connection:
            rows = list(connection.execute(query))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _reencrypt(connection, keyring: crypto.Keyring, name: str, columns: list[str], row) -> int:
    changed = 0
    for column in columns:
        raw = getattr(row, column)
        if raw is None:
            continue
        raw = raw if isinstance(raw, str) else _legacy_text(raw)
        if crypto.key_id_of(raw) == keyring.newest_id:
            continue
        fresh = keyring.encrypt(keyring.decrypt(raw))
        table = sa.table(name, sa.column("id"), sa.column(column))
        where = (table.c.id == row.id) & (sa.cast(table.c[column], sa.Text) == raw)
        changed += connection.execute(sa.update(table).where(where).values({column: fresh})).rowcount
    return changed


def _legacy_text(value) -> str:
    """A legacy value a driver handed back typed (a date; a parsed JSON column) as the text it stood for."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _index_children(connection, keyring: crypto.Keyring, rows: list) -> int:
    """Blind indexes and search keys for the children in `rows` not yet keyed."""
    child = sa.table("child", sa.column("id"), sa.column("keyed", sa.Boolean), *map(sa.column, _BLIND))
    keys = sa.table("child_key", sa.column("child_id"), sa.column("kind"), sa.column("key"))
    made = 0
    for row in rows:
        if row.keyed:
            continue
        plain = {name: _plain(keyring, getattr(row, name)) for name in _CHILD_PLAIN}
        plain["dob"] = dt.date.fromisoformat(plain["dob"][:10]) if plain["dob"] else None
        values = blind_columns(plain)
        claimed = connection.execute(sa.update(child).where(child.c.id == row.id, _unkeyed()).values(values))
        if claimed.rowcount != 1:  # the bot saved this child meanwhile: its own write made the keys
            continue
        connection.execute(sa.delete(keys).where(keys.c.child_id == row.id))
        wanted = [{"child_id": row.id, "kind": kind, "key": key} for kind, key in blinded_child_keys(plain)]
        if wanted:
            connection.execute(sa.insert(keys), wanted)
        made += 1
    return made


def _plain(keyring: crypto.Keyring, raw) -> str | None:
    if raw is None:
        return None
    return keyring.decrypt(raw if isinstance(raw, str) else _legacy_text(raw))
