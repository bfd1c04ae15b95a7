"""Keys proven before use (issue 20, finding 2): each key id is checked against a value written with it.

A wrong key under a real id is refused naming the id, and nothing is written; a database from before
the checks gets them on its first start, each key proven on a value already stored with it; a key
taken away while values still need it is named; one no value uses any more has its check retired.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.cli.main import main
from storage import crypto, key_checks
from storage.children import Child
from storage.crypto import DataKeyError, Keyring, new_key_line
from storage.db import unit_of_work

REAL, OTHER, INDEX, WRONG_INDEX, NEW = (new_key_line(kid).partition(":")[2] for kid in ("a", "b", "c", "d", "e"))
RIGHT = f"real:{REAL},index:{INDEX}"
WRONG_DATA = f"real:{OTHER},index:{INDEX}"  # the CME_DATA_KEYS="<real id>:<wrong key>,index:<right>"
WRONG_INDEX_KEY = f"real:{REAL},index:{WRONG_INDEX}"


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table as stored (raw: no key is needed to read it)."""
    with engine.connect() as connection:
        return {
            t.name: sorted(map(tuple, connection.exec_driver_sql(f'SELECT * FROM "{t.name}"')), key=repr)
            for t in SQLModel.metadata.sorted_tables
        }


def _child(engine, keys: str) -> None:
    crypto.install(Keyring.parse(keys))
    with unit_of_work(engine) as session:
        session.add(Child(forenames="Zephyrine", surname="Quackenbush", dob=dt.date(2014, 5, 2), postcode="BL9 0EJ"))


def test_a_wrong_key_under_a_proven_id_is_refused_by_its_id_and_nothing_is_written(engine):
    assert key_checks.ensure(engine, Keyring.parse(RIGHT)).to_write == ["real", "index"]
    _child(engine, RIGHT)
    before = snapshot(engine)
    for keys, named in ((WRONG_DATA, "real"), (WRONG_INDEX_KEY, "index")):
        with pytest.raises(DataKeyError, match=f"data key '{named}' is wrong") as refused:
            key_checks.ensure(engine, Keyring.parse(keys))
        assert "Zephyrine" not in str(refused.value)
    assert snapshot(engine) == before
    assert key_checks.ensure(engine, Keyring.parse(RIGHT)).sound  # the right key, back, still opens everything


def test_an_upgraded_database_gets_its_checks_only_with_keys_that_open_its_values(engine):
    _child(engine, RIGHT)  # written before key checks existed: no check rows
    before = snapshot(engine)
    assert before["data_key_check"] == []
    assert key_checks.assess(engine, Keyring.parse(WRONG_DATA)).wrong == ["real"]  # proven on the stored child
    assert key_checks.assess(engine, Keyring.parse(WRONG_INDEX_KEY)).wrong == ["index"]  # its dob's blind index
    with pytest.raises(DataKeyError, match="'real' is wrong"):
        key_checks.ensure(engine, Keyring.parse(WRONG_DATA))
    assert snapshot(engine) == before
    key_checks.ensure(engine, Keyring.parse(RIGHT))
    assert {row[0] for row in snapshot(engine)["data_key_check"]} == {"real", "index"}


def test_a_key_taken_away_too_soon_is_named_and_a_retired_ones_check_goes(engine):
    both = f"new:{NEW},real:{REAL},index:{INDEX}"
    key_checks.ensure(engine, Keyring.parse(both))
    _child(engine, both)  # on 'new'
    with pytest.raises(DataKeyError, match="data key 'new' is missing"):
        key_checks.ensure(engine, Keyring.parse(RIGHT))
    with engine.begin() as connection:  # as if rotated back onto 'real': no value uses 'new' now
        connection.execute(sa.delete(sa.table("child")))
    assert key_checks.ensure(engine, Keyring.parse(RIGHT)).to_retire == ["new"]
    assert {row[0] for row in snapshot(engine)["data_key_check"]} == {"real", "index"}


def test_keys_status_exits_non_zero_naming_the_wrong_key(db_url, monkeypatch, capsys):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.setenv("CME_DATA_KEYS", RIGHT)
    assert main(["keys", "status"]) == 0  # an empty database: the keys' checks are written at the next start
    assert main(["keys", "rotate"]) == 0  # proves and writes them
    assert "every listed key" in capsys.readouterr().out
    monkeypatch.setenv("CME_DATA_KEYS", WRONG_DATA)
    assert main(["keys", "status"]) == 1
    assert "data key 'real' is wrong" in capsys.readouterr().err
    assert main(["keys", "rotate"]) == 3  # nothing is re-encrypted with a key that is not proven
    assert "data key 'real' is wrong" in capsys.readouterr().err


def test_chat_and_a_cli_command_refuse_a_wrong_key_before_they_write(db_url, monkeypatch, capsys):
    monkeypatch.setenv("CME_DATABASE_URL", db_url)
    monkeypatch.setenv("CME_DATA_KEYS", RIGHT)
    assert main(["keys", "rotate"]) == 0  # a start with the right keys writes their checks
    monkeypatch.setenv("CME_DATA_KEYS", WRONG_DATA)
    monkeypatch.setattr("sys.stdin", io.StringIO("/cme report\nZephyrine\n"))
    capsys.readouterr()
    assert main(["chat", "--json", "--as", "alice"]) == 3
    out, err = capsys.readouterr()
    assert out == "" and "data key 'real' is wrong" in err
    assert main(["cases", "--as", "cme-officer"]) == 3
    assert "data key 'real' is wrong" in capsys.readouterr().err
    from storage.db import make_engine

    engine = make_engine(db_url)
    assert snapshot(engine)["conversation"] == [] and snapshot(engine)["auditevent"] == []
    engine.dispose()
