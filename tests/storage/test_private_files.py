"""Owner-only files whatever the umask: the SQLite database with its WAL and shared memory, and the key files.

Finding 7 of issue 20: with the usual umask (022) the database file was 0644, readable by every account on
the machine. Each test sets a permissive umask (000, or 022 in a real `cme-bot` process) and reads the
modes back. PostgreSQL keeps no file of ours: its half of these checks is the key file, which is the same
on both backends.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.crypto import read_key_file, write_key_file
from storage.db import make_engine, sqlite_file
from storage.migrate import upgrade
from storage.private_files import create_owner_only

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """umask 000: a file made with the default mode would be readable and writable by everyone."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def test_a_new_sqlite_database_and_its_wal_are_owner_only(tmp_path, permissive_umask):
    database = tmp_path / "cme-bot.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    with engine.connect() as connection:  # kept open: SQLite removes the WAL when the last connection closes
        connection.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
        connection.commit()  # a write, so the WAL and shared-memory files are there
        files = [database, database.with_name("cme-bot.db-wal"), database.with_name("cme-bot.db-shm")]
        assert all(path.exists() for path in files)
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
    engine.dispose()


def test_a_database_made_readable_before_is_tightened_when_opened(tmp_path, permissive_umask, caplog):
    database = tmp_path / "old.db"
    with sqlite3.connect(database) as connection:  # as an earlier version, or another tool, left it
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
    assert mode(database) & 0o044  # readable by others
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT count(*) FROM t"))
    engine.dispose()
    assert mode(database) == 0o600
    assert "old.db" in caplog.text and "readable by their owner only" in caplog.text


def test_key_files_are_owner_only_even_under_a_umask_that_would_take_the_owner_s_write(tmp_path):
    before = os.umask(0o277)
    try:
        write_key_file(tmp_path / "cme.keys")
        create_owner_only(tmp_path / "cme.keys", (tmp_path / "cme.keys").read_bytes(), replace=True)
    finally:
        os.umask(before)
    assert mode(tmp_path / "cme.keys") == 0o600 and read_key_file(tmp_path / "cme.keys").key_ids
    assert [p.name for p in tmp_path.iterdir()] == ["cme.keys"]  # the replacement left no temporary file


def test_create_owner_only_never_overwrites_without_being_asked(tmp_path):
    create_owner_only(tmp_path / "a", b"first")
    with pytest.raises(FileExistsError):
        create_owner_only(tmp_path / "a", b"second")
    assert (tmp_path / "a").read_bytes() == b"first"


def test_sqlite_file_names_only_real_files():
    assert sqlite_file("sqlite:///cme-bot.db") == Path("cme-bot.db")
    assert sqlite_file("sqlite:////var/lib/cme/cme.db") == Path("/var/lib/cme/cme.db")
    assert sqlite_file("sqlite://") is None and sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql://u@h/db") is None


def test_cme_bot_in_a_real_process_with_umask_022_makes_owner_only_files(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in ("CME_DATA_KEYS", "CME_DATA_KEY_FILE")}
    environment["CME_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cme-bot.db'}"

    def cme_bot(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=lambda: os.umask(0o022),
        )

    assert cme_bot("keys", "status").returncode == 0  # development: makes the database and its key file
    assert cme_bot("keys", "new", "--file", str(tmp_path / "council.keys")).returncode == 0
    assert cme_bot("keys", "new", "--file", str(tmp_path / "council.keys"), "--id", "k2027").returncode == 0
    made = {p.name: mode(p) for p in tmp_path.iterdir()}
    assert made == {"cme-bot.db": 0o600, "cme-bot.db.keys": 0o600, "council.keys": 0o600}, made
