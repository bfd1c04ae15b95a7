"""Data keys (storage/crypto.py) and rotation (storage/rekey.py): round trips, a missing or wrong key named by
its id, legacy plain text, bad key lines, and a rotation killed halfway that the next run finishes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from storage import crypto
from storage.children import Child
from storage.crypto import DataKeyError, Keyring
from storage.db import unit_of_work
from storage.models import Case, CaseNote
from storage.rekey import rotate, status

A, B, INDEX = (Fernet.generate_key().decode() for _ in range(3))


def ring(*ids: str) -> Keyring:
    """A keyring with these data keys (newest first) and the one index key."""
    keys = {"a": A, "b": B}
    return Keyring.parse(",".join([*(f"{kid}:{keys[kid]}" for kid in ids), f"index:{INDEX}"]))


def test_round_trip_is_authenticated_and_never_the_same_twice():
    keyring = ring("a")
    one, two = keyring.encrypt("Zephyrine"), keyring.encrypt("Zephyrine")
    assert one != two and one.startswith("enc:v1:a:") and "Zephyrine" not in one
    assert keyring.decrypt(one) == keyring.decrypt(two) == "Zephyrine"
    assert keyring.decrypt("legacy plain text") == "legacy plain text"  # rows from before encryption
    assert keyring.blind("upn", "A123") == ring("b", "a").blind("upn", "A123")  # the index key, not the data key


def test_a_missing_or_wrong_key_is_named_and_the_value_never_shown():
    token = ring("a").encrypt("Zephyrine Quackenbush")
    with pytest.raises(DataKeyError) as missing:
        ring("b").decrypt(token)
    assert "'a' is missing" in str(missing.value) and "CME_DATA_KEYS" in str(missing.value)
    wrong = Keyring.parse(f"a:{B},index:{INDEX}")  # id a, but another key under it
    with pytest.raises(DataKeyError) as bad:
        wrong.decrypt(token)
    assert "'a'" in str(bad.value) and "wrong" in str(bad.value)
    tampered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(DataKeyError):
        ring("a").decrypt(tampered)
    assert "Zephyrine" not in str(missing.value) + str(bad.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no data key"),
        ("no idea", "entry 1 is not 'ID:KEY'"),
        (f"a:{A}", "no 'index:KEY' entry"),
        (f"a:{A},a:{B},index:{INDEX}", "listed twice"),
        (f"a:{A},b:not-a-key,index:{INDEX}", "entry 2"),
        (f"a b:{A},index:{INDEX}", "entry 1"),
        (f"index:{INDEX}", "no data key"),
    ],
    ids=["empty", "nonsense", "no-index-key", "twice", "not-a-key", "bad-id", "index-only"],
)
def test_bad_key_lines_say_which_entry_and_never_echo_a_key(text, says):
    with pytest.raises(DataKeyError) as raised:
        Keyring.parse(text)
    assert says in str(raised.value)
    assert A not in str(raised.value) and B not in str(raised.value)


def test_comments_and_new_lines_in_a_key_file(tmp_path):
    path = tmp_path / "keys"
    crypto.write_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    keyring = crypto.read_key_file(path)
    assert keyring.decrypt(keyring.encrypt("x")) == "x"
    with pytest.raises(FileExistsError):
        crypto.write_key_file(path)  # never overwrites the keys to the data
    with pytest.raises(DataKeyError, match="can't be read"):
        crypto.read_key_file(tmp_path / "gone")


def _fill(engine, count: int) -> None:
    with unit_of_work(engine) as session:
        for number in range(count):
            child = Child(forenames=f"Zephyrine{number}", surname="Quackenbush", dob=dt.date(2014, 5, 2), upn=None)
            session.add(child)
            case = Case(reference=f"CME-2026-{number:04d}", year=2026, seq=number, reporter_key="r")
            session.add(case)
            session.flush()
            session.add(CaseNote(case_id=case.id, author="officer", text=f"note {number} about Zephyrine"))


def test_a_rotation_killed_halfway_is_finished_by_the_next_run_and_nothing_is_unreadable(engine):
    crypto.install(ring("a"))
    _fill(engine, 5)
    crypto.install(ring("b", "a"))

    def killed(progress) -> None:
        if progress.table == "child" and progress.batches == 2:
            raise KeyboardInterrupt  # the operator's ^C, after two committed batches

    with pytest.raises(KeyboardInterrupt):
        rotate(engine, batch=2, progress=killed)
    halfway = status(engine)["child"]
    assert halfway["b"] == 4 * 3 and halfway["a"] == 1 * 3  # forenames, surname, dob of 2 batches of 2
    with Session(engine) as session:  # every value reads, whichever key it is on
        assert sorted(c.forenames for c in session.exec(select(Child))) == [f"Zephyrine{n}" for n in range(5)]
    again = rotate(engine, batch=2)
    assert again.changed == 3 + 5  # the last child's three values and the five notes
    assert all(set(counter) <= {"b"} for counter in status(engine).values())
    crypto.install(ring("b"))  # the old key can go now
    with Session(engine) as session:
        assert {n.text for n in session.exec(select(CaseNote))} == {f"note {n} about Zephyrine" for n in range(5)}
    assert rotate(engine).changed == 0


def test_a_rotation_without_the_old_key_stops_naming_it_and_writes_nothing(engine):
    crypto.install(ring("a"))
    _fill(engine, 3)
    crypto.install(ring("b"))
    with pytest.raises(DataKeyError, match="'a' is missing"):
        rotate(engine, batch=2)
    assert status(engine)["child"] == {"a": 9}
    with engine.connect() as connection, pytest.raises(DataKeyError, match="'a' is missing"):
        connection.execute(sa.select(Child.__table__.c.forenames)).all()
