"""Key checks: each data key id (and the index key) proven against a value written with it, before anything is written.

A key listed under a real id but with the wrong bytes would otherwise encrypt new values only it opens,
and the right key, put back, could no longer read them. So beside the data, table data_key_check holds
per key id a known text encrypted with that key (for the index key: its HMAC of a known text). At start
(bot/wiring.py build_core, `cme-bot keys`) `ensure()` opens each configured key's check and refuses,
naming the key id, when one does not open; nothing has been written by then.

A configured key with no check yet (a database from before checks, or a key just added for rotation)
is proven on a value already stored with it when there is one (for the index key: a child's date of
birth against its blind index); then its check is written. A check whose key is no longer listed is
retired once no stored value uses that key (after `cme-bot keys rotate`); while values still use it,
start is refused naming it. Messages name key ids, never values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy import Engine, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field

from storage import crypto
from storage.crypto import INDEX_KEY_ID, DataKeyError, Keyring
from storage.models import SQLModel
from storage.types import UTCDateTime, utcnow

CHECK_TEXT = "cme-bot data key check"  # what each data key's check opens to
INDEX_KIND = "key-check"  # the index key's check: blind(INDEX_KIND, CHECK_TEXT)


class DataKeyCheck(SQLModel, table=True):
    """A known value written with one key id: a data key's sealed CHECK_TEXT, or the index key's HMAC of it."""

    __tablename__ = "data_key_check"

    key_id: str = Field(primary_key=True, max_length=32)
    value: str = Field(sa_type=Text)  # plain column: it holds no child data, and rotation must leave it alone
    written_at: dt.datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


@dataclasses.dataclass
class Assessment:
    """What the key checks found: ids whose key is wrong, ids the data needs that are not set, checks to write."""

    wrong: list[str] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)
    to_write: list[str] = dataclasses.field(default_factory=list)
    to_retire: list[str] = dataclasses.field(default_factory=list)
    proven: list[str] = dataclasses.field(default_factory=list)

    @property
    def sound(self) -> bool:
        """True when every key the data needs is set and every set key opens its check."""
        return not self.wrong and not self.missing

    def messages(self) -> list[str]:
        """One line per problem, naming the key id and the next step."""
        said = [
            f"data key '{kid}' is wrong: it does not open the key check written with that id; "
            "put the right key back under that id in CME_DATA_KEYS (or the key file)"
            for kid in self.wrong
        ]
        said += [
            f"data key '{kid}' is missing: stored values were written with it; add its 'ID:KEY' line back to "
            "CME_DATA_KEYS (or the key file)"
            for kid in self.missing
        ]
        return said


def check_value(keyring: Keyring, kid: str) -> str:
    """The known value for key id `kid` (the index key's HMAC, or CHECK_TEXT sealed with that data key)."""
    if kid == INDEX_KEY_ID:
        return keyring.blind(INDEX_KIND, CHECK_TEXT)
    return keyring.encrypt_with(kid, CHECK_TEXT)


def opens(keyring: Keyring, kid: str, value: str) -> bool:
    """True when the configured key `kid` agrees with the check `value` written with that id."""
    if kid == INDEX_KEY_ID:
        return value == keyring.blind(INDEX_KIND, CHECK_TEXT)
    try:
        return crypto.key_id_of(value) == kid and keyring.decrypt(value) == CHECK_TEXT
    except DataKeyError:
        return False


def assess(engine: Engine, keyring: Keyring | None) -> Assessment:
    """Read-only: each configured key against its check (or a stored value), and the ids the data needs."""
    found = Assessment()
    with engine.connect() as connection:
        checks = dict(connection.execute(sa.select(DataKeyCheck.key_id, DataKeyCheck.value)).all())
        configured = [*keyring.key_ids, INDEX_KEY_ID] if keyring is not None else []
        for kid in configured:
            if not _proven(connection, keyring, kid, checks.get(kid)):
                found.wrong.append(kid)
                continue
            found.proven.append(kid)
            if kid not in checks:
                found.to_write.append(kid)
        unlisted = [kid for kid in checks if kid not in configured]
        if not checks:  # no checks yet (an upgrade, a restored older backup): the stored values say which ids
            unlisted = sorted(_ids_in_use(connection) - set(configured))
        for kid in unlisted:
            if _sample(connection, kid) is not None:
                found.missing.append(kid)
            else:
                found.to_retire.append(kid)
    return found


def _proven(connection: sa.Connection, keyring: Keyring, kid: str, check: str | None) -> bool:
    """The key opens its check; with no check yet, a value already stored with it (none stored: proven)."""
    if check is not None:
        return opens(keyring, kid, check)
    return not _proof_fails(connection, keyring, kid)


def ensure(engine: Engine, keyring: Keyring) -> Assessment:
    """Refuse (DataKeyError naming the key ids) unless every key is proven; then write new checks, retire old."""
    found = assess(engine, keyring)
    if not found.sound:
        raise DataKeyError("; ".join(found.messages()))
    if found.to_write or found.to_retire:
        with engine.begin() as connection:
            table = DataKeyCheck.__table__
            if found.to_retire:
                connection.execute(sa.delete(table).where(table.c.key_id.in_(found.to_retire)))
            for kid in found.to_write:
                _insert_once(connection, kid, check_value(keyring, kid))
    return found


def _insert_once(connection: sa.Connection, kid: str, value: str) -> None:
    """Write a check unless another process starting at the same moment wrote it first (either opens the same)."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    row = {"key_id": kid, "value": value, "written_at": utcnow()}
    connection.execute(insert(DataKeyCheck.__table__).values(row).on_conflict_do_nothing())


def _proof_fails(connection: sa.Connection, keyring: Keyring, kid: str) -> bool:
    """True when a value already stored with `kid` does not open with the configured key (none stored: False)."""
    if kid == INDEX_KEY_ID:
        return _index_proof_fails(connection, keyring)
    value = _sample(connection, kid)
    if value is None:
        return False
    try:
        keyring.decrypt(value)
    except DataKeyError:
        return True
    return False


def _index_proof_fails(connection: sa.Connection, keyring: Keyring) -> bool:
    """True when a stored child's date of birth does not give its blind index with the configured index key."""
    child = sa.table("child", sa.column("dob", Text), sa.column("dob_bidx", Text))
    query = sa.select(child.c.dob, child.c.dob_bidx).where(child.c.dob_bidx.is_not(None), child.c.dob.is_not(None))
    for dob, dob_bidx in connection.execute(query.limit(20)):
        if crypto.key_id_of(dob) not in keyring.key_ids:
            continue  # on a key not set here (said as missing); another child proves the index key
        try:
            plain = keyring.decrypt(dob)[:10]
        except DataKeyError:
            continue  # that data key is wrong: said under its own id
        return keyring.blind("dob", plain) != dob_bidx
    return False


def _encrypted_columns() -> list[tuple[str, str]]:
    from storage.rekey import encrypted_columns  # rekey imports the tables; imported late to avoid a cycle

    return [(table, column) for table, columns in encrypted_columns().items() for column in columns]


def _sample(connection: sa.Connection, kid: str) -> str | None:
    """One stored value encrypted with key id `kid`, or None when no stored value uses it."""
    prefix = f"{crypto.PREFIX}{kid}:"
    for table, column in _encrypted_columns():
        text = sa.cast(sa.column(column), Text)
        query = sa.select(text).select_from(sa.table(table)).where(text.startswith(prefix, autoescape=True))
        value = connection.execute(query.limit(1)).scalar()
        if value is not None:
            return value
    return None


def _ids_in_use(connection: sa.Connection, *, only: set[tuple[str, str]] | None = None) -> set[str]:
    """Every key id some stored value names (a full read: only when there are no checks yet, or no key is set)."""
    used: set[str] = set()
    for table, column in _encrypted_columns():
        if only is not None and (table, column) not in only:
            continue  # a database from before that column: nothing stored in it
        head = sa.func.substr(sa.cast(sa.column(column), Text), 1, 48)
        query = sa.select(head).distinct().select_from(sa.table(table)).where(sa.column(column).is_not(None))
        used |= {kid for (value,) in connection.execute(query) if (kid := crypto.key_id_of(value)) is not None}
    return used


def ids_needed(engine: Engine) -> list[str]:
    """Every key id the database's checks and stored values name, sorted (tables not there yet are skipped)."""
    inspector = sa.inspect(engine)
    present = {(t, c["name"]) for t in inspector.get_table_names() for c in inspector.get_columns(t)}
    with engine.connect() as connection:
        needed = set()
        if (DataKeyCheck.__tablename__, "key_id") in present:
            needed |= set(connection.execute(sa.select(DataKeyCheck.key_id)).scalars())
        needed |= _ids_in_use(connection, only=present)
    return sorted(needed - {INDEX_KEY_ID})
