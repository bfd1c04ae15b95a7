"""A database left at an older migration, on either backend, for testing what a later migration does to its rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import PG_URL, _pg_admin_engine


@contextmanager
def database_at(revision: str, backend: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database migrated only to `revision` (a SQLite file, or a PostgreSQL database dropped after)."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(engine, revision)
        yield engine
        engine.dispose()
        return
    admin = _pg_admin_engine()
    name = f"cme_old_{uuid.uuid4().hex[:10]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine, revision)
        yield engine
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def seeding_with_todays_models(engine: sa.Engine) -> Iterator[None]:
    """While seeding an old database with today's models: the columns later migrations add, nullable, then gone.

    Today's models insert and select every column they have; an old schema lacks the later ones. They are added
    empty for the seeding and dropped after it, so the rows the migration under test meets are as the old bot left
    them (nothing in the added columns) and the migration adds the columns itself, as on a real upgrade.
    """
    from sqlmodel import SQLModel

    added: list[tuple[str, str]] = []
    with engine.begin() as conn:
        live = sa.inspect(conn)
        for table in SQLModel.metadata.sorted_tables:
            if not live.has_table(table.name):
                continue
            present = {column["name"] for column in live.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
                    added.append((table.name, column.name))
    try:
        yield
    finally:
        engine.dispose()  # SQLite alters a table only when no other connection holds it
        with engine.begin() as conn:
            for table_name, column_name in added:
                conn.exec_driver_sql(f'ALTER TABLE "{table_name}" DROP COLUMN "{column_name}"')
