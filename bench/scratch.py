"""A throwaway database for one benchmark run: a temporary SQLite file or a new PostgreSQL database, migrated."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from storage import crypto
from storage.db import make_engine
from storage.migrate import upgrade

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_engine(backend: str, pg_url: str = PG_URL) -> Iterator[sa.Engine]:
    """A migrated database of its own on `backend` ("sqlite" or "postgres"), dropped when the block ends.

    Its data keys are throwaway ones (a fresh data key and index key) unless CME_DATA_KEYS names some.
    """
    if crypto.installed() is None:
        throwaway = f"{crypto.new_key_line('bench')},{crypto.new_key_line(crypto.INDEX_KEY_ID)}"
        crypto.install(crypto.from_environ(os.environ) or crypto.Keyring.parse(throwaway))
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            engine = make_engine(f"sqlite:///{directory}/bench.db")
            try:
                upgrade(engine)
                yield engine
            finally:
                engine.dispose()
        return
    admin = make_engine(pg_url)
    name = f"cme_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
