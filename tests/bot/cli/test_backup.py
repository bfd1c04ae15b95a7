"""`cme-bot backup` during writes and `cme-bot restore`: the restored database passes doctor and `audit verify`."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time

import pytest

from bot.cli.main import main
from bot.preflight import Status, check_database
from storage import crypto
from storage.db import make_engine, unit_of_work
from storage.queries import record_audit


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


def test_a_backup_during_writes_restores_to_what_doctor_and_audit_verify_accept(live, tmp_path, monkeypatch, capsys):
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_write_until, args=(stop, f"sqlite:///{live}", written))
    writer.start()
    try:
        while len(written) < 50:  # the writes are under way before the backup starts
            time.sleep(0.01)
        assert main(["backup", "--out", str(tmp_path / "cme.backup")]) == 0
        during = len(written)
        while len(written) < during + 50:  # and carry on after it
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
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


def test_postgresql_gets_the_pg_dump_and_pg_restore_commands(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CME_DATABASE_URL", "postgresql://cme:hunter2@db.internal/cme")
    assert main(["backup", "--out", str(tmp_path / "cme.dump")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump --format=custom" in err and "hunter2" not in err
    assert main(["restore", "--from", str(tmp_path / "cme.dump")]) == 2
    assert "pg_restore" in capsys.readouterr().err


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
