"""`cme-bot keys` and where the bot's data keys come from: a new key, a key file, development's own key file,
production refusing to start without one, rotation with progress, and a missing key named by its id."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from cryptography.fernet import Fernet

from bot.cli.main import main
from bot.config import Settings
from bot.wiring import build_core
from storage import crypto
from storage.children import Child
from storage.crypto import DataKeyError, Keyring
from storage.db import unit_of_work

A, B, INDEX = (Fernet.generate_key().decode() for _ in range(3))


def test_keys_new_prints_lines_the_keyring_accepts(capsys):
    assert main(["keys", "new", "--id", "k2027"]) == 0
    data = capsys.readouterr().out.strip()
    assert main(["keys", "new", "--index"]) == 0
    index = capsys.readouterr().out.strip()
    assert data.startswith("k2027:") and index.startswith("index:")
    assert Keyring.parse(f"{data},{index}").newest_id == "k2027"
    assert main(["keys", "new", "--id", "no idea"]) == 3  # a key problem: refused, named
    assert "a key id is" in capsys.readouterr().err


def test_a_key_file_is_made_private_and_a_new_key_goes_first(tmp_path, capsys):
    path = tmp_path / "cme.keys"
    assert main(["keys", "new", "--file", str(path)]) == 0
    assert path.stat().st_mode & 0o777 == 0o600 and "back it up" in capsys.readouterr().err
    first = crypto.read_key_file(path)
    assert main(["keys", "new", "--file", str(path), "--id", "newer"]) == 0
    assert "cme-bot keys rotate" in capsys.readouterr().err
    both = crypto.read_key_file(path)
    assert both.key_ids == ["newer", first.newest_id] and path.stat().st_mode & 0o777 == 0o600
    assert both.decrypt(first.encrypt("x")) == "x"
    assert main(["keys", "new", "--file", str(path), "--index"]) == 2  # the index key is never replaced


def test_development_makes_a_key_file_beside_the_database_and_says_where(tmp_path, monkeypatch, caplog, capsys):
    monkeypatch.delenv("CME_DATA_KEYS")
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{tmp_path / 'cme.db'}")
    with caplog.at_level(logging.WARNING):
        assert main(["keys", "status"]) == 0
    made = tmp_path / "cme.db.keys"
    assert made.stat().st_mode & 0o777 == 0o600
    assert str(made) in caplog.text and "back it up" in caplog.text
    caplog.clear()
    assert main(["keys", "status"]) == 0  # the second start reads the same file and says nothing
    assert "made a data key" not in caplog.text


def test_production_refuses_to_start_without_a_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CME_DATA_KEYS")
    monkeypatch.setenv("CME_ENV", "production")
    monkeypatch.setenv("CME_DATABASE_URL", f"sqlite:///{tmp_path / 'cme.db'}")
    with pytest.raises(DataKeyError, match="CME_ENV=production and no data key"):
        build_core(Settings())
    assert main(["keys", "status"]) == 3
    assert "CME_DATA_KEYS" in capsys.readouterr().err
    assert not (tmp_path / "cme.db.keys").exists() and not (tmp_path / "cme.db").exists()


def _children(count: int) -> None:
    for number in range(count):
        yield Child(forenames=f"Zephyrine{number}", surname="Quackenbush", dob=dt.date(2014, 5, 2))


def test_rotate_shows_progress_and_status_counts_per_key(db_url, monkeypatch, capsys):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    crypto.install(Keyring.parse(f"a:{A},index:{INDEX}"))
    from storage.db import make_engine

    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        session.add_all(_children(3))
    engine.dispose()
    monkeypatch.setenv("CME_DATA_KEYS", f"b:{B},a:{A},index:{INDEX}")
    assert main(["keys", "rotate", "--batch", "0"]) == 2
    assert main(["keys", "rotate", "--batch", "2"]) == 0
    out, err = capsys.readouterr()
    assert "child: 2 rows read, 6 re-encrypted" in err and "child: 3 rows read, 9 re-encrypted" in err
    assert "done: 9 values moved to key 'b'" in out and "Zephyrine" not in out + err
    assert main(["keys", "status"]) == 0
    assert "child: b=9" in capsys.readouterr().out
    monkeypatch.setenv("CME_DATA_KEYS", f"a:{A},index:{INDEX}")  # b taken away by mistake
    assert main(["keys", "status"]) == 1
    assert "unreadable): b" in capsys.readouterr().err
    assert main(["keys", "rotate"]) == 3
    assert "data key 'b' is missing" in capsys.readouterr().err
