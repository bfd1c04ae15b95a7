"""`cme-bot backup` during writes and `cme-bot restore`: the restored database passes doctor and `audit verify`."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from bot.cli import pg_backup
from bot.cli.main import main
from bot.config import Settings
from bot.preflight import Status, check_database
from bot.wiring import build_core
from storage import crypto
from storage.db import make_engine, unit_of_work
from storage.migrate import upgrade
from storage.queries import record_audit
from tests.conftest import PG_URL, REQUIRE_PG, _pg_admin_engine


@pytest.fixture
def live(sqlite_template, tmp_path, monkeypatch):
    """A migrated SQLite database the CLI opens through CME_DATABASE_URL."""
    path = tmp_path / "live.db"
    shutil.copy(sqlite_template, path)
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("CME_PROFILE", raising=False)
    return path


def _write_until(stop: threading.Event, url: str, written: list[int]) -> None:
    """An officer at work: one audited change after another, each its own transaction."""
    engine = make_engine(url)
    while not stop.is_set():
        with unit_of_work(engine) as session:
            record_audit(session, actor="terminal:local:cme-officer", action="case.note", reason="called the school")
        written.append(1)
    engine.dispose()


def _events(path) -> int:
    with sqlite3.connect(path) as connection:
        count = connection.execute("SELECT count(*) FROM auditevent").fetchone()[0]
    connection.close()
    return count


def _backup_during_writes(url: str, out, count=None) -> int | None:
    """`cme-bot backup --out` while a thread writes audit rows: 50 before it starts, 50 more after it ends.

    Returns `count()` read just before the backup began (when given): every row it must hold.
    """
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_write_until, args=(stop, url, written))
    writer.start()
    try:
        while len(written) < 50:  # the writes are under way before the backup starts
            time.sleep(0.01)
        before = count() if count is not None else None
        assert main(["backup", "--out", str(out)]) == 0
        during = len(written)
        while len(written) < during + 50:  # and carry on after it
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    return before


def test_a_backup_during_writes_restores_to_what_doctor_and_audit_verify_accept(live, tmp_path, monkeypatch, capsys):
    _backup_during_writes(f"sqlite:///{live}", tmp_path / "cme.backup")
    captured = capsys.readouterr()
    assert "schema" in captured.out and "copied" in captured.err  # progress on stderr
    backed_up = _events(tmp_path / "cme.backup")
    assert 50 <= backed_up < _events(live)
    restored = tmp_path / "restored.db"
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{restored}")
    assert main(["restore", "--from", str(tmp_path / "cme.backup")]) == 0
    assert _events(restored) == backed_up
    engine = make_engine(f"sqlite:///{restored}")
    assert [f.status for f in check_database(engine)] == [Status.OK] * 3
    engine.dispose()
    capsys.readouterr()
    assert main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["checked"] >= backed_up


def test_restore_refuses_a_database_with_data_unless_forced(live, tmp_path, capsys):
    assert main(["backup", "--out", str(tmp_path / "b1")]) == 0
    engine = make_engine(f"sqlite:///{live}")
    with unit_of_work(engine) as session:
        record_audit(session, actor="terminal:local:cme-officer", action="case.note")
    engine.dispose()
    capsys.readouterr()
    assert main(["restore", "--from", str(tmp_path / "b1")]) == 3
    assert "already has data" in capsys.readouterr().err and _events(live) == 1
    assert main(["restore", "--from", str(tmp_path / "b1"), "--force"]) == 0
    assert _events(live) == 0


def test_restore_refuses_what_is_not_a_backup(live, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("no idea")
    assert main(["restore", "--from", str(tmp_path / "notes.txt")]) == 2
    assert "not an SQLite database" in capsys.readouterr().err
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE pets (name TEXT)")
    connection.close()
    assert main(["restore", "--from", str(other)]) == 2
    assert "no cme-bot schema" in capsys.readouterr().err
    assert main(["restore", "--from", str(tmp_path / "missing.db")]) == 2


def test_backup_will_not_replace_a_file_without_force(live, tmp_path, capsys):
    (tmp_path / "taken").write_text("keep me")
    assert main(["backup", "--out", str(tmp_path / "taken")]) == 2
    assert "--force" in capsys.readouterr().err and (tmp_path / "taken").read_text() == "keep me"
    assert main(["backup", "--out", str(tmp_path / "taken"), "--force"]) == 0


def test_postgresql_without_pg_dump_is_refused_naming_the_package(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CME_DATABASE_URL", "postgresql://cme:hunter2@db.internal/cme")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    assert main(["backup", "--out", str(tmp_path / "cme.dump")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump is not installed" in err and "apt install postgresql-client" in err and "hunter2" not in err
    assert not (tmp_path / "cme.dump").exists()


def test_restore_says_when_the_copy_needs_a_key_that_is_not_set(live, tmp_path, monkeypatch, capsys):
    engine = make_engine(f"sqlite:///{live}")
    with unit_of_work(engine) as session:  # written with the tests' key, test1
        record_audit(session, actor="terminal:local:cme-officer", action="case.note", reason="called the school")
    engine.dispose()
    assert main(["backup", "--out", str(tmp_path / "b")]) == 0
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    monkeypatch.setenv("CME_DATA_KEYS", f"{crypto.new_key_line('new')},{crypto.new_key_line(crypto.INDEX_KEY_ID)}")
    capsys.readouterr()
    assert main(["restore", "--from", str(tmp_path / "b")]) == 1
    assert "test1" in capsys.readouterr().err


# PostgreSQL: cme-bot runs pg_dump and pg_restore (bot/cli/pg_backup.py) on scratch databases.


@pytest.fixture
def pg_pair(monkeypatch):
    """Two scratch PostgreSQL databases, migrated: the live one (CME_DATABASE_URL) and one to restore into."""
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        message = f"{' and '.join(missing)} not installed (apt install postgresql-client)"
        if REQUIRE_PG:
            pytest.fail(message + "; CME_REQUIRE_POSTGRES=1 makes this a failure", pytrace=False)
        pytest.skip(message + "; the PostgreSQL backup tests skipped")
    admin = _pg_admin_engine()
    names = [f"cme_backup_src_{os.getpid()}", f"cme_backup_dst_{os.getpid()}"]
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    urls = [make_url(PG_URL).set(database=name).render_as_string(hide_password=False) for name in names]
    for url in urls:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    monkeypatch.setenv("CME_DATABASE_URL", urls[0])
    monkeypatch.delenv("CME_PROFILE", raising=False)
    yield urls
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _pg_events(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM auditevent").scalar_one()
    engine.dispose()
    return count


def _note(url: str) -> None:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        record_audit(session, actor="terminal:local:cme-officer", action="case.note", reason="called the school")
    engine.dispose()


def test_postgresql_backup_during_writes_restores_to_what_doctor_and_audit_verify_accept(
    pg_pair, tmp_path, monkeypatch, capsys
):
    source, target = pg_pair
    before = _backup_during_writes(source, tmp_path / "cme.dump", count=lambda: _pg_events(source))
    captured = capsys.readouterr()
    assert "schema" in captured.out and "bytes" in captured.out and "pg_dump" in captured.err
    monkeypatch.setenv("CME_DATABASE_URL", target)
    assert main(["restore", "--from", str(tmp_path / "cme.dump")]) == 0
    restored = _pg_events(target)
    assert before <= restored < _pg_events(source)  # everything written before it started, and no later row
    capsys.readouterr()
    main(["doctor", "--json"])  # its channel and term-date checks are not this test's business
    checks = {c["check"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    database = {name: status for name, status in checks.items() if name.startswith("database")}
    assert database == dict.fromkeys(["database reachable", "database migrated", "database writable"], "ok")
    assert checks["data keys in use"] == "ok"
    assert main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["checked"] >= restored


def test_postgresql_restore_refuses_a_database_with_data_unless_forced(pg_pair, tmp_path, monkeypatch, capsys):
    source, target = pg_pair
    assert main(["backup", "--out", str(tmp_path / "b1")]) == 0
    assert main(["backup", "--out", str(tmp_path / "b1")]) == 2  # an existing file is kept without --force
    monkeypatch.setenv("CME_DATABASE_URL", target)
    _note(target)
    capsys.readouterr()
    assert main(["restore", "--from", str(tmp_path / "b1")]) == 3
    assert "already has data" in capsys.readouterr().err and _pg_events(target) == 1
    assert main(["restore", "--from", str(tmp_path / "b1"), "--force"]) == 0
    assert _pg_events(target) == 0


def test_postgresql_restore_refuses_what_is_not_a_dump(pg_pair, sqlite_template, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("no idea")
    assert main(["restore", "--from", str(tmp_path / "notes.txt")]) == 2
    assert "not a pg_dump custom-format file" in capsys.readouterr().err
    assert main(["restore", "--from", str(sqlite_template)]) == 2  # an SQLite backup is not for PostgreSQL
    assert main(["restore", "--from", str(tmp_path / "missing.dump")]) == 2


def test_a_password_in_the_url_is_never_on_a_command_line_or_in_a_message(pg_pair, tmp_path, monkeypatch, capsys):
    source, target = pg_pair
    secret = "s3cret-never-shown"  # the test server trusts 127.0.0.1, so any password connects
    with_password = [make_url(url).set(password=secret).render_as_string(hide_password=False) for url in pg_pair]
    calls, real_run = [], subprocess.run

    def spy(args, **kw):  # what `ps` would show, and the environment each tool got
        calls.append((args, kw))
        return real_run(args, **kw)

    monkeypatch.setattr(pg_backup.subprocess, "run", spy)
    monkeypatch.setenv("PGPASSWORD", secret)  # an inherited one must not reach the tools either
    monkeypatch.setenv("CME_DATABASE_URL", with_password[0])
    assert main(["backup", "--out", str(tmp_path / "b")]) == 0
    monkeypatch.setenv("CME_DATABASE_URL", with_password[1])
    assert main(["restore", "--from", str(tmp_path / "b")]) == 0
    monkeypatch.setenv("CME_DATABASE_URL", with_password[1].replace("cme_backup_dst", "cme_backup_none"))
    assert main(["backup", "--out", str(tmp_path / "c")]) == 2  # a failure names the database, not the password
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err and "***" in captured.err
    connected = [kw["env"] for _args, kw in calls if "env" in kw]
    assert len(connected) == 2 and all("PGPASSWORD" not in env and "PGPASSFILE" in env for env in connected)
    assert not any(secret in " ".join(args) for args, _kw in calls)


def test_a_pg_dump_older_than_the_server_is_refused_naming_the_version_needed(pg_pair, tmp_path, monkeypatch, capsys):
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    (tools / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    engine = make_engine(pg_pair[0])
    with engine.connect() as connection:
        server = connection.dialect.server_version_info[0]
    engine.dispose()
    assert main(["backup", "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert f"pg_dump is version 9 and the server {server}" in err and f"postgresql-client-{server}" in err
    assert not (tmp_path / "b").exists()


# Restore where no key, or the wrong key, is set (issue 20, finding 6): named, non-zero, and no new key file.

WRONG_TEST1 = f"{crypto.new_key_line('test1')},{crypto.new_key_line(crypto.INDEX_KEY_ID)}"  # the id, not the key


def _started_with_a_note(url: str) -> None:
    """A database as the bot leaves it: its key checks written at start, and one audited note."""
    build_core(Settings(database_url=url)).engine.dispose()
    _note(url)


def test_restore_with_no_key_set_names_the_key_and_the_next_command_refuses_without_a_new_key(
    live, tmp_path, monkeypatch, capsys
):
    _started_with_a_note(f"sqlite:///{live}")
    assert main(["backup", "--out", str(tmp_path / "b")]) == 0
    elsewhere = tmp_path / "elsewhere.db"
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{elsewhere}")
    monkeypatch.delenv("CME_DATA_KEYS")
    capsys.readouterr()
    assert main(["restore", "--from", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "test1" in err and "no data key is set" in err
    assert main(["audit", "verify"]) == 3  # refused plainly: no key file is made that would open nothing
    assert "written with data key(s) test1" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere.db.keys").exists()
    monkeypatch.setenv("CME_DATA_KEYS", WRONG_TEST1)
    assert main(["audit", "verify"]) == 3
    assert "data key 'test1' is wrong" in capsys.readouterr().err


def test_postgresql_restore_with_no_key_or_a_wrong_key_names_it(pg_pair, tmp_path, monkeypatch, capsys):
    source, target = pg_pair
    _started_with_a_note(source)
    assert main(["backup", "--out", str(tmp_path / "b")]) == 0
    monkeypatch.setenv("CME_DATABASE_URL", target)
    monkeypatch.delenv("CME_DATA_KEYS")
    capsys.readouterr()
    assert main(["restore", "--from", str(tmp_path / "b")]) == 1
    assert "key(s) test1, and no data key is set" in capsys.readouterr().err
    monkeypatch.setenv("CME_DATA_KEYS", WRONG_TEST1)
    assert main(["restore", "--from", str(tmp_path / "b"), "--force"]) == 1
    assert "key(s) test1, index do not open" in capsys.readouterr().err  # the index key is new too
    assert main(["find", "--as", "cme-officer", "--name", "Quackenbush"]) == 3
