"""Engines and the unit of work: SQLite (WAL) by default, PostgreSQL via CME_DATABASE_URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from storage.private_files import prepare_sqlite_file

SQLITE_BUSY_TIMEOUT_MS = 15_000
# PostgreSQL refuses NUL in text, and a lone surrogate can't be encoded as UTF-8 by either driver.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(ValueError):
    """Text with a character the database can't keep; never sent. The message never quotes the text."""


def unstorable(text: str) -> bool:
    """True when `text` has a character no backend here can store: NUL, or half of a surrogate pair."""
    return _UNSTORABLE.search(text) is not None


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


PG_CONNECT_TIMEOUT_SECONDS = 10


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, prepare_file: bool = True) -> Engine:
    """An engine for `url`, with SQLite set up for concurrent writers (WAL, BEGIN IMMEDIATE).

    A SQLite database file is made owner-only first (created so when missing), and with it its WAL;
    `prepare_file=False` leaves the file as it is (doctor, which changes nothing).
    """
    url = normalise_url(url)
    if url.startswith("sqlite") and prepare_file and (path := sqlite_file(url)) is not None:
        prepare_sqlite_file(path)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
        )
        _configure_sqlite(engine, busy_timeout_ms)
    else:
        # A server that accepts the connection and never answers would otherwise hold a thread for minutes.
        connect_args = {} if "connect_timeout=" in url else {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
        engine = create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True, connect_args=connect_args
        )
    event.listen(engine, "before_cursor_execute", _refuse_unstorable)
    return engine


def _refuse_unstorable(_conn, _cursor, _statement, parameters: Any, _context, _executemany: bool) -> None:
    # The last guard: handlers check what people type first and say what to change. Without it a NUL
    # reaches PostgreSQL as a DataError, which reads as "the case system can't be reached".
    if any(unstorable(value) for value in _strings(parameters)):
        raise UnstorableText("a text value has a character the database can't store (NUL or a lone surrogate)")


def _strings(parameters: Any) -> Iterator[str]:
    # One row (a tuple or a dict), many rows (executemany), or a batched insert's flat list.
    if isinstance(parameters, str):
        yield parameters
    elif isinstance(parameters, dict):
        for value in parameters.values():
            yield from _strings(value)
    elif isinstance(parameters, list | tuple):
        for value in parameters:
            yield from _strings(value)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from pysqlite so writers queue on BEGIN IMMEDIATE
        # instead of failing with "database is locked" when a read upgrades to a write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL, an in-memory database or a file: URI)."""
    parsed = make_url(normalise_url(url))
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or not database or database == ":memory:":
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(database)


def is_postgres(engine: Engine) -> bool:
    """True for a PostgreSQL engine."""
    return engine.dialect.name == "postgresql"
