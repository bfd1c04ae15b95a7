"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when reachable), a clock, a core.

PostgreSQL: CME_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). Without a
server the PostgreSQL variants are skipped with the reason, unless CME_REQUIRE_POSTGRES=1 (CI),
which turns that into a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.profile import bundled_profile
from storage import crypto
from storage.crypto import INDEX_KEY_ID, new_key_line
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support import Clock

# Every test database is encrypted at rest (storage/crypto.py): one data key and the blind-index key, in the
# environment so child processes (cme-bot run by a test) read the same data.
os.environ.setdefault("CME_DATA_KEYS", f"{new_key_line('test1')},{new_key_line(INDEX_KEY_ID)}")
PG_URL = os.environ.get("CME_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("CME_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgres"]
pytest_plugins = ["tests.doors"]  # the `door` fixture: one ask through the chat command or the cme-bot subcommand


def _pg_admin_engine():
    engine = make_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL not reachable at {PG_URL} ({type(exc.orig).__name__})"
        if REQUIRE_PG:
            pytest.fail(message + "; CME_REQUIRE_POSTGRES=1 makes this a failure", pytrace=False)
        pytest.skip(message + "; PostgreSQL variants skipped")
    return engine


@pytest.fixture(autouse=True)
def _keyring_put_back():
    """A test that installs other data keys (or runs cme-bot, which installs its own) leaves the old ones."""
    before = crypto.installed()
    yield
    crypto.install(before)


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test process, migrated once, dropped at the end."""
    admin = _pg_admin_engine()
    name = f"cme_test_{uuid.uuid4().hex[:10]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file copied for each test (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """A database URL with the newest schema and no rows, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "cme.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    with request.getfixturevalue("pg_emptier").begin() as conn:
        conn.exec_driver_sql(EMPTY_EVERY_TABLE)
    return request.getfixturevalue("pg_database_url")


# TRUNCATE ... RESTART IDENTITY CASCADE of the tables a test wrote to (their heap has pages), and every id sequence
# restarted, in one round trip: what truncating them all leaves, without TRUNCATE's cost (new files for each table
# and index, ~1 s for all 22 on a busy machine) for the tables nothing wrote to, often all of them. Every table the
# migrations made counts (all but alembic_version), not the models imported so far: a list built from the models
# at import time missed the Teams address book and the delivery claims, and their rows leaked into the next test.
EMPTY_EVERY_TABLE = (
    "DO $$ DECLARE written text; s record; BEGIN"
    " SELECT string_agg(quote_ident(relname), ', ') INTO written FROM pg_class"
    " WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace AND pg_relation_size(oid) > 0"
    " AND relname <> 'alembic_version';"
    " IF written IS NOT NULL THEN EXECUTE 'TRUNCATE ' || written || ' RESTART IDENTITY CASCADE'; END IF;"
    " FOR s IN SELECT sequence_schema, sequence_name FROM information_schema.sequences"
    " LOOP EXECUTE 'ALTER SEQUENCE ' || quote_ident(s.sequence_schema) || '.' || quote_ident(s.sequence_name)"
    " || ' RESTART'; END LOOP; END $$"
)


@pytest.fixture(scope="session")
def pg_emptier(pg_database_url):
    """One engine for the whole run that empties this process's PostgreSQL database before each test."""
    engine = make_engine(pg_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_url):
    """An engine on a clean database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    """Thursday 26 November 2026, 10:00 in London: office hours, term time."""
    return Clock(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC))


@pytest.fixture
def profile():
    """The bundled Bury profile."""
    return bundled_profile()


@pytest.fixture
def core(engine, profile, clock) -> Core:
    """The bot's core on a clean database."""
    return Core(engine=engine, profile=profile, clock=clock)


@pytest.fixture
def router(core):
    """A router with every command and flow."""
    return build_router(core)


def pytest_terminal_summary(terminalreporter) -> None:
    """Say plainly, at the end, when the PostgreSQL variants did not run."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "PostgreSQL not reachable" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_sep(
            "=",
            f"{len(skipped)} PostgreSQL tests SKIPPED: no server at {PG_URL} (set CME_TEST_POSTGRES_URL)",
            yellow=True,
        )
