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
